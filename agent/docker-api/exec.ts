// Exec routes: create, start (hijacked like attach; detached answers at once), resize, inspect.
import type { ExecService } from "../containers/exec";
import { badParameter } from "./errors";
import { hijack, readUpgradeBody } from "./hijack";
import { readJson, sendEmpty, sendJson } from "./http";
import { route, type Route } from "./server";

export function execRoutes(execs: ExecService): Route[] {
  return [
    route("POST", "/containers/{id}/exec", async ({ req, res, params }) => {
      const body = ((await readJson(req)) ?? {}) as Record<string, unknown>;
      sendJson(res, 201, { Id: execs.create(params[0]!, body) });
    }),
    route("POST", "/exec/{id}/start", async (ctx) => {
      const body = ((await readUpgradeBody(ctx)) ?? {}) as { Detach?: boolean; Tty?: boolean };
      const s = execs.get(ctx.params[0]!);
      if (body.Detach) {
        await execs.start(s.id, { write() {}, end() {} });
        return sendEmpty(ctx.res, 200);
      }
      let handle: Awaited<ReturnType<ExecService["start"]>> | null = null;
      const pending: Buffer[] = [];
      let ended = false;
      const out = hijack(ctx, s.config.Tty, {
        onInput: (d) => (handle ? handle.input(d) : pending.push(d)),
        onInputEnd: () => (handle ? handle.inputEnd() : (ended = true)),
        onClose: () => handle?.kill(),
      });
      try {
        handle = await execs.start(s.id, { write: (st, d) => out.write(st, d), end: () => out.end() });
      } catch (e) {
        out.write(2, Buffer.from(`${(e as Error).message}\n`));
        out.end();
        return;
      }
      for (const d of pending.splice(0)) handle.input(d);
      if (ended) handle.inputEnd();
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
