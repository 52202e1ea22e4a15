// The container lifecycle. A container is a record under GANTRY_ROOT/containers/<id>/config.json (written through a
// temp file and rename), an overlay snapshot for its root filesystem, and while it runs a detached gantry-monitor
// that started it through gantry-runtime, logs its output (container.log, CRI format), serves attach
// (a short unix socket under /run/gantry) and writes exit.json when it exits. The agent never holds a container's
// stdio, so it can die and come back: on start it re-reads the records, re-adopts running containers, takes the exit
// of those that stopped meanwhile from their exit files, and reports a container whose monitor vanished as dead.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, watch, writeFileSync, type FSWatcher } from "node:fs";
import { rm } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { badRequest, conflict, GantryError, notFound } from "../../lib/errors";
import { systemClock, type Clock } from "../clock";
import type { EventBus } from "../events";
import type { ImageService } from "../images/image-service";
import type { NetworkService } from "../network/network-service";
import type { PortBinding } from "../network/types";
import type { SnapshotService } from "../snapshots/types";
import { fromApiMount, fromTmpfsMap, parseVolumeFlag, parseVolumesFrom, type ApiMount, type MountRequest, type ResolvedMount } from "../volumes/mounts";
import type { VolumeService } from "../volumes/volume-service";
import { parseMac } from "../network/links";
import { attachOptions, BUILTIN_NETWORKS, normalizeEndpointConfig, parseLink, recordEndpoint, rememberEndpoint } from "./endpoints";
import { mergeHealthcheck } from "./health";
import { DetachKeyMatcher } from "./detach-keys";
import { legacyLinkView } from "./links";
import { logPlan, normalizeLogConfig, rotatedFiles } from "./log-config";
import { LogFollower, LogReader, logSize, readLog, recordBytes, type LogRecord } from "./logs";
import type { MonitorSocket } from "../runtime/monitor-socket";
import { MonitorClient, type ExitInfo } from "../runtime/monitor";
import { RuntimeClient, RuntimeError } from "../runtime/runtime";
import { writeBundle } from "../runtime/bundle";
import { runProgram } from "../process";
import { ContainerNames, validateName } from "./names";
import { RESTART_FIRST_MS, RestartTracker, signalEndsRestarts } from "./restart-policy";
import { parseSignal } from "./signals";
import { bundleConfig } from "./spec";
import type { ContainerConfig, ContainerRecord, ContainerState, HostConfig, LegacyLink, RestartPolicy } from "./types";

/** How long the end of a container removed by AutoRemove is kept for late `wait`s. */
const AUTO_REMOVED_KEPT_MS = 60_000;

export interface ContainerServiceOptions {
  root: string;
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

/** What ContainerService.create takes from the agent itself only (see create). */
export interface CreateInternal {
  /** Mounts already resolved (host paths the agent made), added to what the body asks for. */
  mounts?: ResolvedMount[];
}

export type { ExitInfo };

const noSuchContainer = (ref: string) => new GantryError("not_found", `No such container: ${ref}`);
function emptyState(): ContainerState {
  return { Status: "created", Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: "", StartedAt: "0001-01-01T00:00:00Z", FinishedAt: "0001-01-01T00:00:00Z" };
}

/** Output of an attach: what the container writes (stream 1/2), then the end. */
export interface AttachSink {
  write(stream: 1 | 2, data: Buffer): void;
  end(): void;
}

export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Replay the log first. */
  logs: boolean;
  stream: boolean;
  /** Bytes that detach (default ctrl-p ctrl-q). */
  detachKeys: Buffer;
}

export interface AttachHandle {
  input(data: Buffer): void;
  inputEnd(): void;
  close(): void;
}

interface Live {
  watcher: FSWatcher | null;
  timer: NodeJS.Timeout | null;
}

export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

interface Waiter {
  condition: "not-running" | "next-exit" | "removed";
  resolve: (r: WaitResult) => void;
}

export class ContainerService {
  private readonly records = new Map<string, ContainerRecord>();
  /** Who holds each name: checked and taken in one step (a create awaits a lot before its record exists). */
  private readonly names = new ContainerNames();
  private readonly live = new Map<string, Live>();
  private readonly waiters = new Map<string, Waiter[]>();
  /**
   * Containers removed by AutoRemove (`--rm`) lately, with how they ended: a client that asks to wait only after start
   * (dockerode's run does) still gets the exit code of a container that ended and was removed in between.
   */
  private readonly autoRemoved = new Map<string, { name: string; result: WaitResult; at: number }>();
  private readonly restartTimers = new Map<string, unknown>();
  private readonly startListeners = new Map<string, Set<() => void>>();
  private readonly exitListeners = new Map<string, Set<() => void>>();
  private readonly busy = new Map<string, Promise<unknown>>();
  private readonly prepared = new Map<string, { key: string; promise: Promise<string | null> }>();
  readonly dir: string;
  /** gantry-runtime over this agent's state root, and gantry-monitor, which runs containers with it. */
  readonly runtime: RuntimeClient;
  private readonly monitor: MonitorClient;
  private readonly socketDir: string;
  private readonly clock: Clock;
  private readonly log: (msg: string) => void;
  private readonly restarts: RestartTracker;

  constructor(private readonly opts: ContainerServiceOptions) {
    this.dir = join(opts.root, "containers");
    const tag = createHash("sha256").update(opts.root).digest("hex").slice(0, 10);
    // Unix socket paths are limited to 107 bytes: the runtime's state and the attach sockets live under /run.
    this.runtime = new RuntimeClient(opts.runtime, join("/run/gantry", tag, "runtime"));
    this.monitor = new MonitorClient(opts.monitor, this.runtime);
    this.socketDir = join("/run/gantry", tag, "attach");
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? (() => {});
    this.restarts = new RestartTracker(opts.restartDelayMs ?? (Number(process.env.GANTRY_RESTART_DELAY_MS) || RESTART_FIRST_MS));
  }

  // ------------------------------------------------------------------ records

  has(id: string): boolean {
    return this.records.has(id);
  }

  list(): ContainerRecord[] {
    return [...this.records.values()].sort((a, b) => (a.Created < b.Created ? 1 : -1));
  }

  /** By full id, name (with or without "/"), or unique id prefix. */
  get(ref: string): ContainerRecord {
    const direct = this.records.get(ref);
    if (direct) return direct;
    const name = ref.startsWith("/") ? ref : `/${ref}`;
    for (const r of this.records.values()) if (r.Name === name) return r;
    if (/^[0-9a-f]{1,64}$/.test(ref)) {
      const hits = [...this.records.values()].filter((r) => r.Id.startsWith(ref));
      if (hits.length === 1) return hits[0]!;
      if (hits.length > 1) throw badRequest(`multiple IDs found with provided prefix: ${ref}`);
    }
    throw noSuchContainer(ref);
  }

  private pathOf(id: string, file = ""): string {
    return join(this.dir, id, file);
  }

  logPath(id: string) {
    return this.pathOf(id, "container.log");
  }

  attachSocketPath(id: string) {
    return join(this.socketDir, `${id.slice(0, 24)}.sock`);
  }

  /** Writes a record changed outside the lifecycle (network connect/disconnect). */
  persist(rec: ContainerRecord) {
    if (this.records.has(rec.Id)) this.save(rec);
  }

  /** The container's root filesystem on the host (its snapshot, mounted). */
  async rootfs(ref: string): Promise<string> {
    return this.mountedRootfs(this.get(ref));
  }

  private save(rec: ContainerRecord) {
    const path = this.pathOf(rec.Id, "config.json");
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, JSON.stringify(rec));
    renameSync(tmp, path);
  }

  private setState(rec: ContainerRecord, patch: Partial<ContainerState>) {
    Object.assign(rec.State, patch);
    if (this.records.has(rec.Id)) this.save(rec);
  }

  /** Publishes a container event (its labels, image and name as attributes). */
  emit(rec: ContainerRecord, action: string, extra: Record<string, string> = {}) {
    this.opts.events.publish("container", action, rec.Id, { ...rec.Config.Labels, image: rec.Config.Image, name: rec.Name.slice(1), ...extra });
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

  // ------------------------------------------------------------------ startup

  /** Loads the records and re-adopts running containers (call after networks and volumes have started). */
  async load(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(this.socketDir, { recursive: true });
    mkdirSync(this.runtime.root, { recursive: true });
    for (const id of readdirSync(this.dir)) {
      if (id.startsWith(".removed-")) {
        rmSync(join(this.dir, id), { recursive: true, force: true });
        continue;
      }
      const path = this.pathOf(id, "config.json");
      if (!existsSync(path)) continue;
      try {
        const rec = JSON.parse(readFileSync(path, "utf8")) as ContainerRecord;
        this.records.set(rec.Id, rec);
        this.names.claim(rec.Name, rec.Id);
      } catch (e) {
        this.log(`container ${id}: unreadable record (${(e as Error).message}); left as it is`);
      }
    }
    for (const rec of this.records.values()) {
      try {
        await this.opts.snapshots.mount(rec.Id);
      } catch (e) {
        this.log(`container ${rec.Id.slice(0, 12)}: cannot mount its root filesystem: ${(e as Error).message}`);
      }
      if (rec.State.Running || rec.State.Restarting) await this.readopt(rec);
    }
  }

  private readExit(id: string): ExitInfo | null {
    return this.monitor.readExit(this.pathOf(id, "exit.json"));
  }

  private async readopt(rec: ContainerRecord) {
    if (rec.State.Restarting && !rec.State.Running) {
      this.log(`container ${rec.Id.slice(0, 12)} was waiting to restart: restarting it`);
      this.scheduleRestart(rec);
      return;
    }
    const exit = this.readExit(rec.Id);
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
    await this.releaseNetwork(rec);
    this.setState(rec, { Status: "dead", Running: false, Paused: false, Restarting: false, Dead: true, Pid: 0, ExitCode: 255, Error: msg, FinishedAt: new Date(this.clock.now()).toISOString() });
    this.emit(rec, "die", { exitCode: "255" });
    this.notifyExit(rec);
    // After a host reboot every monitor is gone: containers that should always run come back, as under dockerd.
    const p = rec.HostConfig.RestartPolicy.Name;
    if ((p === "always" || p === "unless-stopped") && !rec.ManuallyStopped) {
      this.setState(rec, { Dead: false, Status: "exited" });
      this.scheduleRestart(rec);
    }
  }

  // ------------------------------------------------------------------ create

  /**
   * `internal`: what only the agent itself may ask for, never a client of the Engine API — mounts of directories it
   * made under its own state (a pod's volumes), which the bind rules would rightly refuse from anyone else.
   */
  async create(body: Record<string, unknown>, nameParam: string | null, internal: CreateInternal = {}): Promise<{ Id: string; Warnings: string[] }> {
    if (!body || typeof body !== "object") throw badRequest("config cannot be empty in order to create a container");
    const imageRef = body.Image;
    if (typeof imageRef !== "string" || !imageRef) throw badRequest("config cannot be empty in order to create a container");
    const id = randomBytes(32).toString("hex");
    // The name is taken now, before the first await, and given back if the container is not made.
    let name: string;
    if (nameParam) {
      name = validateName(nameParam);
      this.names.claim(name, id);
    } else name = this.names.claimGenerated(id);
    try {
      return await this.createNamed(body, imageRef, id, name, internal);
    } catch (e) {
      this.names.release(name, id);
      throw e;
    }
  }

  private async createNamed(body: Record<string, unknown>, imageRef: string, id: string, name: string, internal: CreateInternal): Promise<{ Id: string; Warnings: string[] }> {
    const imageId = await this.opts.images.resolve(imageRef);
    const detail = await this.opts.images.inspect(imageId);
    const image = detail.config.config ?? {};
    const hc = normalizeHostConfig((body.HostConfig ?? {}) as Partial<HostConfig>);

    const strs = (v: unknown, what: string): string[] | null => {
      if (v === undefined || v === null) return null;
      if (typeof v === "string") return [v];
      if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw badRequest(`${what} must be a list of strings`);
      return v as string[];
    };
    let entrypoint = strs(body.Entrypoint, "Entrypoint");
    const entrypointGiven = entrypoint !== null;
    if (entrypoint && entrypoint.length === 1 && entrypoint[0] === "") entrypoint = [];
    if (!entrypointGiven) entrypoint = image.Entrypoint ?? null;
    let cmd = strs(body.Cmd, "Cmd");
    if (cmd === null && !entrypointGiven) cmd = image.Cmd ?? null;
    const argv = [...(entrypoint ?? []), ...(cmd ?? [])];
    if (argv.length === 0) throw badRequest("No command specified");

    const env = new Map<string, string>();
    for (const e of [...(image.Env ?? []), ...(strs(body.Env, "Env") ?? [])]) {
      const eq = e.indexOf("=");
      env.set(eq < 0 ? e : e.slice(0, eq), e);
    }
    const labels = { ...((image as { Labels?: Record<string, string> }).Labels ?? {}), ...((body.Labels as Record<string, string>) ?? {}) };
    for (const [k, v] of Object.entries(labels)) if (typeof v !== "string") throw badRequest(`label ${k}: the value must be a string`);
    const config: ContainerConfig = {
      // With --network host the container takes the host's name, as under dockerd.
      Hostname: typeof body.Hostname === "string" && body.Hostname ? body.Hostname : hc.NetworkMode === "host" ? hostname() : id.slice(0, 12),
      Domainname: typeof body.Domainname === "string" ? body.Domainname : "",
      User: typeof body.User === "string" && body.User ? body.User : (image.User ?? ""),
      AttachStdin: !!body.AttachStdin,
      AttachStdout: !!body.AttachStdout,
      AttachStderr: !!body.AttachStderr,
      ExposedPorts: { ...(image.ExposedPorts ?? {}), ...((body.ExposedPorts as Record<string, object>) ?? {}) },
      Tty: !!body.Tty,
      OpenStdin: !!body.OpenStdin,
      StdinOnce: !!body.StdinOnce,
      Env: [...env.values()],
      Cmd: cmd,
      Image: imageRef,
      Volumes: { ...((image as { Volumes?: Record<string, object> }).Volumes ?? {}), ...((body.Volumes as Record<string, object>) ?? {}) },
      WorkingDir: typeof body.WorkingDir === "string" && body.WorkingDir ? body.WorkingDir : (image.WorkingDir ?? ""),
      Entrypoint: entrypoint,
      Labels: labels,
      ...(typeof body.StopSignal === "string" ? { StopSignal: body.StopSignal } : image.StopSignal ? { StopSignal: image.StopSignal } : {}),
      ...(typeof body.StopTimeout === "number" ? { StopTimeout: body.StopTimeout } : {}),
      ...(typeof body.MacAddress === "string" && body.MacAddress ? { MacAddress: parseMac(body.MacAddress) } : {}),
    };
    const healthcheck = mergeHealthcheck(body.Healthcheck, (image as { Healthcheck?: unknown }).Healthcheck);
    if (healthcheck) config.Healthcheck = healthcheck;
    const shell = strs(body.Shell, "Shell") ?? (image as { Shell?: string[] }).Shell ?? null;
    if (shell?.length) config.Shell = shell;
    if (config.StopSignal) parseSignal(config.StopSignal);
    if (config.WorkingDir && !config.WorkingDir.startsWith("/")) throw badRequest(`the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`);
    for (const b of hc.Ulimits ?? []) if (!b || typeof b.Name !== "string") throw badRequest("invalid ulimit");
    const mode = hc.NetworkMode;
    // The network it is created on, by name: inspect shows it (and its settings) before the container ever runs.
    let primary: string | null = null;
    if (mode.startsWith("container:")) this.get(mode.slice("container:".length));
    else if (mode !== "default" && !BUILTIN_NETWORKS.includes(mode)) {
      const net = await this.opts.networks();
      if (!net) throw badRequest("networking is not available on this agent (the network engine did not start)");
      primary = (await net.inspect(mode)).name;
    } else primary = mode === "default" ? "bridge" : mode;
    const given = (body.NetworkingConfig as { EndpointsConfig?: Record<string, unknown> } | undefined)?.EndpointsConfig ?? {};
    if (typeof given !== "object" || Array.isArray(given)) throw badRequest("NetworkingConfig.EndpointsConfig must be an object");
    const netCfg: ContainerRecord["RequestedNetworks"] = primary ? { [primary]: {} } : {};
    for (const [key, v] of Object.entries(given)) netCfg[key === mode && primary ? primary : key] = normalizeEndpointConfig(v, key);
    const legacyLinks: LegacyLink[] = [];
    for (const l of (hc.Links as string[] | null) ?? []) {
      const [target, alias] = parseLink(l);
      // On a user-defined network a link is a name this container resolves (the docker CLI sends it there too).
      if (primary && !BUILTIN_NETWORKS.includes(primary)) {
        const has = netCfg[primary]!.Links ?? [];
        if (!has.includes(l)) netCfg[primary]!.Links = [...has, l];
        continue;
      }
      if (primary !== "bridge") throw badRequest(`conflicting options: ${mode.startsWith("container:") ? "container" : primary} type networking can't be used with links`);
      let child: ContainerRecord;
      try {
        child = this.get(target);
      } catch {
        throw badRequest(`could not get container for ${target}: No such container: ${target}`);
      }
      legacyLinks.push({ Id: child.Id, Alias: alias });
    }
    const rec: ContainerRecord = {
      Id: id,
      Created: new Date(this.clock.now()).toISOString(),
      Name: name,
      Path: argv[0]!,
      Args: argv.slice(1),
      Image: imageId,
      Config: config,
      HostConfig: hc,
      State: emptyState(),
      RestartCount: 0,
      RequestedNetworks: netCfg,
      ...(legacyLinks.length ? { LegacyLinks: legacyLinks } : {}),
      Networks: {},
      Ports: {},
      Mounts: [],
      MonitorPid: 0,
      ManuallyStopped: false,
      HasBeenStarted: false,
    };
    mkdirSync(this.pathOf(id), { recursive: true, mode: 0o710 });
    try {
      const snap = await this.opts.snapshots.prepare(id, imageId, { labels: { "gantry.container": id }, layers: detail.layers });
      rec.Rootfs = snap.rootfs;
      rec.Mounts = [...(await this.resolveMounts(rec)), ...(internal.mounts ?? [])];
      if (this.opts.volumes) await this.opts.volumes.populateFromImage(rec.Mounts, snap.rootfs);
      this.records.set(id, rec);
      this.save(rec);
    } catch (e) {
      this.records.delete(id);
      await this.opts.snapshots.remove(id).catch(() => {});
      if (this.opts.volumes) await this.opts.volumes.releaseContainer(id, { removeAnonymous: true }).catch(() => {});
      rmSync(this.pathOf(id), { recursive: true, force: true });
      throw e;
    }
    this.emit(rec, "create");
    this.prepareNetwork(rec);
    return { Id: id, Warnings: [] };
  }

  private async resolveMounts(rec: ContainerRecord): Promise<ResolvedMount[]> {
    const hc = rec.HostConfig;
    const requests: MountRequest[] = [
      ...(hc.Binds ?? []).map(parseVolumeFlag),
      ...((hc.Mounts ?? []) as ApiMount[]).map(fromApiMount),
      ...fromTmpfsMap(hc.Tmpfs ?? {}),
    ];
    const targets = new Set(requests.map((r) => r.target));
    for (const path of Object.keys(rec.Config.Volumes ?? {})) {
      if (!targets.has(path)) requests.push({ type: "volume", source: null, target: path, readOnly: false, noCopy: false });
    }
    const inherit: ResolvedMount[] = [];
    for (const spec of hc.VolumesFrom ?? []) {
      const { container, mode } = parseVolumesFrom(spec);
      for (const m of this.get(container).Mounts) {
        if (m.type === "tmpfs") continue;
        inherit.push({ ...m, readOnly: mode === null ? m.readOnly : mode === "ro" });
      }
    }
    if (!requests.length && !inherit.length) return [];
    if (!this.opts.volumes) throw badRequest("volumes are not available on this agent");
    return this.opts.volumes.resolveMounts(rec.Id, requests, { inherit });
  }

  // ------------------------------------------------------------------ start

  async start(ref: string): Promise<"started" | "already"> {
    const rec = this.get(ref);
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
  private async mountedRootfs(rec: ContainerRecord): Promise<string> {
    if (rec.Rootfs) {
      try {
        if (statSync(rec.Rootfs).dev !== statSync(dirname(rec.Rootfs)).dev) return rec.Rootfs;
      } catch {
        /* mount it */
      }
    }
    const snap = await this.opts.snapshots.mount(rec.Id);
    rec.Rootfs = snap.rootfs;
    return snap.rootfs;
  }

  private async setupNetwork(rec: ContainerRecord): Promise<string | null> {
    const net = await this.opts.networks();
    const mode = rec.HostConfig.NetworkMode;
    rec.Networks = {};
    rec.Ports = {};
    if (mode.startsWith("container:")) {
      const other = this.get(mode.slice("container:".length));
      if (!other.State.Running) throw conflict(`cannot join network of a non running container: ${other.Id}`);
      if (!net) return `/proc/${other.State.Pid}/ns/net`;
      return net.netnsPathOf(other.Id);
    }
    if (!net) {
      if (mode === "host") return null;
      throw badRequest("networking is not available on this agent (the network engine did not start)");
    }
    const containerName = rec.Name.slice(1);
    if (mode === "host") {
      recordEndpoint(rec, await net.attach(rec.Id, null, "host", { containerName }));
      return null;
    }
    const netns = await net.createNetns(rec.Id);
    const primary = mode === "default" ? "bridge" : (await net.inspect(mode)).name;
    const wanted = [primary, ...Object.keys(rec.RequestedNetworks).filter((n) => n !== primary && n !== mode)];
    for (const name of wanted) {
      // Settings asked under another spelling of the network (an id) by records older than names as keys.
      const req = rec.RequestedNetworks[name] ?? (name === primary ? rec.RequestedNetworks[mode] : undefined) ?? {};
      const ports = name === primary ? portBindings(rec.HostConfig.PortBindings) : [];
      const ep = await net.attach(rec.Id, netns, name, { ...attachOptions(rec, req, name === primary), ...(ports.length ? { ports } : {}) });
      recordEndpoint(rec, ep);
      for (const p of ep.ports) {
        const key = `${p.containerPort}/${p.protocol}`;
        (rec.Ports[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
      }
    }
    for (const key of Object.keys(rec.Config.ExposedPorts ?? {})) if (!(key in rec.Ports)) rec.Ports[key] = null;
    return netns;
  }

  /**
   * `docker run` starts right after it creates: the network namespace and endpoints are made meanwhile, in the
   * background, and `start` takes them (or makes them itself when they failed or the request changed since).
   */
  private prepareNetwork(rec: ContainerRecord) {
    if (rec.HostConfig.NetworkMode.startsWith("container:")) return;
    const key = JSON.stringify([rec.HostConfig.NetworkMode, rec.RequestedNetworks, rec.HostConfig.PortBindings]);
    const promise = this.setupNetwork(rec);
    promise.catch(() => {});
    this.prepared.set(rec.Id, { key, promise });
  }

  private async takePreparedNetwork(rec: ContainerRecord): Promise<string | null> {
    const p = this.prepared.get(rec.Id);
    this.prepared.delete(rec.Id);
    if (p) {
      const key = JSON.stringify([rec.HostConfig.NetworkMode, rec.RequestedNetworks, rec.HostConfig.PortBindings]);
      try {
        const netns = await p.promise;
        if (key === p.key) return netns;
      } catch {
        /* made again below, where its error is the start's */
      }
      await this.releaseNetwork(rec);
    }
    return this.setupNetwork(rec);
  }

  private async releaseNetwork(rec: ContainerRecord) {
    const net = await this.opts.networks();
    if (!net) return;
    const p = this.prepared.get(rec.Id);
    if (p) {
      this.prepared.delete(rec.Id);
      await p.promise.catch(() => {});
    }
    await net.detachAll(rec.Id, { namespaceGoing: true }).catch((e) => this.log(`container ${rec.Id.slice(0, 12)}: detach: ${(e as Error).message}`));
    await net.removeNetns(rec.Id).catch((e) => this.log(`container ${rec.Id.slice(0, 12)}: remove netns: ${(e as Error).message}`));
  }

  /** /etc/hosts, /etc/hostname and /etc/resolv.conf of the bundle, written in place (a running container sees them). */
  private async writeFiles(rec: ContainerRecord, links: { ip: string; names: string[] }[]) {
    const net = await this.opts.networks();
    const hostname = rec.Config.Hostname;
    const extraHosts = (rec.HostConfig.ExtraHosts ?? []).map((h) => {
      const i = h.lastIndexOf(":");
      if (i < 1) throw badRequest(`invalid extra host: ${h}`);
      return { name: h.slice(0, i), ip: h.slice(i + 1) };
    });
    const hosts = net
      ? await net.hostsFileFor(rec.Id, { hostname, domainname: rec.Config.Domainname, extraHosts, links })
      : `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${extraHosts.map((e) => `${e.ip}\t${e.name}\n`).join("")}`;
    // HostConfig.Dns, DnsSearch, DnsOptions (`docker run --dns …`; a pod's resolver settings, agent/pods) replace the host's.
    const dnsOf = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === "string") && v.length ? (v as string[]) : undefined);
    const dns = { dns: dnsOf(rec.HostConfig.Dns), dnsSearch: dnsOf(rec.HostConfig.DnsSearch), dnsOptions: dnsOf(rec.HostConfig.DnsOptions) };
    const resolv = net ? await net.resolvConfFor(rec.Id, dns) : readFileSafe("/etc/resolv.conf");
    writeFileSync(this.pathOf(rec.Id, "hosts"), hosts);
    writeFileSync(this.pathOf(rec.Id, "hostname"), `${hostname}\n`);
    writeFileSync(this.pathOf(rec.Id, "resolv.conf"), resolv);
  }

  private async startNow(rec: ContainerRecord) {
    try {
      await this.startOrFail(rec);
    } catch (e) {
      await this.releaseNetwork(rec);
      const msg = (e as Error).message;
      // dockerd's codes for a process that cannot start: 127 not found, 126 not executable, 128 anything else.
      const code = /not found|no such file/i.test(msg) ? 127 : /permission denied/i.test(msg) ? 126 : 128;
      this.setState(rec, { Error: msg, ExitCode: code, Status: rec.HasBeenStarted ? "exited" : "created", Running: false, Restarting: false });
      // Whoever attached or waits for this start learns now; `run --rm` waits for the removal.
      this.notifyExit(rec);
      if (rec.HostConfig.AutoRemove) await this.removeNow(rec, { volumes: true }).catch(() => {});
      throw e;
    }
  }

  private async startOrFail(rec: ContainerRecord) {
    const id = rec.Id;
    const rootfs = await this.mountedRootfs(rec);
    let netns: string | null;
    netns = await this.takePreparedNetwork(rec);
    const mode = rec.HostConfig.NetworkMode;
    const joinNamespaces = { ipc: this.joinedNamespace(rec.HostConfig.IpcMode, "ipc"), uts: this.joinedNamespace(rec.HostConfig.UTSMode, "uts") };
    for (const [name, n] of Object.entries(rec.Networks)) {
      rememberEndpoint(rec, name, n.NetworkID, name in rec.RequestedNetworks || !(mode in rec.RequestedNetworks) ? name : mode);
    }
    const links = legacyLinkView(rec, (id) => this.records.get(id));
    await this.writeFiles(rec, links.hosts);
    const bundle = this.pathOf(id, "bundle");
    writeBundle(
      bundle,
      bundleConfig(rec, {
        rootfs,
        linkEnv: links.env,
        netnsPath: mode === "host" ? null : netns,
        joinNamespaces,
        files: { hosts: this.pathOf(id, "hosts"), hostname: this.pathOf(id, "hostname"), resolvConf: this.pathOf(id, "resolv.conf") },
        cgroupsPath: `/gantry/${id}`,
      }),
    );
    for (const f of ["exit.json", "monitor.pid", "container.pid"]) rmSync(this.pathOf(id, f), { force: true });
    const log = logPlan(rec.HostConfig.LogConfig);
    for (const l of this.startListeners.get(id) ?? []) l();
    const { monitorPid, containerPid } = await this.monitor.start({
      id,
      bundle,
      log: log.keep ? { path: this.logPath(id), maxSize: log.maxSize, maxFiles: log.rotated } : null,
      exitFile: this.pathOf(id, "exit.json"),
      pidFile: this.pathOf(id, "monitor.pid"),
      containerPidFile: this.pathOf(id, "container.pid"),
      attachSocket: this.attachSocketPath(id),
      monitorLog: this.pathOf(id, "monitor.log"),
      stdin: rec.Config.OpenStdin,
    });
    rec.MonitorPid = monitorPid;
    rec.HasBeenStarted = true;
    this.setState(rec, {
      Status: "running", Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: containerPid,
      ExitCode: 0, Error: "", StartedAt: new Date(this.clock.now()).toISOString(),
    });
    this.emit(rec, "start");
    this.watchExit(rec);
  }

  /** IpcMode/UTSMode "container:<id>": that running container's namespace; anything else: the container's own. */
  private joinedNamespace(mode: unknown, kind: "ipc" | "uts"): string | undefined {
    if (typeof mode !== "string" || !mode.startsWith("container:")) return undefined;
    const other = this.get(mode.slice("container:".length));
    if (!other.State.Running || !other.State.Pid) throw conflict(`cannot join the ${kind} namespace of a non running container: ${other.Id}`);
    return `/proc/${other.State.Pid}/ns/${kind}`;
  }

  /** Notices exit.json (inotify on the container's directory, and a slow poll that also notices a dead monitor). */
  private watchExit(rec: ContainerRecord) {
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
        void this.serial(rec.Id, () => this.onExit(rec, exit)).catch((e) => this.log(`container ${rec.Id.slice(0, 12)}: after exit: ${(e as Error).stack}`));
        return;
      }
      if (!this.monitor.isAlive(rec.MonitorPid)) {
        // Give the exit file a moment: the monitor writes it just before it exits.
        setTimeout(() => {
          if (handled || this.readExit(rec.Id)) return check();
          handled = true;
          this.unwatch(rec.Id);
          void this.serial(rec.Id, () => this.readopt(rec));
        }, 200);
      }
    };
    try {
      state.watcher = watch(this.pathOf(rec.Id), (_ev, name) => {
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

  private unwatch(id: string) {
    const l = this.live.get(id);
    if (!l) return;
    l.watcher?.close();
    if (l.timer) clearInterval(l.timer);
    this.live.delete(id);
  }

  private async onExit(rec: ContainerRecord, exit: ExitInfo) {
    if (!this.records.has(rec.Id)) return;
    const ranMs = Date.parse(exit.exitedAt) - Date.parse(rec.State.StartedAt);
    const { restart, delayMs } = this.restarts.decide(rec.Id, rec.HostConfig.RestartPolicy, exit.exitCode, rec.RestartCount, rec.ManuallyStopped, ranMs);
    if (restart) rec.RestartCount++;
    // A --rm container's network goes with the rest of it, in parallel, in removeNow.
    if (restart || !rec.HostConfig.AutoRemove) await this.releaseNetwork(rec);
    rec.Networks = {};
    rec.Ports = {};
    this.setState(rec, {
      Status: restart ? "restarting" : "exited", Running: false, Paused: false, Restarting: restart, Pid: 0,
      ExitCode: exit.exitCode, OOMKilled: exit.oomKilled, FinishedAt: exit.exitedAt,
    });
    if (exit.oomKilled) this.emit(rec, "oom");
    this.emit(rec, "die", { exitCode: String(exit.exitCode) });
    this.notifyExit(rec);
    if (restart) this.scheduleRestart(rec, delayMs);
    else if (rec.HostConfig.AutoRemove) {
      const now = Date.now();
      for (const [id, t] of this.autoRemoved) if (now - t.at > AUTO_REMOVED_KEPT_MS) this.autoRemoved.delete(id);
      this.autoRemoved.set(rec.Id, { name: rec.Name, result: this.waitResult(rec), at: now });
      await this.removeNow(rec, { volumes: true });
    }
  }

  /** How a container removed by AutoRemove within the last minute ended, by id, name or unique id prefix. */
  private autoRemovedResult(ref: string): WaitResult | null {
    const name = ref.startsWith("/") ? ref : `/${ref}`;
    const hits = [...this.autoRemoved].filter(([id, t]) => id === ref || t.name === name || (/^[0-9a-f]{1,64}$/.test(ref) && id.startsWith(ref)));
    const hit = hits.length === 1 ? hits[0]![1] : null;
    return hit && Date.now() - hit.at <= AUTO_REMOVED_KEPT_MS && !this.records.has(hits[0]![0]) ? hit.result : null;
  }

  private notifyExit(rec: ContainerRecord) {
    const ws = this.waiters.get(rec.Id) ?? [];
    const keep: Waiter[] = [];
    for (const w of ws) {
      if (w.condition === "removed") keep.push(w);
      else w.resolve(this.waitResult(rec));
    }
    this.waiters.set(rec.Id, keep);
    for (const l of this.exitListeners.get(rec.Id) ?? []) l();
  }

  private waitResult(rec: ContainerRecord) {
    return { StatusCode: rec.State.ExitCode, Error: rec.State.Error ? { Message: rec.State.Error } : null };
  }

  /** Restarts the container after `delayMs` (dockerd's back-off, from onExit), unless it is started, stopped or removed meanwhile. */
  private scheduleRestart(rec: ContainerRecord, delayMs?: number) {
    const delay = delayMs ?? this.restarts.decide(rec.Id, { Name: "always", MaximumRetryCount: 0 }, 0, 0, false, 0).delayMs;
    this.setState(rec, { Restarting: true, Status: "restarting" });
    const handle = this.clock.setTimeout(() => {
      this.restartTimers.delete(rec.Id);
      void this.serial(rec.Id, async () => {
        if (!this.records.has(rec.Id) || !rec.State.Restarting) return;
        try {
          await this.startNow(rec);
          this.emit(rec, "restart");
        } catch (e) {
          this.log(`container ${rec.Id.slice(0, 12)}: restart failed: ${(e as Error).message}`);
          const again = this.restarts.decide(rec.Id, rec.HostConfig.RestartPolicy, 1, rec.RestartCount, rec.ManuallyStopped, 0);
          if (again.restart) {
            rec.RestartCount++;
            this.scheduleRestart(rec, again.delayMs);
          } else this.setState(rec, { Restarting: false, Status: "exited" });
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
    this.save(rec);
  }

  private cancelRestart(rec: ContainerRecord) {
    const h = this.restartTimers.get(rec.Id);
    if (h !== undefined) {
      this.clock.clearTimeout(h);
      this.restartTimers.delete(rec.Id);
    }
    if (rec.State.Restarting && !rec.State.Running) this.setState(rec, { Restarting: false, Status: "exited" });
  }

  // ------------------------------------------------------------------ signals, stop, restart

  private async signal(rec: ContainerRecord, sig: number) {
    try {
      await this.runtime.kill(rec.Id, sig);
    } catch (e) {
      if (this.readExit(rec.Id)) return; // it exited meanwhile
      // A paused container cannot take a signal until it is thawed; the runtime's failure is otherwise real.
      throw new GantryError("internal", `cannot send signal ${sig} to ${rec.Id.slice(0, 12)}: ${e instanceof RuntimeError ? e.reason : (e as Error).message}`);
    }
  }

  /** Resolves once the container is no longer running (or after `ms`, with false). */
  private untilExit(rec: ContainerRecord, ms: number): Promise<boolean> {
    if (!rec.State.Running) return Promise.resolve(true);
    return new Promise((resolve) => {
      const set = this.exitListeners.get(rec.Id) ?? new Set();
      this.exitListeners.set(rec.Id, set);
      const done = (v: boolean) => {
        set.delete(onExit);
        clearTimeout(t);
        resolve(v);
      };
      const onExit = () => done(true);
      set.add(onExit);
      const t = setTimeout(() => done(false), ms);
    });
  }

  /**
   * `docker kill`: answers once the signal is delivered and, for SIGKILL, once the container has exited (dockerd waits
   * 10 s for that). A container waiting to restart is stopped there, with no signal to send.
   */
  async kill(ref: string, sigName = "KILL"): Promise<void> {
    const rec = this.get(ref);
    const sig = parseSignal(sigName);
    if (rec.State.Restarting && !rec.State.Running) {
      this.stopByHand(rec, 9);
      this.cancelRestart(rec);
      return;
    }
    if (!rec.State.Running) throw conflict(`Cannot kill container: ${ref}: Container ${rec.Id} is not running`);
    this.stopByHand(rec, sig);
    this.emit(rec, "kill", { signal: String(sig) });
    await this.signal(rec, sig);
    // A frozen process takes its SIGKILL once thawed.
    if (rec.State.Paused && sig === 9) await this.unpause(rec.Id).catch(() => {});
    if (sig === 9 && !(await this.untilExit(rec, 10_000))) throw new GantryError("internal", `tried to kill container ${rec.Id}, but it did not exit`);
  }

  async stop(ref: string, timeoutSec?: number, sigName?: string): Promise<"stopped" | "already"> {
    const rec = this.get(ref);
    if (rec.State.Restarting && !rec.State.Running) {
      this.stopByHand(rec, 9);
      this.cancelRestart(rec);
      this.emit(rec, "stop");
      return "stopped";
    }
    if (!rec.State.Running) return "already";
    const sig = parseSignal(sigName ?? rec.Config.StopSignal ?? "TERM");
    this.stopByHand(rec, sig);
    const t = timeoutSec ?? rec.Config.StopTimeout ?? 10;
    this.emit(rec, "kill", { signal: String(sig) });
    if (rec.State.Paused) await this.unpause(rec.Id).catch(() => {});
    await this.signal(rec, sig);
    if (!(await this.untilExit(rec, t < 0 ? 2 ** 31 - 1 : t * 1000))) {
      this.restarts.cancel(rec.Id);
      this.emit(rec, "kill", { signal: "9" });
      await this.signal(rec, 9);
      await this.untilExit(rec, 30_000);
    }
    this.emit(rec, "stop");
    return "stopped";
  }

  async restart(ref: string, timeoutSec?: number): Promise<void> {
    const rec = this.get(ref);
    await this.stop(rec.Id, timeoutSec);
    await this.serial(rec.Id, async () => {
      this.cancelRestart(rec);
      this.startByHand(rec);
      await this.startNow(rec);
    });
    this.emit(rec, "restart");
  }

  async pause(ref: string) {
    const rec = this.get(ref);
    if (!rec.State.Running) throw conflict(`Container ${rec.Id} is not running`);
    if (rec.State.Paused) throw conflict(`Container ${rec.Id} is already paused`);
    await this.runtime.pause(rec.Id);
    this.setState(rec, { Paused: true, Status: "paused" });
    this.emit(rec, "pause");
  }

  async unpause(ref: string) {
    const rec = this.get(ref);
    if (!rec.State.Paused) throw conflict(`Container ${rec.Id} is not paused`);
    await this.runtime.resume(rec.Id);
    this.setState(rec, { Paused: false, Status: "running" });
    this.emit(rec, "unpause");
  }

  async rename(ref: string, newName: string) {
    const rec = this.get(ref);
    const name = validateName(newName);
    if (name === rec.Name) throw badRequest(`Renaming a container with the same name as its current name`);
    this.names.claim(name, rec.Id);
    const old = rec.Name;
    this.names.release(old, rec.Id);
    rec.Name = name;
    this.save(rec);
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
    const parent = [...this.records.values()].find((r) => r.Name === name.slice(0, slash));
    const links = parent?.LegacyLinks ?? [];
    const i = links.findIndex((l) => l.Alias === name.slice(slash + 1) && this.records.has(l.Id));
    if (!parent || i < 0) throw noSuchContainer(ref.replace(/^\//, ""));
    links.splice(i, 1);
    this.save(parent);
    if (parent.State.Running) await this.writeFiles(parent, legacyLinkView(parent, (id) => this.records.get(id), { lenient: true }).hosts);
  }

  // ------------------------------------------------------------------ wait, remove

  wait(ref: string, condition: string): { promise: Promise<WaitResult> } {
    if (!["not-running", "next-exit", "removed", ""].includes(condition)) throw badRequest(`invalid condition: "${condition}"`);
    let rec: ContainerRecord;
    try {
      rec = this.get(ref);
    } catch (e) {
      // Ended and removed already (--rm): whatever the condition, that has happened.
      const ended = this.autoRemovedResult(ref);
      if (ended) return { promise: Promise.resolve(ended) };
      throw e;
    }
    const cond = (condition || "not-running") as Waiter["condition"];
    if (cond === "not-running" && !rec.State.Running && !rec.State.Restarting) return { promise: Promise.resolve(this.waitResult(rec)) };
    let resolve!: Waiter["resolve"];
    const promise = new Promise<WaitResult>((r) => (resolve = r));
    const list = this.waiters.get(rec.Id) ?? [];
    list.push({ condition: cond, resolve });
    this.waiters.set(rec.Id, list);
    return { promise };
  }

  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const rec = this.get(ref);
    if (rec.State.Status === "removing") throw conflict(`removal of container ${rec.Id} is already in progress`);
    if ((rec.State.Running || rec.State.Restarting) && !opts.force) {
      const what = rec.State.Paused ? "paused" : rec.State.Restarting ? "restarting" : "running";
      throw conflict(`cannot remove container "${rec.Name}": container is ${what}: stop the container before removing or force remove`);
    }
    if (rec.State.Running) {
      this.stopByHand(rec, 9);
      if (rec.State.Paused) await this.runtime.resume(rec.Id).catch(() => {});
      await this.signal(rec, 9);
      if (!(await this.untilExit(rec, 15_000))) throw new GantryError("internal", `container ${rec.Id} did not exit after SIGKILL`);
    }
    await this.serial(rec.Id, () => this.removeNow(rec, opts));
  }

  private async removeNow(rec: ContainerRecord, opts: { volumes?: boolean }) {
    if (!this.records.has(rec.Id)) return;
    this.cancelRestart(rec);
    this.setState(rec, { Status: "removing" });
    this.unwatch(rec.Id);
    // The monitor deletes the runtime's container when it exits; only a container that never got that far is left.
    if (!this.readExit(rec.Id)) await this.runtime.delete(rec.Id, { force: true }).catch(() => {});
    await Promise.all([
      this.releaseNetwork(rec),
      this.opts.snapshots.remove(rec.Id),
      this.opts.volumes?.releaseContainer(rec.Id, { removeAnonymous: !!opts.volumes }).catch((e) => this.log(`container ${rec.Id.slice(0, 12)}: release volumes: ${(e as Error).message}`)),
    ]);
    this.records.delete(rec.Id);
    this.names.release(rec.Name, rec.Id);
    // The directory goes in the background once out of the way (a renamed directory is no longer a container).
    const trash = join(this.dir, `.removed-${rec.Id}`);
    try {
      renameSync(this.pathOf(rec.Id), trash);
      void rm(trash, { recursive: true, force: true });
    } catch {
      rmSync(this.pathOf(rec.Id), { recursive: true, force: true });
    }
    rmSync(this.attachSocketPath(rec.Id), { force: true });
    this.emit(rec, "destroy");
    for (const w of this.waiters.get(rec.Id) ?? []) w.resolve(this.waitResult(rec));
    this.waiters.delete(rec.Id);
  }

  // ------------------------------------------------------------------ logs and attach

  /**
   * Reads the log as `docker logs` asks (the history, its tail, since/until), and with `follow` what is written next
   * until the container stops; records go to `onRecords` a batch at a time, `onEnd` once all are read. The handle's
   * pause() stops the reading (the consumer is behind: nothing piles up meanwhile), resume() goes on, stop() ends it
   * without onEnd.
   */
  readLogs(
    ref: string,
    o: { since?: number; until?: number; tail?: number; follow: boolean },
    onRecords: (r: LogRecord[]) => void,
    onEnd: () => void,
  ): { pause(): void; resume(): void; stop(): void } {
    const rec = this.get(ref);
    // An `until` bounds the read: nothing to follow.
    const follow = o.follow && !o.until;
    let listening = false;
    const set = this.exitListeners.get(rec.Id) ?? new Set();
    const onExit = () => reader.writerDone();
    const unlisten = () => {
      if (listening) set.delete(onExit);
      listening = false;
    };
    const reader = new LogReader(
      this.logPath(rec.Id),
      {
        maxFiles: rotatedFiles(rec.HostConfig.LogConfig),
        start: o.tail !== undefined && o.tail >= 0 ? { tail: o.tail } : "all",
        follow,
        ...(o.since ? { since: o.since } : {}),
        ...(o.until ? { until: o.until } : {}),
      },
      onRecords,
      () => {
        unlisten();
        onEnd();
      },
    );
    if (follow) {
      this.exitListeners.set(rec.Id, set);
      set.add(onExit);
      listening = true;
      if (!rec.State.Running && !rec.State.Restarting) onExit();
    }
    return {
      pause: () => reader.pause(),
      resume: () => reader.resume(),
      stop: () => {
        unlisten();
        reader.close();
      },
    };
  }

  isTty(ref: string) {
    return this.get(ref).Config.Tty;
  }

  /**
   * Attaches to the container: output from now on (the whole log first with `logs`), input to its stdin through the
   * monitor. Attaching before `start` is how `docker run` works: the output is then taken from the first byte.
   */
  attach(ref: string, o: AttachOptions, sink: AttachSink): AttachHandle {
    const rec = this.get(ref);
    const id = rec.Id;
    const tty = rec.Config.Tty;
    let ended = false;
    let sock: MonitorSocket | null = null;
    let follower: LogFollower | null = null;
    const queued: Buffer[] = [];
    let inputEnded = false;
    const detach = tty ? new DetachKeyMatcher(o.detachKeys) : null;
    const want = (s: 1 | 2) => (s === 1 ? o.stdout : o.stderr);
    const end = () => {
      if (ended) return;
      ended = true;
      follower?.close();
      sock?.close();
      this.startListeners.get(id)?.delete(onStart);
      this.exitListeners.get(id)?.delete(onExit);
      sink.end();
    };
    if (o.logs) {
      for (const r of readLog(this.logPath(id), rotatedFiles(rec.HostConfig.LogConfig))) {
        const s = r.stream === "stdout" ? 1 : 2;
        if (want(s)) sink.write(s, recordBytes(r, tty));
      }
    }
    if (!o.stream) {
      queueMicrotask(end);
      return { input() {}, inputEnd() {}, close: end };
    }
    // Without a terminal the output comes from the log (complete from the first byte); with one, or when no log is
    // kept (the none driver), from the socket.
    const fromLog = !tty && rec.HostConfig.LogConfig?.Type !== "none";
    const connect = () => {
      if (fromLog && (o.stdout || o.stderr)) {
        follower?.close();
        follower = new LogFollower(this.logPath(id), logSize(this.logPath(id)), (recs) => {
          for (const r of recs) {
            const s = r.stream === "stdout" ? 1 : 2;
            if (want(s)) sink.write(s, recordBytes(r, false));
          }
        }, rotatedFiles(rec.HostConfig.LogConfig));
      }
      if (fromLog && !o.stdin) return;
      const path = this.attachSocketPath(id);
      const deadline = Date.now() + 10_000;
      const tryConnect = () => {
        if (ended) return;
        this.monitor.connect(path, {
          onOutput: (s, data) => {
            if (!fromLog && want(s)) sink.write(s, data);
          },
        }).then(
          (s) => {
            if (ended) return s.close();
            sock = s;
            for (const q of queued.splice(0)) s.stdin(q);
            if (inputEnded) s.closeStdin();
          },
          () => {
            if (Date.now() < deadline) setTimeout(tryConnect, 2);
          },
        );
      };
      tryConnect();
    };
    const onStart = () => connect();
    const onExit = () => {
      // The monitor wrote the log completely before the exit file: read the rest, then end.
      follower?.poll();
      setTimeout(end, fromLog ? 0 : 50);
    };
    const starts = this.startListeners.get(id) ?? new Set();
    this.startListeners.set(id, starts);
    starts.add(onStart);
    const exits = this.exitListeners.get(id) ?? new Set();
    this.exitListeners.set(id, exits);
    exits.add(onExit);
    if (rec.State.Running) {
      starts.delete(onStart);
      connect();
    }
    return {
      input: (data: Buffer) => {
        if (!o.stdin || ended) return;
        // With a TTY, detach keys (ctrl-p ctrl-q by default) end the attach without reaching the container.
        const { pass, detached } = detach ? detach.feed(data) : { pass: data, detached: false };
        if (pass.length) (sock ? sock.stdin(pass) : queued.push(Buffer.from(pass)));
        if (detached) {
          this.emit(rec, "detach");
          end();
        }
      },
      inputEnd: () => {
        if (!o.stdin || !rec.Config.StdinOnce) return;
        inputEnded = true;
        sock?.closeStdin();
      },
      close: end,
    };
  }

  async resize(ref: string, rows: number, cols: number) {
    const rec = this.get(ref);
    if (!rec.State.Running) throw conflict(`Container ${rec.Id} is not running`);
    if (!rec.Config.Tty) return;
    const s = await this.monitor.connect(this.attachSocketPath(rec.Id), {});
    s.resize(rows, cols);
    setTimeout(() => s.close(), 50);
  }

  // ------------------------------------------------------------------ top

  async top(ref: string, psArgs: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    const rec = this.get(ref);
    if (!rec.State.Running) throw conflict(`Container ${rec.Id} is not running`);
    const pids = new Set((await this.runtime.ps(rec.Id)).map(String));
    const args = psArgs.trim() ? psArgs.trim().split(/\s+/) : ["-ef"];
    const ps = await runProgram("ps", args).catch((e) => {
      throw badRequest(`ps ${args.join(" ")}: ${((e as { stderr?: string }).stderr ?? (e as Error).message).trim()}`);
    });
    const lines = ps.stdout.split("\n").filter(Boolean);
    const titles = lines[0]!.trim().split(/\s+/);
    const pidCol = titles.indexOf("PID");
    if (pidCol < 0) throw badRequest(`Couldn't find PID field in ps output`);
    const procs: string[][] = [];
    for (const line of lines.slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (!pids.has(fields[pidCol]!)) continue;
      const head = fields.slice(0, titles.length - 1);
      head.push(fields.slice(titles.length - 1).join(" "));
      procs.push(head);
    }
    return { Titles: titles, Processes: procs };
  }

  /** Container ids and image use (for `docker system df` and image removal checks). */
  usingImage(imageId: string): ContainerRecord[] {
    return [...this.records.values()].filter((r) => r.Image === imageId);
  }

  /** Stops watching; running containers keep running under their monitors. */
  close() {
    for (const id of [...this.live.keys()]) this.unwatch(id);
    for (const h of this.restartTimers.values()) this.clock.clearTimeout(h);
    this.restartTimers.clear();
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function portBindings(map: HostConfig["PortBindings"]): PortBinding[] {
  const out: PortBinding[] = [];
  for (const [key, binds] of Object.entries(map ?? {})) {
    const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(key);
    if (!m) throw badRequest(`invalid port specification: "${key}"`);
    if (m[2] === "sctp") throw badRequest(`sctp ports are not supported: "${key}"`);
    for (const b of binds ?? [{}]) {
      const hostPort = b.HostPort ? Number(b.HostPort) : 0;
      if (!Number.isInteger(hostPort) || hostPort < 0 || hostPort > 65535) throw badRequest(`invalid host port: "${b.HostPort}"`);
      out.push({ hostIp: b.HostIp || "0.0.0.0", hostPort, containerPort: Number(m[1]), protocol: (m[2] ?? "tcp") as "tcp" | "udp" });
    }
  }
  return out;
}

const num = (v: unknown, what: string): number => {
  if (v === undefined || v === null) return 0;
  if (typeof v !== "number" || !Number.isFinite(v)) throw badRequest(`${what} must be a number`);
  return v;
};

/**
 * The runtime names a container may ask for: all are gantry-runtime (runc-compatible), and the name asked for is kept
 * and shown; "runc" and containerd's name for it are accepted because compose files and clients name them.
 */
export const RUNTIME_NAMES = ["gantry", "runc", "io.containerd.runc.v2"] as const;

/** HostConfig as given, with Docker's defaults filled in and the limits checked. */
export function normalizeHostConfig(h: Partial<HostConfig>): HostConfig {
  if (typeof h !== "object" || Array.isArray(h)) throw badRequest("HostConfig must be an object");
  const rp = (h.RestartPolicy ?? { Name: "", MaximumRetryCount: 0 }) as RestartPolicy;
  if (!["", "no", "always", "unless-stopped", "on-failure"].includes(rp.Name ?? "")) throw badRequest(`invalid restart policy: unknown policy '${rp.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  if (rp.MaximumRetryCount && rp.Name !== "on-failure") throw badRequest(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  if ((rp.MaximumRetryCount ?? 0) < 0) throw badRequest("invalid restart policy: maximum retry count cannot be negative");
  if (h.AutoRemove && rp.Name && rp.Name !== "no") throw badRequest("conflicting options: cannot specify both --restart and --rm");
  const memory = num(h.Memory, "Memory");
  if (memory && memory < 6 << 20) throw badRequest("Minimum memory limit allowed is 6MB");
  const swap = num(h.MemorySwap, "MemorySwap");
  if (memory && swap > 0 && swap < memory) throw badRequest("Minimum memoryswap limit should be larger than memory limit, see usage");
  if (!memory && swap > 0) throw badRequest("You should always set the Memory limit when using Memoryswap limit, see usage");
  const nano = num(h.NanoCpus, "NanoCpus");
  const ncpu = readFileSafe("/proc/cpuinfo").split("\n").filter((l) => l.startsWith("processor")).length || 1;
  if (nano && (nano < 1e7 || nano > ncpu * 1e9)) throw badRequest(`Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`);
  if (h.CpusetCpus && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(h.CpusetCpus)) throw badRequest(`Invalid value ${h.CpusetCpus} for cpuset cpus`);
  const shm = num(h.ShmSize, "ShmSize");
  if (shm < 0) throw badRequest("SHM size can not be less than 0");
  for (const field of ["GroupAdd", "Links"] as const) {
    const v = h[field];
    if (v !== undefined && v !== null && (!Array.isArray(v) || v.some((x) => typeof x !== "string"))) throw badRequest(`HostConfig.${field} must be a list of strings`);
  }
  const netMode = typeof h.NetworkMode === "string" && h.NetworkMode ? h.NetworkMode : "default";
  const runtime = h.Runtime === undefined || h.Runtime === null || h.Runtime === "" ? RUNTIME_NAMES[0] : h.Runtime;
  if (!(RUNTIME_NAMES as readonly unknown[]).includes(runtime)) throw badRequest(`Unknown runtime specified ${String(runtime)}`);
  const rtRuntime = num(h.CpuRealtimeRuntime, "CpuRealtimeRuntime");
  const rtPeriod = num(h.CpuRealtimePeriod, "CpuRealtimePeriod");
  if (rtPeriod && rtRuntime > rtPeriod) throw badRequest("cpu real-time runtime cannot be higher than cpu real-time period");
  return {
    ...h,
    Binds: h.Binds ?? null,
    NetworkMode: netMode,
    PortBindings: h.PortBindings ?? {},
    RestartPolicy: { Name: rp.Name ?? "", MaximumRetryCount: rp.MaximumRetryCount ?? 0 },
    AutoRemove: !!h.AutoRemove,
    VolumesFrom: h.VolumesFrom ?? null,
    CapAdd: h.CapAdd ?? null,
    CapDrop: h.CapDrop ?? null,
    Privileged: !!h.Privileged,
    ReadonlyRootfs: !!h.ReadonlyRootfs,
    ExtraHosts: h.ExtraHosts ?? null,
    ShmSize: shm || 64 << 20,
    CpuShares: num(h.CpuShares, "CpuShares"),
    NanoCpus: nano,
    CpuPeriod: num(h.CpuPeriod, "CpuPeriod"),
    CpuQuota: num(h.CpuQuota, "CpuQuota"),
    CpusetCpus: h.CpusetCpus ?? "",
    CpusetMems: h.CpusetMems ?? "",
    CpuRealtimeRuntime: rtRuntime,
    CpuRealtimePeriod: rtPeriod,
    Runtime: runtime,
    Memory: memory,
    MemoryReservation: num(h.MemoryReservation, "MemoryReservation"),
    MemorySwap: swap,
    PidsLimit: h.PidsLimit ?? null,
    Ulimits: h.Ulimits ?? null,
    OomKillDisable: h.OomKillDisable ?? false,
    Init: h.Init ?? null,
    LogConfig: normalizeLogConfig(h.LogConfig),
  };
}

