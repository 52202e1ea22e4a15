// Container routes of the Engine API over ContainerService: create, inspect, list, the lifecycle verbs, wait (headers
// at once, body at exit), logs (multiplexed without a TTY, raw with one), attach (hijacked), resize, top and stats.
import type { ServerResponse } from "node:http";
import { containerStats } from "../containers/stats";
import type { ContainerService } from "../containers/service";
import type { ContainerRecord } from "../containers/types";
import type { LogRecord } from "../containers/logs";
import { recordBytes } from "../containers/logs";
import { endpointSettings, inspectJson, mountsOf, networkSettings } from "../containers/inspect";
import { parseTimeArg } from "../containers/time-arg";
import { NO_LOG_READING } from "../containers/log-config";
import { updateContainer } from "../containers/update";
import { parseCreateRequest } from "../containers/create-request";
import { DetachKeysError, parseDetachKeys } from "../containers/detach-keys";
import { HEALTH_FILTER_VALUES, healthFilterValue, healthSuffix } from "../containers/health";
import { badParameter, notImplemented } from "./errors";
import { hijack, muxFrame, skipUpgradeBody } from "./hijack";
import { parseFilters, queryBool, readJson, sendEmpty, sendJson, type Ctx } from "./http";
import { route, type Route } from "./server";

/** An integer query parameter (a stop timeout, a terminal size); absent is `undefined`, anything else a 400. */
function queryInt(q: URLSearchParams, name: string, min: number): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  if (!/^-?\d+$/.test(v) || Number(v) < min) throw badParameter(`invalid value for ${name}: "${v}" (an integer of at least ${min} is expected)`);
  return Number(v);
}

function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return "Less than a second";
  if (s === 1) return "1 second";
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return "About a minute";
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return "About an hour";
  if (h < 48) return `${h} hours`;
  return `${Math.floor(h / 24)} days`;
}

function statusText(r: ContainerRecord): string {
  const s = r.State;
  const now = Date.now();
  if (s.Restarting) return `Restarting (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
  if (s.Running) return `Up ${humanDuration(now - Date.parse(s.StartedAt))}${s.Paused ? " (Paused)" : healthSuffix(s.Health)}`;
  if (s.Dead) return "Dead";
  if (s.Status === "removing") return "Removal In Progress";
  if (!r.HasBeenStarted) return "Created";
  return `Exited (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
}

/** A container as `GET /containers/json` (and `/system/df`) list it. */
export function summary(r: ContainerRecord) {
  const ports: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] = [];
  for (const [key, binds] of Object.entries(r.Ports)) {
    const [port, proto] = key.split("/");
    if (!binds) ports.push({ PrivatePort: Number(port), Type: proto ?? "tcp" });
    else for (const b of binds) ports.push({ IP: b.HostIp, PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: proto ?? "tcp" });
  }
  return {
    Id: r.Id,
    Names: [r.Name],
    Image: r.Config.Image,
    ImageID: r.Image,
    Command: [r.Path, ...r.Args].map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(" "),
    Created: Math.floor(Date.parse(r.Created) / 1000),
    Ports: ports,
    Labels: r.Config.Labels,
    State: r.State.Status,
    Status: statusText(r),
    // API 1.52's summary of the healthcheck.
    Health: { Status: healthFilterValue(r), FailingStreak: r.State.Health?.FailingStreak ?? 0 },
    HostConfig: { NetworkMode: r.HostConfig.NetworkMode },
    NetworkSettings: { Networks: networkSettings(r).Networks },
    Mounts: mountsOf(r),
  };
}

const LIST_FILTERS = ["id", "name", "label", "status", "exited", "ancestor", "before", "since", "network", "volume", "health", "is-task", "publish", "expose"] as const;

function listContainers(svc: ContainerService, q: URLSearchParams) {
  const all = queryBool(q, "all");
  const limit = Number(q.get("limit") ?? -1);
  const f = parseFilters(q, LIST_FILTERS);
  for (const v of f.get("health") ?? []) if (!HEALTH_FILTER_VALUES.includes(v)) throw badParameter(`Unrecognised filter value for health: ${v}`);
  let rs = svc.list();
  if (!all && !f.has("status") && !(limit > 0)) rs = rs.filter((r) => r.State.Running || r.State.Restarting);
  const labelMatch = (r: ContainerRecord, spec: string) => {
    const eq = spec.indexOf("=");
    return eq < 0 ? spec in r.Config.Labels : r.Config.Labels[spec.slice(0, eq)] === spec.slice(eq + 1);
  };
  const pass = (key: string, test: (v: string) => boolean) => !f.has(key) || f.get(key)!.some(test);
  rs = rs.filter(
    (r) =>
      pass("id", (v) => r.Id.startsWith(v)) &&
      pass("name", (v) => new RegExp(v.replace(/^\//, "")).test(r.Name.slice(1))) &&
      (!f.has("label") || f.get("label")!.every((v) => labelMatch(r, v))) &&
      pass("status", (v) => r.State.Status === v) &&
      pass("exited", (v) => r.HasBeenStarted && !r.State.Running && r.State.ExitCode === Number(v)) &&
      pass("ancestor", (v) => r.Config.Image === v || r.Image === v || r.Image.replace(/^sha256:/, "").startsWith(v.replace(/^sha256:/, ""))) &&
      pass("network", (v) => {
        const eps = endpointSettings(r) as Record<string, { NetworkID: string }>;
        return v in eps || Object.values(eps).some((n) => n.NetworkID !== "" && n.NetworkID.startsWith(v));
      }) &&
      pass("volume", (v) => r.Mounts.some((m) => m.name === v || m.target === v)) &&
      pass("health", (v) => healthFilterValue(r) === v),
  );
  for (const key of ["before", "since"] as const) {
    if (!f.has(key)) continue;
    const pivot = svc.get(f.get(key)![0]!);
    rs = rs.filter((r) => (key === "before" ? r.Created < pivot.Created : r.Created > pivot.Created));
  }
  if (limit > 0) rs = rs.slice(0, limit);
  return rs.map(summary);
}

/**
 * Writes log records as `docker logs` expects them: framed unless the container has a TTY, optional timestamps.
 * Answers whether the response takes more now (false: wait for its "drain").
 */
function logWriter(res: ServerResponse, tty: boolean, o: { stdout: boolean; stderr: boolean; timestamps: boolean }) {
  return (recs: LogRecord[]): boolean => {
    const out: Buffer[] = [];
    for (const r of recs) {
      const s = r.stream === "stdout" ? 1 : 2;
      if ((s === 1 && !o.stdout) || (s === 2 && !o.stderr)) continue;
      let bytes = recordBytes(r, tty);
      if (o.timestamps) bytes = Buffer.concat([Buffer.from(`${r.time} `), bytes]);
      out.push(tty ? bytes : muxFrame(s, bytes));
    }
    // One write per batch: the response holds one buffer for it, not one per line.
    if (res.destroyed || !out.length) return !res.destroyed;
    return res.write(Buffer.concat(out));
  };
}

/** The detach keys of an attach request (a 400 naming them when they are not Docker's grammar). */
export function detachKeys(spec: string | null): Buffer {
  try {
    return parseDetachKeys(spec);
  } catch (e) {
    if (e instanceof DetachKeysError) throw badParameter(`Invalid detach keys (${spec}) provided`);
    throw e;
  }
}

export function containerRoutes(svc: ContainerService): Route[] {
  const id = (ctx: Ctx) => ctx.params[0]!;
  return [
    route("POST", "/containers/create", async ({ req, res, query }) => {
      const body = (await readJson(req)) as Record<string, unknown>;
      // dockerd cannot tell an empty Cmd list from an absent one (both are len 0 in Go) and takes the image's Cmd for
      // either; clients rely on that (dockerode's run() sends `Cmd: []` to mean "the image's command").
      if (body && typeof body === "object" && Array.isArray(body.Cmd) && body.Cmd.length === 0) delete body.Cmd;
      sendJson(res, 201, await svc.createContainer(parseCreateRequest(body), query.get("name")));
    }),
    route("GET", "/containers/json", ({ res, query }) => sendJson(res, 200, listContainers(svc, query))),
    route("GET", "/containers/{id}/json", (ctx) => {
      const r = svc.get(id(ctx));
      sendJson(ctx.res, 200, inspectJson(r, svc.logPath(r.Id), (linked) => (svc.has(linked) ? svc.get(linked) : undefined)));
    }),
    route("POST", "/containers/{id}/start", async (ctx) => {
      sendEmpty(ctx.res, (await svc.start(id(ctx))) === "already" ? 304 : 204);
    }),
    route("POST", "/containers/{id}/stop", async (ctx) => {
      const t = queryInt(ctx.query, "t", -1) ?? queryInt(ctx.query, "timeout", -1);
      const r = await svc.stop(id(ctx), t, ctx.query.get("signal") ?? undefined);
      sendEmpty(ctx.res, r === "already" ? 304 : 204);
    }),
    route("POST", "/containers/{id}/restart", async (ctx) => {
      await svc.restart(id(ctx), queryInt(ctx.query, "t", -1));
      sendEmpty(ctx.res, 204);
    }),
    route("POST", "/containers/{id}/kill", async (ctx) => {
      await svc.kill(id(ctx), ctx.query.get("signal") || "KILL");
      sendEmpty(ctx.res, 204);
    }),
    route("POST", "/containers/{id}/update", async (ctx) => {
      sendJson(ctx.res, 200, await updateContainer(svc, id(ctx), await readJson(ctx.req)));
    }),
    route("POST", "/containers/{id}/pause", async (ctx) => {
      await svc.pause(id(ctx));
      sendEmpty(ctx.res, 204);
    }),
    route("POST", "/containers/{id}/unpause", async (ctx) => {
      await svc.unpause(id(ctx));
      sendEmpty(ctx.res, 204);
    }),
    route("POST", "/containers/{id}/rename", async (ctx) => {
      const name = ctx.query.get("name");
      if (!name) throw badParameter("a new name is required");
      await svc.rename(id(ctx), name);
      sendEmpty(ctx.res, 204);
    }),
    route("DELETE", "/containers/{id}", async (ctx) => {
      // `docker rm --link parent/alias`: the path names the link, not a container.
      if (queryBool(ctx.query, "link")) {
        await svc.removeLink(id(ctx));
        return sendEmpty(ctx.res, 204);
      }
      await svc.remove(id(ctx), { force: queryBool(ctx.query, "force"), volumes: queryBool(ctx.query, "v") });
      sendEmpty(ctx.res, 204);
    }),
    route("POST", "/containers/{id}/wait", async (ctx) => {
      const { promise } = svc.wait(id(ctx), ctx.query.get("condition") ?? "not-running");
      // The headers go at once (the CLI waits for them before it starts the container); the body at exit.
      ctx.res.writeHead(200, { "Content-Type": "application/json" });
      ctx.res.flushHeaders();
      const result = await promise;
      ctx.res.end(JSON.stringify(result) + "\n");
    }),
    route("POST", "/containers/{id}/resize", async (ctx) => {
      await svc.resize(id(ctx), queryInt(ctx.query, "h", 0) ?? 0, queryInt(ctx.query, "w", 0) ?? 0);
      sendEmpty(ctx.res, 200);
    }),
    route("GET", "/containers/{id}/logs", (ctx) => {
      const r = svc.get(id(ctx));
      const q = ctx.query;
      const o = { stdout: queryBool(q, "stdout"), stderr: queryBool(q, "stderr"), timestamps: queryBool(q, "timestamps") };
      if (!o.stdout && !o.stderr) throw badParameter("Bad parameters: you must choose at least one stream");
      if (r.HostConfig.LogConfig?.Type === "none") throw notImplemented(NO_LOG_READING);
      const tailArg = q.get("tail");
      const tail = !tailArg || tailArg === "all" ? undefined : Number(tailArg);
      if (tail !== undefined && !Number.isInteger(tail)) throw badParameter(`invalid tail value: ${tailArg}`);
      const since = parseTimeArg(q.get("since"));
      const until = parseTimeArg(q.get("until"));
      const tty = r.Config.Tty;
      const res = ctx.res;
      res.writeHead(200, { "Content-Type": tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream" });
      // The log is read as fast as the client takes it: a client that stops reading stops the reading (the file
      // holds what it has not taken), instead of the agent buffering the log for it.
      const write = logWriter(res, tty, o);
      const reader = svc.readLogs(
        r.Id,
        { since, until, tail, follow: queryBool(q, "follow") },
        (recs) => {
          if (write(recs)) return;
          reader.pause();
          res.once("drain", () => reader.resume());
        },
        () => res.end(),
      );
      res.on("close", () => reader.stop());
    }),
    route("POST", "/containers/{id}/attach", async (ctx) => {
      const r = svc.get(id(ctx));
      // Only what follows the request's body is the container's stdin (dockerode repeats the options there as JSON).
      await skipUpgradeBody(ctx);
      const q = ctx.query;
      const o = {
        stdin: queryBool(q, "stdin"),
        stdout: queryBool(q, "stdout"),
        stderr: queryBool(q, "stderr"),
        logs: queryBool(q, "logs"),
        stream: queryBool(q, "stream"),
        detachKeys: detachKeys(q.get("detachKeys")),
      };
      let handle: ReturnType<ContainerService["attach"]> | null = null;
      const pendingInput: Buffer[] = [];
      const out = hijack(ctx, r.Config.Tty, {
        onInput: (d) => (handle ? handle.input(d) : pendingInput.push(d)),
        onInputEnd: () => handle?.inputEnd(),
        onClose: () => handle?.close(),
      });
      handle = svc.attach(r.Id, o, { write: (s, d) => out.write(s, d), end: () => out.end() });
      for (const d of pendingInput.splice(0)) handle.input(d);
    }),
    route("GET", "/containers/{id}/top", async (ctx) => {
      sendJson(ctx.res, 200, await svc.top(id(ctx), ctx.query.get("ps_args") ?? ""));
    }),
    route("GET", "/containers/{id}/stats", async (ctx) => {
      const r = svc.get(id(ctx));
      const stream = queryBool(ctx.query, "stream", true);
      const oneShot = queryBool(ctx.query, "one-shot");
      const sample = () => (r.State.Running ? containerStats(`/gantry/${r.Id}`, r.State.Pid, r.Name, r.Id) : containerStats("/nonexistent", 0, r.Name, r.Id));
      let prev = sample();
      const withPre = (cur: ReturnType<typeof sample>) => ({ ...cur, preread: prev.read, precpu_stats: prev.cpu_stats });
      if (!stream) {
        if (!oneShot) await new Promise((res) => setTimeout(res, 1000));
        const cur = sample();
        return sendJson(ctx.res, 200, oneShot ? { ...cur, preread: "0001-01-01T00:00:00Z", precpu_stats: {} } : withPre(cur));
      }
      ctx.res.writeHead(200, { "Content-Type": "application/json" });
      const tick = () => {
        const cur = sample();
        ctx.res.write(JSON.stringify(withPre(cur)) + "\n");
        prev = cur;
      };
      tick();
      const timer = setInterval(tick, 1000);
      ctx.res.on("close", () => clearInterval(timer));
    }),
  ];
}
