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
      // The process starts before the connection is taken over, so that a refusal (the container is not running, the
      // exec already ran) is an ordinary error response with its status and {"message"}; what the process writes
      // meanwhile waits for the stream. The client sends its input only once it has the 101.
      let out: HijackedStream | null = null;
      const early: [1 | 2, Buffer][] = [];
      let endedEarly = false;
      let detached = false;
      const handle = await execs.start(
        s.id,
        {
          write: (st, d) => (out ? out.write(st, d) : early.push([st, Buffer.from(d)])),
          end: () => (out ? out.end() : (endedEarly = true)),
          detach: () => {
            detached = true;
            out?.end();
          },
        },
        // dockerd: no console without a TTY.
        { consoleSize: body.Tty ? body.ConsoleSize : undefined },
      );
      const onInputEnd = () => {
        handle.inputEnd();
        // The end of what the client sends is not the client leaving (the docker CLI shuts its sending half as soon
        // as its stdin ends, at once without -i, and goes on reading the output); the socket hanging up entirely is.
        if (out) whenHungUp(out.socket, () => !detached && handle.kill());
      };
      // The output is framed (or not) as the start request's Tty says, as dockerd does, whatever the create said.
      out = hijack(ctx, !!body.Tty, { onInput: (d) => handle.input(d), onInputEnd, onClose: () => !detached && handle.kill() });
      if (out.socket.destroyed) handle.kill(); // the client left while the process was starting
      for (const [st, d] of early.splice(0)) out.write(st, d);
      if (endedEarly) out.end();
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
