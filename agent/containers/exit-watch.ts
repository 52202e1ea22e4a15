// Who waits on a container's start and end: the watch on its monitor's exit file (inotify on the container's
// directory, and a slow poll that also notices a monitor gone without one), `docker wait`'s waiters, the listeners
// attaches and log followers hang on a start or an exit, and how containers removed by AutoRemove lately ended.
import { watch, type FSWatcher } from "node:fs";
import { badRequest } from "../../lib/errors";
import type { ExitInfo, MonitorClient } from "../runtime/monitor";
import type { ContainerStore } from "./records";
import type { ContainerRecord } from "./types";

/** How long the end of a container removed by AutoRemove is kept for late `wait`s. */
const AUTO_REMOVED_KEPT_MS = 60_000;

export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

interface Waiter {
  condition: "not-running" | "next-exit" | "removed";
  resolve: (r: WaitResult) => void;
}

interface Live {
  watcher: FSWatcher | null;
  timer: NodeJS.Timeout | null;
}

export const waitResult = (rec: ContainerRecord): WaitResult => ({ StatusCode: rec.State.ExitCode, Error: rec.State.Error ? { Message: rec.State.Error } : null });

export class ExitWatch {
  private readonly live = new Map<string, Live>();
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly startListeners = new Map<string, Set<() => void>>();
  private readonly exitListeners = new Map<string, Set<() => void>>();
  /**
   * Containers removed by AutoRemove (`--rm`) lately, with how they ended: a client that asks to wait only after start
   * (dockerode's run does) still gets the exit code of a container that ended and was removed in between.
   */
  private readonly autoRemoved = new Map<string, { name: string; result: WaitResult; at: number }>();

  constructor(
    private readonly store: ContainerStore,
    private readonly monitor: MonitorClient,
  ) {}

  readExit(id: string): ExitInfo | null {
    return this.monitor.readExit(this.store.pathOf(id, "exit.json"));
  }

  /** Calls `fn` at the container's next start (until the returned function is called). */
  onStart(id: string, fn: () => void): () => void {
    return listen(this.startListeners, id, fn);
  }

  /** Calls `fn` at each exit of the container (until the returned function is called). */
  onExit(id: string, fn: () => void): () => void {
    return listen(this.exitListeners, id, fn);
  }

  started(id: string) {
    for (const l of this.startListeners.get(id) ?? []) l();
  }

  /** The container stopped (or never started): `wait`s for that resolve, exit listeners are told. */
  exited(rec: ContainerRecord) {
    const ws = this.waiters.get(rec.Id) ?? [];
    const keep: Waiter[] = [];
    for (const w of ws) {
      if (w.condition === "removed") keep.push(w);
      else w.resolve(waitResult(rec));
    }
    this.waiters.set(rec.Id, keep);
    for (const l of this.exitListeners.get(rec.Id) ?? []) l();
  }

  /** The container is gone: every `wait` left resolves. */
  removed(rec: ContainerRecord) {
    for (const w of this.waiters.get(rec.Id) ?? []) w.resolve(waitResult(rec));
    this.waiters.delete(rec.Id);
  }

  /** Keeps how a container about to be removed by AutoRemove ended, for a minute. */
  rememberAutoRemoved(rec: ContainerRecord) {
    const now = Date.now();
    for (const [id, t] of this.autoRemoved) if (now - t.at > AUTO_REMOVED_KEPT_MS) this.autoRemoved.delete(id);
    this.autoRemoved.set(rec.Id, { name: rec.Name, result: waitResult(rec), at: now });
  }

  /** How a container removed by AutoRemove within the last minute ended, by id, name or unique id prefix. */
  private autoRemovedResult(ref: string): WaitResult | null {
    const name = ref.startsWith("/") ? ref : `/${ref}`;
    const hits = [...this.autoRemoved].filter(([id, t]) => id === ref || t.name === name || (/^[0-9a-f]{1,64}$/.test(ref) && id.startsWith(ref)));
    const hit = hits.length === 1 ? hits[0]![1] : null;
    return hit && Date.now() - hit.at <= AUTO_REMOVED_KEPT_MS && !this.store.has(hits[0]![0]) ? hit.result : null;
  }

  /** `docker wait`: resolves when the condition is met. */
  wait(ref: string, condition: string): { promise: Promise<WaitResult> } {
    if (!["not-running", "next-exit", "removed", ""].includes(condition)) throw badRequest(`invalid condition: "${condition}"`);
    let rec: ContainerRecord;
    try {
      rec = this.store.get(ref);
    } catch (e) {
      // Ended and removed already (--rm): whatever the condition, that has happened.
      const ended = this.autoRemovedResult(ref);
      if (ended) return { promise: Promise.resolve(ended) };
      throw e;
    }
    const cond = (condition || "not-running") as Waiter["condition"];
    if (cond === "not-running" && !rec.State.Running && !rec.State.Restarting) return { promise: Promise.resolve(waitResult(rec)) };
    let resolve!: Waiter["resolve"];
    const promise = new Promise<WaitResult>((r) => (resolve = r));
    const list = this.waiters.get(rec.Id) ?? [];
    list.push({ condition: cond, resolve });
    this.waiters.set(rec.Id, list);
    return { promise };
  }

  /** Resolves once the container is no longer running (or after `ms`, with false). */
  untilExit(rec: ContainerRecord, ms: number): Promise<boolean> {
    if (!rec.State.Running) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        stop();
        clearTimeout(t);
        resolve(v);
      };
      const stop = this.onExit(rec.Id, () => done(true));
      const t = setTimeout(() => done(false), ms);
    });
  }

  /**
   * Watches for the exit file of a running container: `exited` gets it once; `vanished` is called instead when the
   * monitor died without writing one.
   */
  watch(rec: ContainerRecord, exited: (exit: ExitInfo) => void, vanished: () => void) {
    this.unwatch(rec.Id);
    const state: Live = { watcher: null, timer: null };
    this.live.set(rec.Id, state);
    let handled = false;
    const check = () => {
      if (handled || this.live.get(rec.Id) !== state) return;
      const exit = this.readExit(rec.Id);
      if (exit) {
        handled = true;
        this.unwatch(rec.Id);
        exited(exit);
        return;
      }
      if (!this.monitor.isAlive(rec.MonitorPid)) {
        // Give the exit file a moment: the monitor writes it just before it exits.
        setTimeout(() => {
          if (handled || this.readExit(rec.Id)) return check();
          handled = true;
          this.unwatch(rec.Id);
          vanished();
        }, 200);
      }
    };
    try {
      state.watcher = watch(this.store.pathOf(rec.Id), (_ev, name) => {
        if (name === "exit.json") check();
      });
      state.watcher.on("error", () => {});
    } catch {
      /* the poll alone */
    }
    state.timer = setInterval(check, 1000);
    state.timer.unref();
    check();
  }

  unwatch(id: string) {
    const l = this.live.get(id);
    if (!l) return;
    l.watcher?.close();
    if (l.timer) clearInterval(l.timer);
    this.live.delete(id);
  }

  /** Stops every watch (running containers keep running under their monitors). */
  close() {
    for (const id of [...this.live.keys()]) this.unwatch(id);
  }
}

function listen(map: Map<string, Set<() => void>>, id: string, fn: () => void): () => void {
  const set = map.get(id) ?? new Set();
  map.set(id, set);
  set.add(fn);
  return () => {
    set.delete(fn);
  };
}
