// Running a container: start (its network, bundle and monitor), the exit its monitor records (taken in, then the
// restart policy decides), restarts with dockerd's back-off, signals, stop, kill, pause, and removal. One lifecycle
// operation at a time per container. The record lives in the store (records.ts), the waiting in exit-watch.ts; the
// runtime and the monitor are reached through agent/runtime only.
import { dirname } from "node:path";
import { rmSync, statSync } from "node:fs";
import { conflict, GantryError } from "../../lib/errors";
import type { Clock } from "../clock";
import type { SnapshotService } from "../snapshots/types";
import type { VolumeService } from "../volumes/volume-service";
import { writeBundle } from "../runtime/bundle";
import type { ExitInfo, MonitorClient } from "../runtime/monitor";
import { RuntimeError, type RuntimeClient } from "../runtime/runtime";
import { rememberEndpoint } from "./endpoints";
import type { ExitWatch } from "./exit-watch";
import { legacyLinkView } from "./links";
import { logPlan } from "./log-config";
import type { ContainerNetworking } from "./networking";
import type { ContainerStore } from "./records";
import { RestartTracker, signalEndsRestarts } from "./restart-policy";
import { parseSignal } from "./signals";
import { bundleConfig } from "./spec";
import type { ContainerRecord } from "./types";

export interface LifecycleDeps {
  store: ContainerStore;
  watch: ExitWatch;
  net: ContainerNetworking;
  runtime: RuntimeClient;
  monitor: MonitorClient;
  snapshots: SnapshotService;
  volumes: VolumeService | null;
  clock: Clock;
  log: (msg: string) => void;
  /** First restart delay (dockerd's 100 ms unless a test shortens it). */
  restartDelayMs: number;
}

export class ContainerLifecycle {
  private readonly busy = new Map<string, Promise<unknown>>();
  private readonly restartTimers = new Map<string, unknown>();
  private readonly restarts: RestartTracker;
  private readonly store: ContainerStore;
  private readonly watch: ExitWatch;
  private readonly net: ContainerNetworking;
  private readonly runtime: RuntimeClient;
  private readonly monitor: MonitorClient;
  private readonly clock: Clock;
  private readonly log: (msg: string) => void;

  constructor(private readonly deps: LifecycleDeps) {
    ({ store: this.store, watch: this.watch, net: this.net, runtime: this.runtime, monitor: this.monitor, clock: this.clock, log: this.log } = deps);
    this.restarts = new RestartTracker(deps.restartDelayMs);
  }

  /** One lifecycle operation at a time per container. */
  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.busy.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => {});
    this.busy.set(id, settled);
    void settled.then(() => {
      if (this.busy.get(id) === settled) this.busy.delete(id);
    });
    return next;
  }

  /** Takes up a container the record says was running or about to restart: watched again, or its end taken in. */
  async readopt(rec: ContainerRecord) {
    if (rec.State.Restarting && !rec.State.Running) {
      this.log(`container ${rec.Id.slice(0, 12)} was waiting to restart: restarting it`);
      this.scheduleRestart(rec);
      return;
    }
    const exit = this.watch.readExit(rec.Id);
    if (exit) {
      this.log(`container ${rec.Id.slice(0, 12)} exited while the agent was away (code ${exit.exitCode})`);
      await this.onExit(rec, exit);
      return;
    }
    if (this.monitor.isAlive(rec.MonitorPid)) {
      this.log(`re-adopted running container ${rec.Id.slice(0, 12)} (${rec.Name.slice(1)}), monitor pid ${rec.MonitorPid}`);
      this.watchExit(rec);
      return;
    }
    // The monitor is gone without an exit file: the container's output and exit can no longer be known.
    const msg = `the container's monitor (pid ${rec.MonitorPid}) died without recording an exit; its process was killed`;
    this.log(`container ${rec.Id.slice(0, 12)}: ${msg}`);
    await this.runtime.delete(rec.Id, { force: true }).catch(() => {});
    await this.net.release(rec);
    this.store.setState(rec, { Status: "dead", Running: false, Paused: false, Restarting: false, Dead: true, Pid: 0, ExitCode: 255, Error: msg, FinishedAt: new Date(this.clock.now()).toISOString() });
    this.store.emit(rec, "die", { exitCode: "255" });
    this.watch.exited(rec);
    // After a host reboot every monitor is gone: containers that should always run come back, as under dockerd.
    const p = rec.HostConfig.RestartPolicy.Name;
    if ((p === "always" || p === "unless-stopped") && !rec.ManuallyStopped) {
      this.store.setState(rec, { Dead: false, Status: "exited" });
      this.scheduleRestart(rec);
    }
  }

  async start(ref: string): Promise<"started" | "already"> {
    const rec = this.store.get(ref);
    return this.serial(rec.Id, async () => {
      if (rec.State.Running && !rec.State.Restarting) return "already";
      if (rec.State.Status === "removing") throw conflict(`container ${rec.Id} is marked for removal and cannot be started`);
      this.cancelRestart(rec);
      this.startByHand(rec);
      await this.startNow(rec);
      return "started";
    });
  }

  /** The root filesystem, mounted: a mount point shows as another device than its parent (cheaper than mountinfo). */
  async mountedRootfs(rec: ContainerRecord): Promise<string> {
    if (rec.Rootfs) {
      try {
        if (statSync(rec.Rootfs).dev !== statSync(dirname(rec.Rootfs)).dev) return rec.Rootfs;
      } catch {
        /* mount it */
      }
    }
    const snap = await this.deps.snapshots.mount(rec.Id);
    rec.Rootfs = snap.rootfs;
    return snap.rootfs;
  }

  private async startNow(rec: ContainerRecord) {
    try {
      await this.startOrFail(rec);
    } catch (e) {
      await this.net.release(rec);
      const msg = (e as Error).message;
      // dockerd's codes for a process that cannot start: 127 not found, 126 not executable, 128 anything else.
      const code = /not found|no such file/i.test(msg) ? 127 : /permission denied/i.test(msg) ? 126 : 128;
      this.store.setState(rec, { Error: msg, ExitCode: code, Status: rec.HasBeenStarted ? "exited" : "created", Running: false, Restarting: false });
      // Whoever attached or waits for this start learns now; `run --rm` waits for the removal.
      this.watch.exited(rec);
      if (rec.HostConfig.AutoRemove) await this.removeNow(rec, { volumes: true }).catch(() => {});
      throw e;
    }
  }

  private async startOrFail(rec: ContainerRecord) {
    const id = rec.Id;
    const rootfs = await this.mountedRootfs(rec);
    const netns = await this.net.take(rec);
    const mode = rec.HostConfig.NetworkMode;
    const joinNamespaces = { ipc: this.net.joinedNamespace(rec.HostConfig.IpcMode, "ipc"), uts: this.net.joinedNamespace(rec.HostConfig.UTSMode, "uts") };
    for (const [name, n] of Object.entries(rec.Networks)) {
      rememberEndpoint(rec, name, n.NetworkID, name in rec.RequestedNetworks || !(mode in rec.RequestedNetworks) ? name : mode);
    }
    const links = legacyLinkView(rec, (id) => this.store.byId(id));
    await this.net.writeFiles(rec, links.hosts);
    const bundle = this.store.pathOf(id, "bundle");
    writeBundle(
      bundle,
      bundleConfig(rec, {
        rootfs,
        linkEnv: links.env,
        netnsPath: mode === "host" ? null : netns,
        joinNamespaces,
        files: { hosts: this.store.pathOf(id, "hosts"), hostname: this.store.pathOf(id, "hostname"), resolvConf: this.store.pathOf(id, "resolv.conf") },
        cgroupsPath: `/gantry/${id}`,
      }),
    );
    for (const f of ["exit.json", "monitor.pid", "container.pid"]) rmSync(this.store.pathOf(id, f), { force: true });
    const log = logPlan(rec.HostConfig.LogConfig);
    this.watch.started(id);
    const { monitorPid, containerPid } = await this.monitor.start({
      id,
      bundle,
      log: log.keep ? { path: this.store.logPath(id), maxSize: log.maxSize, maxFiles: log.rotated } : null,
      exitFile: this.store.pathOf(id, "exit.json"),
      pidFile: this.store.pathOf(id, "monitor.pid"),
      containerPidFile: this.store.pathOf(id, "container.pid"),
      attachSocket: this.store.attachSocketPath(id),
      monitorLog: this.store.pathOf(id, "monitor.log"),
      stdin: rec.Config.OpenStdin,
    });
    rec.MonitorPid = monitorPid;
    rec.HasBeenStarted = true;
    this.store.setState(rec, {
      Status: "running", Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: containerPid,
      ExitCode: 0, Error: "", StartedAt: new Date(this.clock.now()).toISOString(),
    });
    this.store.emit(rec, "start");
    this.watchExit(rec);
  }

  private async onExit(rec: ContainerRecord, exit: ExitInfo) {
    if (!this.store.has(rec.Id)) return;
    const ranMs = Date.parse(exit.exitedAt) - Date.parse(rec.State.StartedAt);
    const { restart, delayMs } = this.restarts.decide(rec.Id, rec.HostConfig.RestartPolicy, exit.exitCode, rec.RestartCount, rec.ManuallyStopped, ranMs);
    if (restart) rec.RestartCount++;
    // A --rm container's network goes with the rest of it, in parallel, in removeNow.
    if (restart || !rec.HostConfig.AutoRemove) await this.net.release(rec);
    rec.Networks = {};
    rec.Ports = {};
    this.store.setState(rec, {
      Status: restart ? "restarting" : "exited", Running: false, Paused: false, Restarting: restart, Pid: 0,
      ExitCode: exit.exitCode, OOMKilled: exit.oomKilled, FinishedAt: exit.exitedAt,
    });
    if (exit.oomKilled) this.store.emit(rec, "oom");
    this.store.emit(rec, "die", { exitCode: String(exit.exitCode) });
    this.watch.exited(rec);
    if (restart) this.scheduleRestart(rec, delayMs);
    else if (rec.HostConfig.AutoRemove) {
      this.watch.rememberAutoRemoved(rec);
      await this.removeNow(rec, { volumes: true });
    }
  }

  /** Restarts the container after `delayMs` (dockerd's back-off, from onExit), unless it is started, stopped or removed meanwhile. */
  private scheduleRestart(rec: ContainerRecord, delayMs?: number) {
    const delay = delayMs ?? this.restarts.decide(rec.Id, { Name: "always", MaximumRetryCount: 0 }, 0, 0, false, 0).delayMs;
    this.store.setState(rec, { Restarting: true, Status: "restarting" });
    const handle = this.clock.setTimeout(() => {
      this.restartTimers.delete(rec.Id);
      void this.serial(rec.Id, async () => {
        if (!this.store.has(rec.Id) || !rec.State.Restarting) return;
        try {
          await this.startNow(rec);
          this.store.emit(rec, "restart");
        } catch (e) {
          this.log(`container ${rec.Id.slice(0, 12)}: restart failed: ${(e as Error).message}`);
          const again = this.restarts.decide(rec.Id, rec.HostConfig.RestartPolicy, 1, rec.RestartCount, rec.ManuallyStopped, 0);
          if (again.restart) {
            rec.RestartCount++;
            this.scheduleRestart(rec, again.delayMs);
          } else this.store.setState(rec, { Restarting: false, Status: "exited" });
        }
      });
    }, delay);
    this.restartTimers.set(rec.Id, handle);
  }

  /** A start asked for (docker start, restart): no longer stopped by hand, a new back-off and RestartCount, as dockerd's. */
  private startByHand(rec: ContainerRecord) {
    rec.ManuallyStopped = false;
    rec.RestartCount = 0;
    this.restarts.reset(rec.Id);
  }

  /** A stop or kill by hand with signal `sig`: stopped by hand, and no restart after it unless the signal says otherwise. */
  private stopByHand(rec: ContainerRecord, sig: number) {
    rec.ManuallyStopped = true;
    if (signalEndsRestarts(rec.Config.StopSignal, sig)) this.restarts.cancel(rec.Id);
    this.store.save(rec);
  }

  private cancelRestart(rec: ContainerRecord) {
    const h = this.restartTimers.get(rec.Id);
    if (h !== undefined) {
      this.clock.clearTimeout(h);
      this.restartTimers.delete(rec.Id);
    }
    if (rec.State.Restarting && !rec.State.Running) this.store.setState(rec, { Restarting: false, Status: "exited" });
  }

  // ------------------------------------------------------------------ signals, stop, restart

  private async signal(rec: ContainerRecord, sig: number) {
    try {
      await this.runtime.kill(rec.Id, sig);
    } catch (e) {
      if (this.watch.readExit(rec.Id)) return; // it exited meanwhile
      // A paused container cannot take a signal until it is thawed; the runtime's failure is otherwise real.
      throw new GantryError("internal", `cannot send signal ${sig} to ${rec.Id.slice(0, 12)}: ${e instanceof RuntimeError ? e.reason : (e as Error).message}`);
    }
  }

  /**
   * `docker kill`: answers once the signal is delivered and, for SIGKILL, once the container has exited (dockerd waits
   * 10 s for that). A container waiting to restart is stopped there, with no signal to send.
   */
  async kill(ref: string, sigName = "KILL"): Promise<void> {
    const rec = this.store.get(ref);
    const sig = parseSignal(sigName);
    if (rec.State.Restarting && !rec.State.Running) {
      this.stopByHand(rec, 9);
      this.cancelRestart(rec);
      return;
    }
    if (!rec.State.Running) throw conflict(`Cannot kill container: ${ref}: Container ${rec.Id} is not running`);
    this.stopByHand(rec, sig);
    this.store.emit(rec, "kill", { signal: String(sig) });
    await this.signal(rec, sig);
    // A frozen process takes its SIGKILL once thawed.
    if (rec.State.Paused && sig === 9) await this.unpause(rec.Id).catch(() => {});
    if (sig === 9 && !(await this.watch.untilExit(rec, 10_000))) throw new GantryError("internal", `tried to kill container ${rec.Id}, but it did not exit`);
  }

  async stop(ref: string, timeoutSec?: number, sigName?: string): Promise<"stopped" | "already"> {
    const rec = this.store.get(ref);
    if (rec.State.Restarting && !rec.State.Running) {
      this.stopByHand(rec, 9);
      this.cancelRestart(rec);
      this.store.emit(rec, "stop");
      return "stopped";
    }
    if (!rec.State.Running) return "already";
    const sig = parseSignal(sigName ?? rec.Config.StopSignal ?? "TERM");
    this.stopByHand(rec, sig);
    const t = timeoutSec ?? rec.Config.StopTimeout ?? 10;
    this.store.emit(rec, "kill", { signal: String(sig) });
    if (rec.State.Paused) await this.unpause(rec.Id).catch(() => {});
    await this.signal(rec, sig);
    if (!(await this.watch.untilExit(rec, t < 0 ? 2 ** 31 - 1 : t * 1000))) {
      this.restarts.cancel(rec.Id);
      this.store.emit(rec, "kill", { signal: "9" });
      await this.signal(rec, 9);
      await this.watch.untilExit(rec, 30_000);
    }
    this.store.emit(rec, "stop");
    return "stopped";
  }

  async restart(ref: string, timeoutSec?: number): Promise<void> {
    const rec = this.store.get(ref);
    await this.stop(rec.Id, timeoutSec);
    await this.serial(rec.Id, async () => {
      this.cancelRestart(rec);
      this.startByHand(rec);
      await this.startNow(rec);
    });
    this.store.emit(rec, "restart");
  }

  async pause(ref: string) {
    const rec = this.store.get(ref);
    if (!rec.State.Running) throw conflict(`Container ${rec.Id} is not running`);
    if (rec.State.Paused) throw conflict(`Container ${rec.Id} is already paused`);
    await this.runtime.pause(rec.Id);
    this.store.setState(rec, { Paused: true, Status: "paused" });
    this.store.emit(rec, "pause");
  }

  async unpause(ref: string) {
    const rec = this.store.get(ref);
    if (!rec.State.Paused) throw conflict(`Container ${rec.Id} is not paused`);
    await this.runtime.resume(rec.Id);
    this.store.setState(rec, { Paused: false, Status: "running" });
    this.store.emit(rec, "unpause");
  }

  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const rec = this.store.get(ref);
    if (rec.State.Status === "removing") throw conflict(`removal of container ${rec.Id} is already in progress`);
    if ((rec.State.Running || rec.State.Restarting) && !opts.force) {
      const what = rec.State.Paused ? "paused" : rec.State.Restarting ? "restarting" : "running";
      throw conflict(`cannot remove container "${rec.Name}": container is ${what}: stop the container before removing or force remove`);
    }
    if (rec.State.Running) {
      this.stopByHand(rec, 9);
      if (rec.State.Paused) await this.runtime.resume(rec.Id).catch(() => {});
      await this.signal(rec, 9);
      if (!(await this.watch.untilExit(rec, 15_000))) throw new GantryError("internal", `container ${rec.Id} did not exit after SIGKILL`);
    }
    await this.serial(rec.Id, () => this.removeNow(rec, opts));
  }

  private async removeNow(rec: ContainerRecord, opts: { volumes?: boolean }) {
    if (!this.store.has(rec.Id)) return;
    this.cancelRestart(rec);
    this.store.setState(rec, { Status: "removing" });
    this.watch.unwatch(rec.Id);
    // The monitor deletes the runtime's container when it exits; only a container that never got that far is left.
    if (!this.watch.readExit(rec.Id)) await this.runtime.delete(rec.Id, { force: true }).catch(() => {});
    await Promise.all([
      this.net.release(rec),
      this.deps.snapshots.remove(rec.Id),
      this.deps.volumes?.releaseContainer(rec.Id, { removeAnonymous: !!opts.volumes }).catch((e) => this.log(`container ${rec.Id.slice(0, 12)}: release volumes: ${(e as Error).message}`)),
    ]);
    this.store.forget(rec);
    this.store.emit(rec, "destroy");
    this.watch.removed(rec);
  }

  /** Watches the running container's monitor: its exit is taken in, a monitor gone without one re-adopts it. */
  private watchExit(rec: ContainerRecord) {
    this.watch.watch(
      rec,
      (exit) => void this.serial(rec.Id, () => this.onExit(rec, exit)).catch((e) => this.log(`container ${rec.Id.slice(0, 12)}: after exit: ${(e as Error).stack}`)),
      () => void this.serial(rec.Id, () => this.readopt(rec)),
    );
  }

  /** Cancels pending restarts (running containers keep running under their monitors). */
  close() {
    for (const h of this.restartTimers.values()) this.clock.clearTimeout(h);
    this.restartTimers.clear();
  }
}
