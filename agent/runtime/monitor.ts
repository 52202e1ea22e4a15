// The one place that speaks gantry-monitor's command line. The monitor is the detached supervisor of one running
// container: it runs `gantry-runtime create/start` on the bundle, keeps the container's stdio (the CRI log file, the
// attach socket — agent/runtime/monitor-socket.ts is its client), deletes the runtime's container when it exits and
// writes the exit file. It prints {"monitorPid", "containerPid"} once the container runs and then detaches, so the
// agent holds none of it and can die and come back.
import { readFileSync } from "node:fs";
import { badRequest } from "../../lib/errors";
import { hostSys } from "../../native/node/sys";
import { MonitorSocket, type MonitorSocketHandlers } from "./monitor-socket";
import type { RuntimeClient } from "./runtime";

export interface MonitorStart {
  id: string;
  /** The OCI bundle (agent/runtime/bundle.ts writes its spec). */
  bundle: string;
  /** The CRI log file and its rotation; null keeps no log (the none driver). */
  log: { path: string; maxSize: number; maxFiles: number } | null;
  exitFile: string;
  pidFile: string;
  containerPidFile: string;
  attachSocket: string;
  monitorLog: string;
  /** Keep the container's stdin open for attaches. */
  stdin: boolean;
}

export interface MonitorStarted {
  monitorPid: number;
  containerPid: number;
}

/** What gantry-monitor writes to the exit file when the container ends. */
export interface ExitInfo {
  exitCode: number;
  signal: number | null;
  exitedAt: string;
  oomKilled: boolean;
}

export class MonitorClient {
  constructor(
    /** The gantry-monitor binary. */
    readonly binary: string,
    /** The runtime the monitor runs the container with. */
    readonly runtime: RuntimeClient,
  ) {}

  /** Starts the container under a new monitor; a container that cannot start is a bad request with the runtime's reason. */
  async start(o: MonitorStart): Promise<MonitorStarted> {
    const args = [
      "--id", o.id, "--bundle", o.bundle, "--runtime", this.runtime.binary, "--root", this.runtime.root,
      ...(o.log ? ["--log-path", o.log.path, "--log-max-size", String(o.log.maxSize), "--log-max-files", String(o.log.maxFiles)] : []),
      "--exit-file", o.exitFile, "--pid-file", o.pidFile, "--container-pid-file", o.containerPidFile,
      "--attach-socket", o.attachSocket, "--monitor-log", o.monitorLog,
      ...(o.stdin ? ["--stdin"] : []),
    ];
    let started;
    try {
      started = await hostSys().spawn(this.binary, args);
    } catch (e) {
      throw new Error(`cannot run ${this.binary}: ${(e as Error).message}`);
    }
    if (started.status !== 0) {
      const stderr = started.stderr.toString().trim().replace(/^gantry-monitor: /, "");
      throw badRequest(`failed to create task for container: ${stderr || `gantry-monitor exited with ${started.status ?? `signal ${started.signal}`}`}`);
    }
    return JSON.parse(started.stdout.toString()) as MonitorStarted;
  }

  /** Whether `pid` is still a gantry-monitor (a recycled pid is not). */
  isAlive(pid: number): boolean {
    if (!pid) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("gantry-monitor");
    } catch {
      return false;
    }
  }

  /** The exit a monitor recorded, or null while the container runs (or when it never wrote one). */
  readExit(exitFile: string): ExitInfo | null {
    try {
      return JSON.parse(readFileSync(exitFile, "utf8")) as ExitInfo;
    } catch {
      return null;
    }
  }

  /** Connects to a running container's attach socket. */
  connect(socketPath: string, handlers: MonitorSocketHandlers): Promise<MonitorSocket> {
    return MonitorSocket.connect(socketPath, handlers);
  }
}
