// Exec sessions over the /browser socket (the in-browser terminal and `gantry exec -it`):
//   "exec:start" {hostId, container, cmd, tty?, cols?, rows?, env?, user?, workdir?} → ack {ok, execId} | {ok:false, error}
//   server → "exec:data" {execId, stream, data} (acknowledge each to receive more: flow control), "exec:end" {execId, exitCode?, error?}
//   "exec:input" {execId, data, eof?} (eof: no more input, the command reads end-of-file), "exec:resize" {execId, cols, rows}, "exec:close" {execId}
//   "exec:input" and "exec:resize" answer through an acknowledgement when one is given: {ok} | {ok:false, error}.
// Authorized with containers.exec through the policy module: the actor is re-read at start, and every input and resize
// is checked against the socket's live actor (server/browser-actor.ts), so a user demoted, disabled or signed out
// everywhere, or a revoked token, loses their sessions at once (ended with the reason). Each session is written to the
// activity record with its command and, when it ends, its exit code and the input typed (lib/activity/terminal-input.ts:
// capped per session, the record says when it was cut). At most MAX_SESSIONS_PER_SOCKET per connection,
// counted from the moment a start is accepted (before anything is awaited); a connection that drops takes every
// session with it, those still starting included: their processes are killed, none is left running.
import type { Socket } from "socket.io";
import { z } from "zod";
import { can, describe } from "@/lib/auth/policy";
import { openStream, type StreamHandle } from "@/lib/fleet";
import { chunkBytes } from "@/lib/protocol/commands";
import { recordActivity } from "@/lib/activity/record-activity";
import { clientAddress } from "@/lib/activity/client-address";
import { TerminalInput } from "@/lib/activity/terminal-input";
import { GantryError } from "@/lib/errors";
import { hostIdNumber } from "@/lib/hosts/host-id";
import { hostRefusal, type LiveActor } from "./browser-actor";

const ExecStart = z
  .object({
    hostId: hostIdNumber,
    container: z.string().min(1).max(256),
    cmd: z.array(z.string().max(65536)).min(1, "a command is required").max(1024),
    tty: z.boolean().optional(),
    cols: z.number().int().min(1).max(1000).optional(),
    rows: z.number().int().min(1).max(1000).optional(),
    env: z.array(z.string().max(65536)).max(1024).optional(),
    user: z.string().max(256).optional(),
    workdir: z.string().max(4096).optional(),
  })
  .strict();
const ExecId = z.object({ execId: z.string().min(1).max(64) });
const ExecInput = ExecId.extend({ data: z.string().max(1 << 20), eof: z.boolean().optional() }).strict();
const ExecResize = ExecId.extend({ cols: z.number().int().min(1).max(1000), rows: z.number().int().min(1).max(1000) }).strict();

const MAX_SESSIONS_PER_SOCKET = 16;

/** One session from the moment its start is accepted: the handle arrives once the host has started it. */
interface Session {
  /** The host it runs on: the rights it needs are asked there. */
  hostId: number;
  handle: StreamHandle | null;
  /** What was typed into it, for its end record. */
  input: TerminalInput;
  /** Ended by the server (disconnect, access withdrawn) before or after the host started it. */
  closed: boolean;
  /** Ends the session (the host's process is killed), with the reason shown to the user when the server ended it. */
  end(error?: string): void;
}

export function attachExecEvents(socket: Socket, live: LiveActor) {
  /** Every accepted start, started or still starting; a session is in `sessions` under its id once started. */
  const accepted = new Set<Session>();
  const sessions = new Map<string, Session>();
  const headers = { get: (n: string) => (socket.handshake.headers[n] as string | undefined) ?? null };
  const from = { ip: clientAddress(headers) ?? socket.handshake.address?.replace(/^::ffff:/, "") ?? null, userAgent: headers.get("user-agent") };

  live.watch({
    active: () => accepted.size > 0,
    changed: (actor) => {
      for (const s of [...accepted]) {
        if (can(actor, "containers.exec", { hostId: s.hostId })) continue;
        const why = actor ? `${describe(actor)} no longer allows containers.exec on host ${s.hostId}` : "your session or token is no longer valid";
        s.end(`the terminal was closed: ${why}`);
      }
    },
  });

  socket.on("exec:start", async (raw: unknown, ack?: (r: unknown) => void) => {
    const reply = typeof ack === "function" ? ack : () => {};
    const parsed = ExecStart.safeParse(raw);
    if (!parsed.success) return reply({ ok: false, error: `invalid exec: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}` });
    // The slot is taken now, before anything is awaited: parallel starts cannot all pass the check.
    if (accepted.size >= MAX_SESSIONS_PER_SOCKET) return reply({ ok: false, error: `at most ${MAX_SESSIONS_PER_SOCKET} exec sessions per connection`, code: "conflict" });
    let execId = "";
    let ended = false;
    let endReason: string | undefined;
    const session: Session = {
      hostId: parsed.data.hostId,
      handle: null,
      input: new TerminalInput(),
      closed: false,
      end: (error) => {
        if (session.closed) return;
        session.closed = true;
        endReason = error;
        accepted.delete(session);
        if (!session.handle) return; // still starting: closed as soon as the host answers
        session.handle.close();
      },
    };
    accepted.add(session);
    // The end as the browser sees it: once, whether the host ended the process or the server closed it (and why).
    let onEnd: (r: { exitCode?: number; error?: string }) => void = () => {};
    const finish = (r: { exitCode?: number; error?: string }) => {
      if (ended) return;
      ended = true;
      accepted.delete(session);
      sessions.delete(execId);
      onEnd(endReason !== undefined ? { error: endReason } : r);
    };

    const actor = await live.refresh();
    // As the REST routes answer: a host outside one's scopes does not exist for them.
    const refused = hostRefusal(actor, "containers.exec", session.hostId);
    if (refused || !actor) {
      accepted.delete(session);
      return reply(refused ?? { ok: false, error: "unauthorized", code: "unauthorized" });
    }
    if (session.closed) return reply({ ok: false, error: "the connection closed before the exec started", code: "conflict" });
    const { hostId, container, ...rest } = parsed.data;
    const target = `hosts/${hostId}/containers/${container}`;
    onEnd = (r) => {
      socket.emit("exec:end", { execId, ...r });
      void recordActivity({ actor, action: "containers.exec", target, outcome: r.error ? "error" : "ok", ...from, details: { event: "end", execId, ...r, ...session.input.record() } }).catch(() => {});
    };
    // The host may send before openStream resolves: hold those frames until the session has its id.
    const early: Array<() => void> = [];
    let started = false;
    const whenStarted = (f: () => void) => (started ? f() : early.push(f));
    try {
      const handle = await openStream(
        hostId,
        { kind: "exec", id: container, ...rest },
        {
          onChunk: (c) => {
            if (c.stream === "event") return;
            const bytes = chunkBytes(c);
            // Credit comes back only when the client acknowledges the frame: a stalled terminal stalls its own exec.
            whenStarted(() => !ended && socket.emit("exec:data", { execId, stream: c.stream, data: c.data }, () => sessions.get(execId)?.handle?.credit(bytes)));
          },
          onEnd: (r) => whenStarted(() => finish(r)),
        },
        { actorId: actor.id },
      );
      execId = handle.id;
      session.handle = handle;
      if (session.closed) {
        // The connection dropped or access was withdrawn while the host was starting it: the process goes now.
        handle.close();
        return reply({ ok: false, error: "the exec was closed while it started", code: "conflict" });
      }
      sessions.set(execId, session);
      await recordActivity({ actor, action: "containers.exec", target, ...from, details: { event: "start", execId, cmd: rest.cmd, tty: rest.tty ?? false } });
      reply({ ok: true, execId });
      started = true;
      for (const f of early.splice(0)) f();
    } catch (e) {
      accepted.delete(session);
      const message = e instanceof GantryError ? e.message : "could not start the exec session";
      await recordActivity({ actor, action: "containers.exec", target, outcome: e instanceof GantryError ? e.code : "internal", ...from, details: { event: "start", cmd: rest.cmd } }).catch(() => {});
      reply({ ok: false, error: message, code: e instanceof GantryError ? e.code : "internal" });
    }
  });

  /** Runs an input or resize once the live actor is settled, if it still may exec; answers the ack either way. */
  const authorized = (execId: string, ack: unknown, f: (handle: StreamHandle, session: Session) => void) => {
    const reply = typeof ack === "function" ? (ack as (r: unknown) => void) : () => {};
    live.whenSettled((actor) => {
      const session = sessions.get(execId);
      if (!session?.handle) return reply({ ok: false, error: `no exec session ${execId} on this connection`, code: "not_found" });
      if (!can(actor, "containers.exec", { hostId: session.hostId })) return reply(hostRefusal(actor, "containers.exec", session.hostId) ?? { ok: false, error: "unauthorized", code: "unauthorized" });
      f(session.handle, session);
      reply({ ok: true });
    });
  };
  socket.on("exec:input", (raw: unknown, ack?: unknown) => {
    const p = ExecInput.safeParse(raw);
    if (!p.success) return typeof ack === "function" && ack({ ok: false, error: "invalid exec input", code: "bad_request" });
    authorized(p.data.execId, ack, (handle, session) => {
      if (p.data.data) {
        session.input.add(p.data.data);
        handle.write(p.data.data);
      }
      if (p.data.eof) handle.endInput();
    });
  });
  socket.on("exec:resize", (raw: unknown, ack?: unknown) => {
    const p = ExecResize.safeParse(raw);
    if (!p.success) return typeof ack === "function" && ack({ ok: false, error: "invalid exec resize", code: "bad_request" });
    authorized(p.data.execId, ack, (handle) => handle.resize(p.data.cols, p.data.rows));
  });
  // Closing takes access away, so it needs none.
  socket.on("exec:close", (raw: unknown) => {
    const p = ExecId.safeParse(raw);
    if (p.success) sessions.get(p.data.execId)?.end();
  });
  socket.on("disconnect", () => {
    for (const s of [...accepted]) s.end("the browser disconnected");
    sessions.clear();
  });
}
