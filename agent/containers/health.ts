// Healthchecks, as dockerd runs them (daemon/health.go): a container's Config.Healthcheck — from `docker run
// --health-*`, or the image's HEALTHCHECK when the request has none — is a probe command run inside the running
// container every Interval (StartInterval while it is still starting within StartPeriod), each run bounded by Timeout.
// Exit 0 is healthy; Retries failures in a row (failures during StartPeriod before the first success do not count)
// make it unhealthy. State.Health keeps Status, FailingStreak and the last 5 results; a change of status is a
// `health_status: <status>` event; a start (or restart) begins again at "starting"; a container that stops, or is
// paused, has its probes stopped (a stopped one reads "unhealthy", as dockerd's does).
//
// The loop is apart from what runs the command: a `ProbeRunner` runs a command in a container with a timeout and
// answers its exit code and output (here through the exec path, as `docker exec` runs; a pod's probes can give their
// own). `HealthMonitor` is one container's loop over any runner; `ContainerHealth` keeps one per running container of
// the engine, following its lifecycle events.
import { badRequest } from "../../lib/errors";
import { systemClock, type Clock } from "../clock";
import type { EngineEvent, EventBus } from "../events";
import type { ExecService } from "./exec";
import type { ContainerService } from "./service";
import type { ContainerRecord } from "./types";

/** Docker's HealthConfig; durations in nanoseconds (0: the default). */
export interface HealthConfig {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export type HealthStatus = "starting" | "healthy" | "unhealthy";

export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** State.Health as inspect shows it. */
export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  Log: HealthLogEntry[];
}

export interface ProbeResult {
  /** -1 when the probe did not finish (timed out) or could not be run. */
  exitCode: number;
  output: string;
}

/** Runs `cmd` in a container, ending it after `timeoutMs`: its exit code and what it wrote (stdout and stderr). */
export interface ProbeRunner {
  run(cmd: string[], timeoutMs: number): Promise<ProbeResult>;
}

const MS = 1_000_000;
const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_START_INTERVAL_MS = 5_000;
const DEFAULT_RETRIES = 3;
/** Results kept in State.Health.Log. */
export const MAX_LOG_ENTRIES = 5;
/** Output kept per result; more is cut and marked with "...". */
export const MAX_OUTPUT = 4096;

/**
 * The healthcheck a container runs: the request's, its unset fields taken from the image's (dockerd's merge), checked
 * as dockerd checks them (durations of at least 1 ms, retries not negative). Null when neither has one.
 */
export function mergeHealthcheck(given: unknown, image: unknown): HealthConfig | null {
  const img = image && typeof image === "object" ? (image as HealthConfig) : null;
  if (given === undefined || given === null) return img ? { ...img } : null;
  if (typeof given !== "object" || Array.isArray(given)) throw badRequest("Healthcheck must be an object");
  const g = given as HealthConfig;
  if (g.Test !== undefined && g.Test !== null && (!Array.isArray(g.Test) || g.Test.some((x) => typeof x !== "string"))) {
    throw badRequest("Healthcheck.Test must be a list of strings");
  }
  const out: HealthConfig = { ...g };
  for (const [field, what] of [["Interval", "Interval"], ["Timeout", "Timeout"], ["StartPeriod", "StartPeriod"], ["StartInterval", "StartInterval"], ["Retries", "Retries"]] as const) {
    const v = g[field];
    if (v !== undefined && v !== null && (typeof v !== "number" || !Number.isInteger(v))) throw badRequest(`Healthcheck.${what} must be an integer`);
  }
  for (const field of ["Interval", "Timeout", "StartPeriod", "StartInterval"] as const) {
    const v = g[field] ?? 0;
    if (v !== 0 && v < MS) throw badRequest(`${field} in Healthcheck cannot be less than 1ms`);
  }
  if ((g.Retries ?? 0) < 0) throw badRequest("Retries in Healthcheck cannot be negative");
  if (img) {
    if (!out.Test?.length) out.Test = img.Test;
    for (const field of ["Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"] as const) if (!out[field]) out[field] = img[field];
  }
  for (const k of Object.keys(out) as (keyof HealthConfig)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** The command a healthcheck runs (CMD as is, CMD-SHELL through the shell), or null for none (NONE, empty, unknown). */
export function probeCommand(hc: HealthConfig | null | undefined, shell: string[] = ["/bin/sh", "-c"]): string[] | null {
  const test = hc?.Test;
  if (!test?.length) return null;
  const rest = test.slice(1);
  if (test[0] === "CMD") return rest.length ? rest : null;
  if (test[0] === "CMD-SHELL") return rest.length ? [...shell, ...rest] : null;
  return null;
}

/** Go's time.Duration text for whole milliseconds and up: 300ms, 1s, 1.5s, 1m30s. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = ((ms % 60_000) / 1000).toString();
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${s}s`;
}

/** What `docker ps` adds to "Up …": "(healthy)", "(unhealthy)", "(health: starting)". */
export function healthSuffix(h: HealthState | undefined): string {
  if (!h) return "";
  return h.Status === "starting" ? " (health: starting)" : ` (${h.Status})`;
}

/** The status the `health` filter of `GET /containers/json` matches: "none" without a healthcheck. */
export function healthFilterValue(rec: ContainerRecord): string {
  return rec.State.Health?.Status ?? "none";
}

/** The system clock, its timers not keeping the agent alive. */
const unrefClock: Clock = { ...systemClock, setTimeout: (fn, ms) => setTimeout(fn, ms).unref() };

export const HEALTH_FILTER_VALUES = ["starting", "healthy", "unhealthy", "none"];

/**
 * One container's probe loop. `start()` begins with the first probe one interval after the container started;
 * `stop()` ends it (a probe under way is ended by its own timeout; its result is dropped).
 */
export class HealthMonitor {
  private timer: unknown = null;
  private stopped = false;
  private readonly clock: Clock;

  constructor(
    private readonly o: {
      config: HealthConfig;
      command: string[];
      /** When the container started (ms): the start period counts from there. */
      startedAt: number;
      state: HealthState;
      runner: ProbeRunner;
      /** After each result (the state already changed); `changed` when the status did. */
      onResult: (state: HealthState, changed: boolean) => void;
      clock?: Clock;
    },
  ) {
    this.clock = o.clock ?? unrefClock;
  }

  start() {
    this.schedule();
  }

  stop() {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private ms(field: "Interval" | "Timeout" | "StartPeriod" | "StartInterval", dflt: number): number {
    const v = this.o.config[field];
    return v ? Math.max(1, Math.round(v / MS)) : dflt;
  }

  private interval(): number {
    const interval = this.ms("Interval", DEFAULT_INTERVAL_MS);
    const inStartPeriod = this.clock.now() - this.o.startedAt < this.ms("StartPeriod", 0);
    return inStartPeriod && this.o.state.Status === "starting" ? this.ms("StartInterval", DEFAULT_START_INTERVAL_MS) : interval;
  }

  private schedule() {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => void this.probe(), this.interval());
  }

  private async probe() {
    this.timer = null;
    if (this.stopped) return;
    const start = this.clock.now();
    const timeout = this.ms("Timeout", DEFAULT_TIMEOUT_MS);
    let result: ProbeResult;
    try {
      result = await this.o.runner.run(this.o.command, timeout);
    } catch (e) {
      result = { exitCode: -1, output: (e as Error).message };
    }
    if (this.stopped) return;
    this.record(start, result);
    this.schedule();
  }

  private record(start: number, r: ProbeResult) {
    const h = this.o.state;
    const before = h.Status;
    h.Log.push({ Start: new Date(start).toISOString(), End: new Date(this.clock.now()).toISOString(), ExitCode: r.exitCode, Output: r.output });
    if (h.Log.length > MAX_LOG_ENTRIES) h.Log.splice(0, h.Log.length - MAX_LOG_ENTRIES);
    if (r.exitCode === 0) {
      h.FailingStreak = 0;
      h.Status = "healthy";
    } else {
      // Before its first success a container still within its start period is given the benefit of the doubt.
      const grace = h.Status === "starting" && start - this.o.startedAt < this.ms("StartPeriod", 0);
      if (!grace) {
        h.FailingStreak++;
        if (h.FailingStreak >= (this.o.config.Retries || DEFAULT_RETRIES)) h.Status = "unhealthy";
      }
    }
    this.o.onResult(h, h.Status !== before);
  }
}

/** Keeps what a probe wrote, up to MAX_OUTPUT bytes, then "..." (dockerd's limitedBuffer). */
export class ProbeOutput {
  private readonly parts: Buffer[] = [];
  private size = 0;
  private truncated = false;

  write(d: Buffer) {
    const room = MAX_OUTPUT - this.size;
    if (room > 0) {
      const keep = d.subarray(0, room);
      this.parts.push(Buffer.from(keep));
      this.size += keep.length;
    }
    if (d.length > room) this.truncated = true;
  }

  toString() {
    return Buffer.concat(this.parts).toString("utf8") + (this.truncated ? "..." : "");
  }
}

/** A ProbeRunner for one container of the engine: the command runs as `docker exec` would (no TTY, no stdin). */
export function execProbeRunner(execs: ExecService, containerId: string): ProbeRunner {
  return {
    async run(cmd, timeoutMs) {
      const id = execs.create(containerId, { Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false, AttachStdin: false });
      const out = new ProbeOutput();
      let ended!: () => void;
      const end = new Promise<void>((r) => (ended = r));
      try {
        const handle = await execs.start(id, { write: (_s, d) => out.write(d), end: () => ended() });
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          handle.kill();
        }, timeoutMs).unref();
        await end;
        clearTimeout(timer);
        if (timedOut) {
          const text = out.toString();
          return { exitCode: -1, output: `Health check exceeded timeout (${goDuration(timeoutMs)})${text ? `: ${text}` : ""}` };
        }
        await execs.get(id).done;
        return { exitCode: execs.get(id).exitCode ?? -1, output: out.toString() };
      } finally {
        execs.forget(id);
      }
    },
  };
}

/**
 * The engine's healthchecks: a HealthMonitor per running, unpaused container that has a probe, started and stopped by
 * its lifecycle events; State.Health is kept in the container's record.
 */
export class ContainerHealth {
  private readonly monitors = new Map<string, HealthMonitor>();
  private readonly off: () => void;

  constructor(
    private readonly o: {
      containers: ContainerService;
      events: EventBus;
      /** The runner for one container (the engine's exec path by default). */
      runner: (containerId: string) => ProbeRunner;
      clock?: Clock;
      log?: (msg: string) => void;
    },
  ) {
    this.off = o.events.subscribe((e) => this.onEvent(e));
    // Containers that were running when the agent started (re-adopted) start over, as dockerd's restore does.
    for (const rec of o.containers.list()) if (rec.State.Running && !rec.State.Paused) this.begin(rec, true);
  }

  private onEvent(e: EngineEvent) {
    if (e.Type !== "container") return;
    const id = e.Actor.ID;
    switch (e.Action) {
      case "start":
        if (this.o.containers.has(id)) this.begin(this.o.containers.get(id), true);
        break;
      case "unpause":
        if (this.o.containers.has(id)) this.begin(this.o.containers.get(id), false);
        break;
      case "pause":
        this.end(id, false);
        break;
      case "die":
        this.end(id, true);
        break;
      case "destroy":
        this.end(id, false);
        break;
    }
  }

  private begin(rec: ContainerRecord, reset: boolean) {
    const command = probeCommand(rec.Config.Healthcheck, rec.Config.Shell?.length ? rec.Config.Shell : undefined);
    if (!command || !rec.Config.Healthcheck) return;
    this.monitors.get(rec.Id)?.stop();
    const state: HealthState = rec.State.Health ?? { Status: "starting", FailingStreak: 0, Log: [] };
    if (reset) {
      state.Status = "starting";
      state.FailingStreak = 0;
    }
    rec.State.Health = state;
    this.o.containers.persist(rec);
    const monitor = new HealthMonitor({
      config: rec.Config.Healthcheck,
      command,
      startedAt: Date.parse(rec.State.StartedAt) || Date.now(),
      state,
      runner: this.o.runner(rec.Id),
      clock: this.o.clock,
      onResult: (s, changed) => {
        if (!this.o.containers.has(rec.Id) || this.monitors.get(rec.Id) !== monitor) return;
        this.o.containers.persist(rec);
        if (changed) this.o.events.publish("container", `health_status: ${s.Status}`, rec.Id, { ...rec.Config.Labels, image: rec.Config.Image, name: rec.Name.slice(1) });
      },
    });
    this.monitors.set(rec.Id, monitor);
    monitor.start();
  }

  private end(id: string, stoppedContainer: boolean) {
    const m = this.monitors.get(id);
    if (m) {
      m.stop();
      this.monitors.delete(id);
    }
    // A container whose probes stopped because it stopped reads "unhealthy", as under dockerd.
    if (stoppedContainer && this.o.containers.has(id)) {
      const rec = this.o.containers.get(id);
      if (rec.State.Health) {
        rec.State.Health.Status = "unhealthy";
        this.o.containers.persist(rec);
      }
    }
  }

  close() {
    this.off();
    for (const m of this.monitors.values()) m.stop();
    this.monitors.clear();
  }
}
