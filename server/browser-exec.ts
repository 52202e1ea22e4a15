// Exec sessions over the /browser socket (the in-browser terminal and `gantry exec -it`):
//   "exec:start" {hostId, container, cmd, tty?, cols?, rows?, env?, user?, workdir?} → ack {ok, execId} | {ok:false, error}
//   server → "exec:data" {execId, stream, data} (acknowledge each to receive more: flow control), "exec:end" {execId, exitCode?, error?}
//   "exec:input" {execId, data, eof?} (eof: no more input, the command reads end-of-file), "exec:resize" {execId, cols, rows}, "exec:close" {execId}
// Authorized with containers.exec through the policy module (the actor re-read at start), and each session is
// written to the activity record with its command and, when it ends, its exit code.
import type { Socket } from "socket.io";
import { z } from "zod";
import { can, type Actor } from "@/lib/auth/policy";
import { openStream, type StreamHandle } from "@/lib/fleet";
import { chunkBytes } from "@/lib/protocol/commands";
import { recordActivity } from "@/lib/activity/record-activity";
import { clientAddress } from "@/lib/activity/client-address";
import { GantryError } from "@/lib/errors";

const ExecStart = z
  .object({
    hostId: z.number().int().positive(),
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

export function attachExecEvents(socket: Socket, currentActor: () => Promise<Actor | null>) {
  const sessions = new Map<string, StreamHandle>();
  const headers = { get: (n: string) => (socket.handshake.headers[n] as string | undefined) ?? null };
  const from = { ip: clientAddress(headers) ?? socket.handshake.address?.replace(/^::ffff:/, "") ?? null, userAgent: headers.get("user-agent") };

  socket.on("exec:start", async (raw: unknown, ack?: (r: unknown) => void) => {
    const reply = typeof ack === "function" ? ack : () => {};
    const parsed = ExecStart.safeParse(raw);
    if (!parsed.success) return reply({ ok: false, error: `invalid exec: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}` });
    const actor = await currentActor();
    if (!actor || !can(actor, "containers.exec")) return reply({ ok: false, error: actor ? `forbidden: your role (${actor.role}) does not allow containers.exec` : "unauthorized" });
    if (sessions.size >= MAX_SESSIONS_PER_SOCKET) return reply({ ok: false, error: `at most ${MAX_SESSIONS_PER_SOCKET} exec sessions per connection` });
    const { hostId, container, ...rest } = parsed.data;
    const target = `hosts/${hostId}/containers/${container}`;
    let execId = "";
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
            whenStarted(() => socket.emit("exec:data", { execId, stream: c.stream, data: c.data }, () => sessions.get(execId)?.credit(bytes)));
          },
          onEnd: (r) =>
            whenStarted(() => {
              sessions.delete(execId);
              socket.emit("exec:end", { execId, ...r });
              void recordActivity({ actor, action: "containers.exec", target, outcome: r.error ? "error" : "ok", ...from, details: { event: "end", execId, ...r } }).catch(() => {});
            }),
        },
        { actorId: actor.id },
      );
      execId = handle.id;
      sessions.set(execId, handle);
      await recordActivity({ actor, action: "containers.exec", target, ...from, details: { event: "start", execId, cmd: rest.cmd, tty: rest.tty ?? false } });
      reply({ ok: true, execId });
      started = true;
      for (const f of early.splice(0)) f();
    } catch (e) {
      const message = e instanceof GantryError ? e.message : "could not start the exec session";
      await recordActivity({ actor, action: "containers.exec", target, outcome: e instanceof GantryError ? e.code : "internal", ...from, details: { event: "start", cmd: rest.cmd } }).catch(() => {});
      reply({ ok: false, error: message, code: e instanceof GantryError ? e.code : "internal" });
    }
  });
  socket.on("exec:input", (raw: unknown) => {
    const p = ExecInput.safeParse(raw);
    if (!p.success) return;
    const session = sessions.get(p.data.execId);
    session?.write(p.data.data);
    if (p.data.eof) session?.endInput();
  });
  socket.on("exec:resize", (raw: unknown) => {
    const p = ExecResize.safeParse(raw);
    if (p.success) sessions.get(p.data.execId)?.resize(p.data.cols, p.data.rows);
  });
  socket.on("exec:close", (raw: unknown) => {
    const p = ExecId.safeParse(raw);
    if (p.success) sessions.get(p.data.execId)?.close();
  });
  socket.on("disconnect", () => {
    for (const h of sessions.values()) h.close();
    sessions.clear();
  });
}
