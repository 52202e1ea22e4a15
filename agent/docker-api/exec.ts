// Exec routes: create, start (hijacked like attach; detached answers at once), resize, inspect. The client leaving
// (its connection closed, without a detach) ends the exec's processes in the container.
import type { Duplex } from "node:stream";
import { hostSys } from "../../native/node/sys";
import type { ExecService } from "../containers/exec";
import { badParameter } from "./errors";
import { hijack, readUpgradeBody, type HijackedStream } from "./hijack";
import { readJson, sendEmpty, sendJson } from "./http";
import { route, type Route } from "./server";

export function execRoutes(execs: ExecService): Route[] {
  return [
    route("POST", "/containers/{id}/exec", async ({ req, res, params }) => {
      const body = ((await readJson(req)) ?? {}) as Record<string, unknown>;
      sendJson(res, 201, { Id: execs.create(params[0]!, body) });
    }),
    route("POST", "/exec/{id}/start", async (ctx) => {
      const body = ((await readUpgradeBody(ctx)) ?? {}) as { Detach?: boolean; Tty?: boolean; ConsoleSize?: unknown };
      const s = execs.get(ctx.params[0]!);
      if (body.Detach) {
        await execs.start(s.id, { write() {}, end() {} });
        return sendEmpty(ctx.res, 200);
      }
      // A refusal (the container is not running, the exec already ran) is an ordinary error response with its status
      // and {"message"}. The process starts once the connection is taken over, as under dockerd: output sent together
      // with the 101's headers is lost to clients that read those through a buffered HTTP parser and then take the
      // raw socket (docker-py's exec_run lost whole outputs that way). Input that comes first waits for the process.
      execs.assertStartable(s.id);
      let handle: Awaited<ReturnType<ExecService["start"]>> | null = null;
      const pending: Buffer[] = [];
      let inputEnded = false;
      let gone = false;
      let detached = false;
      const endInput = (h: NonNullable<typeof handle>) => {
        h.inputEnd();
        // The end of what the client sends is not the client leaving (the docker CLI shuts its sending half as soon
        // as its stdin ends, at once without -i, and goes on reading the output); the socket hanging up entirely is.
        whenHungUp(out.socket, () => !detached && h.kill());
      };
      // The output is framed (or not) as the start request's Tty says, as dockerd does, whatever the create said.
      const out: HijackedStream = hijack(ctx, !!body.Tty, {
        onInput: (d) => (handle ? handle.input(d) : pending.push(Buffer.from(d))),
        onInputEnd: () => {
          inputEnded = true;
          if (handle) endInput(handle);
        },
        onClose: () => {
          gone = true;
          if (!detached) handle?.kill();
        },
      });
      try {
        handle = await execs.start(
          s.id,
          {
            write: (st, d) => out.write(st, d),
            end: () => out.end(),
            detach: () => {
              detached = true;
              out.end();
            },
          },
          // dockerd: no console without a TTY.
          { consoleSize: body.Tty ? body.ConsoleSize : undefined },
        );
      } catch (e) {
        // Too late for a status: dockerd writes the error on the stream.
        out.write(1, Buffer.from(`${(e as Error).message}\r\n`));
        out.end();
        return;
      }
      for (const d of pending.splice(0)) handle.input(d);
      if (inputEnded) endInput(handle);
      if (gone || out.socket.destroyed) handle.kill(); // the client left while the process was starting
    }),
    route("POST", "/exec/{id}/resize", async ({ res, params, query }) => {
      const h = Number(query.get("h"));
      const w = Number(query.get("w"));
      if (!Number.isInteger(h) || !Number.isInteger(w)) throw badParameter("h and w must be integers");
      await execs.resize(params[0]!, h, w);
      sendEmpty(res, 200);
    }),
    route("GET", "/exec/{id}/json", ({ res, params }) => sendJson(res, 200, execs.inspect(params[0]!))),
  ];
}

/** Calls `gone` once the peer of a half-closed socket closes its side too (checked every half second). */
function whenHungUp(socket: Duplex, gone: () => void) {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== "number" || fd < 0) return;
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer);
    if (!hostSys().hungUp(fd)) return;
    clearInterval(timer);
    gone();
  }, 500);
  timer.unref();
  socket.once("close", () => clearInterval(timer));
}
