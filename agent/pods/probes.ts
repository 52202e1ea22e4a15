// Kubernetes' container probes, run by the agent: an action (exec in the container through the engine's exec path;
// httpGet or tcpSocket to the pod's address, as the kubelet reaches it) and a worker per container and probe kind that
// runs it every periodSeconds after initialDelaySeconds, each run bounded by timeoutSeconds, and changes its result only
// after successThreshold successes or failureThreshold failures in a row. Readiness starts failed, liveness succeeded,
// startup unknown (liveness and readiness wait for startup to succeed; startup then stops).
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import type { AgentContainer, Probe } from "../../lib/protocol/pods";
import type { Clock } from "../clock";

export type ProbeKind = "liveness" | "readiness" | "startup";

export interface ProbeResult {
  ok: boolean;
  message: string;
}

/** Runs a command in a container to its end or the timeout (then killed): its exit code (null: timed out) and output. */
export type ExecRunner = (containerId: string, command: string[], timeoutMs: number) => Promise<{ exitCode: number | null; output: string }>;

export interface ProbeTarget {
  containerId: string;
  podIP: string;
  ports: AgentContainer["ports"];
}

type Action = Pick<Probe, "exec" | "httpGet" | "tcpSocket">;

function resolvePort(port: number | string, ports: AgentContainer["ports"]): number | null {
  if (typeof port === "number") return port;
  return ports.find((p) => p.name === port)?.containerPort ?? null;
}

function httpGet(a: NonNullable<Action["httpGet"]>, host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { "User-Agent": "kube-probe/1.32", Accept: "*/*" };
    for (const h of a.httpHeaders) headers[h.name] = h.value;
    const make = a.scheme === "HTTPS" ? httpsRequest : httpRequest;
    let done = false;
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const req = make({ host, port, path: a.path || "/", method: "GET", headers, ...(a.scheme === "HTTPS" ? { rejectUnauthorized: false } : {}) }, (res) => {
      const code = res.statusCode ?? 0;
      res.resume();
      finish(code >= 200 && code < 400 ? { ok: true, message: `HTTP ${code}` } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` });
    });
    const timer = setTimeout(() => finish({ ok: false, message: `Get "${a.scheme.toLowerCase()}://${host}:${port}${a.path}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` }), timeoutMs);
    req.on("error", (e) => finish({ ok: false, message: `Get "${a.scheme.toLowerCase()}://${host}:${port}${a.path}": ${e.message}` }));
    req.end();
  });
}

function tcpSocket(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const finish = (r: ProbeResult) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` }), timeoutMs);
    sock.once("connect", () => finish({ ok: true, message: "" }));
    sock.once("error", (e) => finish({ ok: false, message: `dial tcp ${host}:${port}: ${e.message}` }));
  });
}

/** One run of a probe's (or a lifecycle hook's) action against a container. */
export async function runAction(action: Action, target: ProbeTarget, timeoutMs: number, exec: ExecRunner): Promise<ProbeResult> {
  if (action.exec) {
    try {
      const r = await exec(target.containerId, action.exec.command, timeoutMs);
      if (r.exitCode === null) return { ok: false, message: `command timed out after ${timeoutMs / 1000}s` };
      return r.exitCode === 0 ? { ok: true, message: r.output } : { ok: false, message: `command exited with ${r.exitCode}: ${r.output.slice(0, 1024)}` };
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  }
  const spec = action.httpGet ?? action.tcpSocket;
  if (!spec) return { ok: false, message: "no probe action" };
  const port = resolvePort(spec.port, target.ports);
  if (port === null) return { ok: false, message: `port ${spec.port} is not a port of the container` };
  const host = spec.host || target.podIP;
  if (!host) return { ok: false, message: "the pod has no address yet" };
  return action.httpGet ? httpGet(action.httpGet, host, port, timeoutMs) : tcpSocket(host, port, timeoutMs);
}

/**
 * Runs one probe of one container on its schedule. `onResult` hears every change of the result (true: succeeding);
 * the first run is initialDelaySeconds after start().
 */
export class ProbeWorker {
  /** null: not known yet (startup before its first verdict). */
  result: boolean | null;
  lastMessage = "";
  private run = 0;
  private last: boolean | null = null;
  private timer: unknown = null;
  private stopped = false;

  constructor(
    readonly kind: ProbeKind,
    readonly probe: Probe,
    private readonly check: () => Promise<ProbeResult>,
    private readonly onResult: (ok: boolean, message: string) => void,
    private readonly clock: Clock,
  ) {
    this.result = kind === "liveness" ? true : kind === "readiness" ? false : null;
  }

  start(): void {
    this.schedule(this.probe.initialDelaySeconds * 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, ms);
  }

  private async tick() {
    if (this.stopped) return;
    let r: ProbeResult;
    try {
      r = await this.check();
    } catch (e) {
      r = { ok: false, message: (e as Error).message };
    }
    if (this.stopped) return;
    this.lastMessage = r.message;
    this.run = r.ok === this.last ? this.run + 1 : 1;
    this.last = r.ok;
    const needed = r.ok ? this.probe.successThreshold : this.probe.failureThreshold;
    if (this.run >= needed && this.result !== r.ok) {
      this.result = r.ok;
      this.onResult(r.ok, r.message);
    }
    // A startup probe is done once it succeeded.
    if (this.kind === "startup" && this.result === true) return;
    this.schedule(this.probe.periodSeconds * 1000);
  }
}
