// The container engine's one service, containerd's line kept between the record and the running task. A container is
// a record (records.ts: GANTRY_ROOT/containers/<id>/config.json, written through a temp file and rename), an overlay
// snapshot for its root filesystem, and while it runs a detached gantry-monitor that started it through
// gantry-runtime (both reached through agent/runtime), logs its output (container.log, CRI format), serves attach (a
// short unix socket under /run/gantry) and writes exit.json when it exits. The agent never holds a container's
// stdio, so it can die and come back: on start it re-reads the records, re-adopts running containers, takes the exit
// of those that stopped meanwhile from their exit files, and reports a container whose monitor vanished as dead.
//
// This class only composes the rooms and is what the adapters (the Engine API, the control plane's commands, pods)
// call: create.ts makes a container from a CreateRequest, lifecycle.ts runs it (restart policy included),
// exit-watch.ts waits on it, attach.ts reads and writes its streams, networking.ts gives it its network, top.ts
// lists its processes.
import { mkdirSync } from "node:fs";
import { systemClock, type Clock } from "../clock";
import { badRequest, conflict } from "../../lib/errors";
import type { EventBus } from "../events";
import type { ImageService } from "../images/image-service";
import type { NetworkService } from "../network/network-service";
import { MonitorClient } from "../runtime/monitor";
import { RuntimeClient } from "../runtime/runtime";
import type { SnapshotService } from "../snapshots/types";
import type { VolumeService } from "../volumes/volume-service";
import { ContainerStreams, type AttachHandle, type AttachOptions, type AttachSink, type LogReadHandle } from "./attach";
import { createContainer, type CreateInternal } from "./create";
import { parseCreateRequest, type CreateRequest } from "./create-request";
import { ExitWatch, type WaitResult } from "./exit-watch";
import { ContainerLifecycle } from "./lifecycle";
import { legacyLinkView } from "./links";
import type { LogRecord } from "./logs";
import { validateName } from "./names";
import { ContainerNetworking } from "./networking";
import { containerPaths, ContainerStore, noSuchContainer } from "./records";
import { RESTART_FIRST_MS } from "./restart-policy";
import { top, type TopResult } from "./top";
import type { ContainerRecord } from "./types";

export type { AttachHandle, AttachOptions, AttachSink } from "./attach";
export type { CreateInternal } from "./create";
export type { ExitInfo } from "../runtime/monitor";
export type { WaitResult } from "./exit-watch";
// Kept where the adapters and tests have imported them from.
export { normalizeHostConfig, RUNTIME_NAMES } from "./create-request";

export interface ContainerServiceOptions {
  root: string;
  /** The gantry-runtime and gantry-monitor binaries. */
  runtime: string;
  monitor: string;
  images: ImageService;
  snapshots: SnapshotService;
  /** The network engine, started on first use (null when it cannot start on this host). */
  networks: () => Promise<NetworkService | null>;
  volumes: VolumeService | null;
  events: EventBus;
  clock?: Clock;
  log?: (msg: string) => void;
  /** First restart delay (default 100 ms, as dockerd's). */
  restartDelayMs?: number;
}

export class ContainerService {
  readonly dir: string;
  /** gantry-runtime over this agent's containers' state root. */
  readonly runtime: RuntimeClient;
  private readonly store: ContainerStore;
  private readonly watch: ExitWatch;
  private readonly net: ContainerNetworking;
  private readonly lifecycle: ContainerLifecycle;
  private readonly streams: ContainerStreams;
  private readonly clock: Clock;
  private readonly log: (msg: string) => void;

  constructor(private readonly opts: ContainerServiceOptions) {
    const paths = containerPaths(opts.root);
    this.dir = paths.dir;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? (() => {});
    this.runtime = new RuntimeClient(opts.runtime, paths.runtimeRoot);
    const monitor = new MonitorClient(opts.monitor, this.runtime);
    this.store = new ContainerStore(paths.dir, paths.socketDir, opts.events, this.log);
    this.watch = new ExitWatch(this.store, monitor);
    this.net = new ContainerNetworking(this.store, opts.networks, this.log);
    this.lifecycle = new ContainerLifecycle({
      store: this.store, watch: this.watch, net: this.net, runtime: this.runtime, monitor,
      snapshots: opts.snapshots, volumes: opts.volumes, clock: this.clock, log: this.log,
      restartDelayMs: opts.restartDelayMs ?? (Number(process.env.GANTRY_RESTART_DELAY_MS) || RESTART_FIRST_MS),
    });
    this.streams = new ContainerStreams(this.store, this.watch, monitor);
  }

  // ------------------------------------------------------------------ records

  has(id: string): boolean {
    return this.store.has(id);
  }

  list(): ContainerRecord[] {
    return this.store.list();
  }

  /** By full id, name (with or without "/"), or unique id prefix. */
  get(ref: string): ContainerRecord {
    return this.store.get(ref);
  }

  logPath(id: string) {
    return this.store.logPath(id);
  }

  attachSocketPath(id: string) {
    return this.store.attachSocketPath(id);
  }

  /** Writes a record changed outside the lifecycle (network connect/disconnect, update). */
  persist(rec: ContainerRecord) {
    this.store.persist(rec);
  }

  /** Publishes a container event (its labels, image and name as attributes). */
  emit(rec: ContainerRecord, action: string, extra: Record<string, string> = {}) {
    this.store.emit(rec, action, extra);
  }

  /** The container's root filesystem on the host (its snapshot, mounted). */
  async rootfs(ref: string): Promise<string> {
    return this.lifecycle.mountedRootfs(this.get(ref));
  }

  /** Containers created from an image (for `docker system df` and image removal checks). */
  usingImage(imageId: string): ContainerRecord[] {
    return this.store.usingImage(imageId);
  }

  /** Loads the records and re-adopts running containers (call after networks and volumes have started). */
  async load(): Promise<void> {
    const records = this.store.load();
    mkdirSync(this.runtime.root, { recursive: true });
    const halfRemoved: ContainerRecord[] = [];
    for (const rec of records) {
      try {
        await this.opts.snapshots.mount(rec.Id);
      } catch (e) {
        this.log(`container ${rec.Id.slice(0, 12)}: cannot mount its root filesystem: ${(e as Error).message}`);
      }
      // An agent stopped half-way through removing it: the removal is finished, as dockerd's restore does — left
      // "removing", nothing could remove it again ("already in progress"), not even gantry-agent uninstall.
      if (rec.State.Status === "removing") {
        this.store.setState(rec, { Status: "dead", Dead: true, Running: false, Paused: false, Restarting: false });
        halfRemoved.push(rec);
      } else if (rec.State.Running || rec.State.Restarting) await this.lifecycle.readopt(rec);
    }
    for (const rec of halfRemoved) {
      this.log(`container ${rec.Id.slice(0, 12)} (${rec.Name.slice(1)}) was being removed when the agent stopped: removing it`);
      await this.lifecycle.remove(rec.Id, { force: true, volumes: true }).catch((e) => this.log(`container ${rec.Id.slice(0, 12)}: ${(e as Error).message}`));
    }
  }

  // ------------------------------------------------------------------ create

  /** A create body in the Engine API's vocabulary (a client's JSON, a pod's container), checked for shape first. */
  create(body: unknown, name: string | null, internal: CreateInternal = {}): Promise<{ Id: string; Warnings: string[] }> {
    return this.createContainer(parseCreateRequest(body), name, internal);
  }

  /** A typed request (the control plane's commands build one); its rules are applied in create.ts. */
  createContainer(req: CreateRequest, name: string | null, internal: CreateInternal = {}): Promise<{ Id: string; Warnings: string[] }> {
    const { store, net } = this;
    const { images, snapshots, networks, volumes } = this.opts;
    return createContainer({ store, net, images, snapshots, networks, volumes, clock: this.clock }, req, name, internal);
  }

  // ------------------------------------------------------------------ lifecycle

  start(ref: string): Promise<"started" | "already"> {
    return this.lifecycle.start(ref);
  }

  /** `docker kill`: answers once the signal is delivered and, for SIGKILL, once the container has exited. */
  kill(ref: string, sigName = "KILL"): Promise<void> {
    return this.lifecycle.kill(ref, sigName);
  }

  stop(ref: string, timeoutSec?: number, sigName?: string): Promise<"stopped" | "already"> {
    return this.lifecycle.stop(ref, timeoutSec, sigName);
  }

  restart(ref: string, timeoutSec?: number): Promise<void> {
    return this.lifecycle.restart(ref, timeoutSec);
  }

  pause(ref: string): Promise<void> {
    return this.lifecycle.pause(ref);
  }

  unpause(ref: string): Promise<void> {
    return this.lifecycle.unpause(ref);
  }

  remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    return this.lifecycle.remove(ref, opts);
  }

  wait(ref: string, condition: string): { promise: Promise<WaitResult> } {
    return this.watch.wait(ref, condition);
  }

  async rename(ref: string, newName: string) {
    const rec = this.get(ref);
    const name = validateName(newName);
    if (name === rec.Name) throw badRequest(`Renaming a container with the same name as its current name`);
    this.store.names.claim(name, rec.Id);
    const old = rec.Name;
    this.store.names.release(old, rec.Id);
    rec.Name = name;
    this.store.save(rec);
    const net = rec.State.Running ? await this.opts.networks() : null;
    if (net) await net.renameContainer(rec.Id, name.slice(1)).catch(() => {});
    this.emit(rec, "rename", { oldName: old });
  }

  /**
   * `DELETE /containers/{parent}/{alias}?link=1` (`docker rm --link`): drops a legacy link; a running parent's
   * /etc/hosts loses its line at once (its environment stays as the process got it, as with dockerd).
   */
  async removeLink(ref: string): Promise<void> {
    const name = ref.startsWith("/") ? ref : `/${ref}`;
    const slash = name.lastIndexOf("/");
    if (slash === 0) {
      this.get(ref);
      throw conflict("Conflict, cannot remove the default link name of the container");
    }
    const parent = this.store.byName(name.slice(0, slash));
    const links = parent?.LegacyLinks ?? [];
    const i = links.findIndex((l) => l.Alias === name.slice(slash + 1) && this.store.has(l.Id));
    if (!parent || i < 0) throw noSuchContainer(ref.replace(/^\//, ""));
    links.splice(i, 1);
    this.store.save(parent);
    if (parent.State.Running) await this.net.writeFiles(parent, legacyLinkView(parent, (id) => this.store.byId(id), { lenient: true }).hosts);
  }

  // ------------------------------------------------------------------ streams

  /**
   * Reads the log as `docker logs` asks (the history, its tail, since/until), and with `follow` what is written next
   * until the container stops; records go to `onRecords` a batch at a time, `onEnd` once all are read.
   */
  readLogs(ref: string, o: { since?: number; until?: number; tail?: number; follow: boolean }, onRecords: (r: LogRecord[]) => void, onEnd: () => void): LogReadHandle {
    return this.streams.read(ref, o, onRecords, onEnd);
  }

  isTty(ref: string) {
    return this.streams.isTty(ref);
  }

  /** Attaches to the container (before `start` is how `docker run` works: the output is taken from the first byte). */
  attach(ref: string, o: AttachOptions, sink: AttachSink): AttachHandle {
    return this.streams.attach(ref, o, sink);
  }

  resize(ref: string, rows: number, cols: number): Promise<void> {
    return this.streams.resize(ref, rows, cols);
  }

  async top(ref: string, psArgs: string): Promise<TopResult> {
    const rec = this.get(ref);
    if (!rec.State.Running) throw conflict(`Container ${rec.Id} is not running`);
    return top(this.runtime, rec.Id, psArgs);
  }

  /** Stops watching; running containers keep running under their monitors. */
  close() {
    this.watch.close();
    this.lifecycle.close();
  }
}
