// The agent's side of the command protocol: each command is mapped onto the same ContainerService / ImageService calls
// the Docker-compatible Engine API makes, so a rule (name conflicts, image in use, stop grace) lives in one place.
// Failures come back in the control plane's error vocabulary with the engine's own message.
import os from "node:os";
import { readFile, statfs } from "node:fs/promises";
import { GantryError } from "../../lib/errors";
import { inspectJson } from "../containers/inspect";
import { toCommandError } from "./errors";
import type { ContainerService } from "../containers/service";
import type { ContainerRecord } from "../containers/types";
import type { CreateRequest } from "../containers/create-request";
import type { ImageService } from "../images/image-service";
import type { EventBus } from "../events";
import type { NetworkService } from "../network/network-service";
import type { NetworkInfo } from "../network/types";
import type { VolumeInfo, VolumeService } from "../volumes/volume-service";
import { connectNetwork, disconnectNetwork } from "../containers/network-attachment";
import { applyBindRules, type BindRules } from "./bind-rules";
import type { AgentMetrics } from "../metrics";
import {
  CommandRequest,
  HostCommand,
  UNKNOWN_KIND_REPLY,
  type CommandReply,
  type ContainerSummary,
  type HostMetrics,
  type ImagePruneResult,
  type ImageSummary,
  type NetworkSummary,
  type RunSpec,
  type VolumePruneResult,
  type VolumeSummary,
} from "../../lib/protocol/commands";

export interface CommandDeps {
  containers: ContainerService;
  images: ImageService;
  /** The directory whose filesystem host.metrics reports as "disk" (GANTRY_ROOT). */
  root: string;
  /** What binds this host accepts from the control plane (agent/commands/bind-rules.ts). */
  binds: BindRules;
  /** The network engine (null when it could not start on this host), the volume engine and the event bus the
   * Engine API's `docker events` reads: changes made by commands are published there too. Absent: those commands
   * answer that this agent serves no networks or volumes. */
  networks?: () => Promise<NetworkService | null>;
  volumes?: VolumeService;
  events?: EventBus;
  /** The agent's Prometheus metrics (agent/metrics.ts); absent: host.prometheus answers that this agent has none. */
  metrics?: AgentMetrics;
  now?: () => number;
}

export function containerSummary(r: ContainerRecord): ContainerSummary {
  const ports: ContainerSummary["ports"] = [];
  for (const [key, binds] of Object.entries(r.Ports ?? {})) {
    const [port, proto] = key.split("/");
    if (!binds) ports.push({ container: Number(port), protocol: proto ?? "tcp", host: null, hostIp: null });
    else for (const b of binds) ports.push({ container: Number(port), protocol: proto ?? "tcp", host: Number(b.HostPort), hostIp: b.HostIp || null });
  }
  const s = r.State;
  const time = (t: string) => (t && !t.startsWith("0001-") ? t : null);
  return {
    id: r.Id,
    name: r.Name.replace(/^\//, ""),
    image: r.Config.Image,
    imageId: r.Image,
    command: [r.Path, ...r.Args].join(" "),
    state: s.Status,
    createdAt: r.Created,
    startedAt: time(s.StartedAt),
    finishedAt: time(s.FinishedAt),
    exitCode: r.HasBeenStarted && !s.Running ? s.ExitCode : null,
    labels: r.Config.Labels ?? {},
    ports,
  };
}

export function imageSummary(i: Awaited<ReturnType<ImageService["list"]>>[number]): ImageSummary {
  return {
    id: i.id,
    repoTags: i.repoTags,
    repoDigests: i.repoDigests,
    sizeBytes: i.size,
    createdAt: i.created ? new Date(i.created * 1000).toISOString() : null,
  };
}

/** A network as the control plane shows it: attached containers by name, built-in ones marked. */
export function networkSummary(n: NetworkInfo, builtin: boolean): NetworkSummary {
  return {
    id: n.id,
    name: n.name,
    driver: n.driver,
    builtin,
    internal: n.internal,
    subnet: n.subnet,
    gateway: n.gateway,
    createdAt: n.created,
    labels: n.labels,
    containers: Object.entries(n.containers)
      .map(([id, c]) => ({ id, name: c.name, ipv4: c.ipv4 }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** A volume as the control plane shows it: its size on disk and the names of the containers that use it. */
export async function volumeSummary(v: VolumeInfo, volumes: VolumeService, containers: ContainerService): Promise<VolumeSummary> {
  const sizeBytes = await volumes.usage(v.name).catch(() => null);
  const users = v.usedBy.map((id) => {
    const name = containers.has(id) ? containers.get(id).Name.replace(/^\//, "") : id.slice(0, 12);
    return { id, name };
  });
  return {
    name: v.name,
    driver: v.driver,
    createdAt: v.createdAt,
    labels: v.labels,
    mountpoint: v.mountpoint,
    anonymous: v.anonymous,
    sizeBytes,
    containers: users.sort((a, b) => a.name.localeCompare(b.name)),
  };
}

async function networkEngine(deps: CommandDeps): Promise<NetworkService> {
  const net = deps.networks ? await deps.networks() : null;
  if (!net) throw new GantryError("unavailable", "the network engine is not available on this host (see the agent's log)");
  return net;
}

function volumeEngine(deps: CommandDeps): VolumeService {
  if (!deps.volumes) throw new GantryError("unavailable", "this agent serves no volumes");
  return deps.volumes;
}

async function listNetworks(net: NetworkService): Promise<NetworkSummary[]> {
  const builtin = new Set((await net.list({ type: ["builtin"] })).map((n) => n.id));
  return (await net.list()).map((n) => networkSummary(n, builtin.has(n.id)));
}

/** A RunSpec's healthcheck in the Engine API's terms (durations in nanoseconds; 0 leaves the image's). */
function healthcheck(h: NonNullable<RunSpec["healthcheck"]>): Record<string, unknown> {
  const ns = (s: number | undefined) => (s === undefined ? 0 : Math.round(s * 1e9));
  return { Test: h.test, Interval: ns(h.intervalSeconds), Timeout: ns(h.timeoutSeconds), StartPeriod: ns(h.startPeriodSeconds), Retries: h.retries ?? 0 };
}

/** The container engine's create request for a RunSpec (what `docker run` would ask for); the protocol's schema checked its shape. */
export function createRequest(spec: RunSpec): CreateRequest {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of spec.ports ?? []) {
    const key = `${p.container}/${p.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.hostIp ?? "", HostPort: p.host ? String(p.host) : "" });
  }
  return {
    Image: spec.image,
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels ?? {},
    ...(spec.workdir ? { WorkingDir: spec.workdir } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    ...(spec.hostname ? { Hostname: spec.hostname } : {}),
    ...(spec.interactive ? { OpenStdin: true, AttachStdin: true, StdinOnce: false } : {}),
    ...(spec.tty ? { Tty: true } : {}),
    ...(spec.healthcheck ? { Healthcheck: healthcheck(spec.healthcheck) } : {}),
    ...(spec.networks?.length ? { NetworkingConfig: { EndpointsConfig: Object.fromEntries(spec.networks.map((n) => [n, {}])) } } : {}),
    ExposedPorts: exposed,
    HostConfig: {
      PortBindings: bindings,
      Binds: (spec.volumes ?? []).map((v) => `${v.source}:${v.target}${v.readOnly ? ":ro" : ""}`),
      ...(spec.memoryBytes !== undefined ? { Memory: spec.memoryBytes } : {}),
      ...(spec.cpus !== undefined ? { NanoCpus: Math.round(spec.cpus * 1e9) } : {}),
      ...(spec.pidsLimit !== undefined ? { PidsLimit: spec.pidsLimit } : {}),
      ...(spec.restartPolicy ? { RestartPolicy: { Name: spec.restartPolicy.name, MaximumRetryCount: spec.restartPolicy.maxRetries ?? 0 } } : {}),
      ...(spec.network ? { NetworkMode: spec.network } : {}),
    },
  };
}

async function cpuTimes(): Promise<{ idle: number; total: number }> {
  const line = (await readFile("/proc/stat", "utf8")).split("\n")[0]!;
  const n = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  return { idle, total: n.reduce((a, b) => a + b, 0) };
}

async function hostMetrics(root: string, now: () => number): Promise<HostMetrics> {
  const a = await cpuTimes();
  await new Promise((r) => setTimeout(r, 200));
  const b = await cpuTimes();
  const busy = b.total - a.total - (b.idle - a.idle);
  const mem = Object.fromEntries(
    (await readFile("/proc/meminfo", "utf8")).split("\n").map((l) => {
      const m = /^(\w+):\s+(\d+)/.exec(l);
      return m ? [m[1], Number(m[2]) * 1024] : ["", 0];
    }),
  ) as Record<string, number>;
  const fs = await statfs(root);
  const [l1, l5, l15] = os.loadavg();
  return {
    at: new Date(now()).toISOString(),
    cpuPercent: b.total > a.total ? Math.round((busy / (b.total - a.total)) * 1000) / 10 : 0,
    load: [l1!, l5!, l15!],
    memory: { totalBytes: mem.MemTotal ?? 0, usedBytes: (mem.MemTotal ?? 0) - (mem.MemAvailable ?? 0) },
    disk: { path: root, totalBytes: fs.blocks * fs.bsize, usedBytes: (fs.blocks - fs.bfree) * fs.bsize },
  };
}

export async function runCommand(deps: CommandDeps, cmd: HostCommand): Promise<unknown> {
  const { containers, images } = deps;
  switch (cmd.kind) {
    case "container.list": {
      const all = containers.list().filter((r) => cmd.all || r.State.Running || r.State.Restarting);
      return all.map(containerSummary);
    }
    case "container.inspect": {
      const r = containers.get(cmd.id);
      return inspectJson(r, containers.logPath(r.Id));
    }
    case "container.run": {
      // Binds are checked (symlinks resolved) before anything is created, and their real paths are what is mounted.
      const spec = applyBindRules(cmd.spec, deps.binds);
      const { Id, Warnings } = await containers.createContainer(createRequest(spec), spec.name ?? null);
      // The control plane's run means "running, or not run at all": a container that cannot start (a port taken, a
      // missing command) is removed with its anonymous volumes, so a retry under the same name does not conflict
      // (`docker run` leaves it created instead).
      try {
        await containers.start(Id);
      } catch (e) {
        await containers.remove(Id, { force: true, volumes: true }).catch((removeError: unknown) => {
          if (e instanceof Error) e.message += ` (the created container ${Id.slice(0, 12)} could not be removed: ${(removeError as Error).message})`;
        });
        throw e;
      }
      return { id: Id, warnings: Warnings, container: containerSummary(containers.get(Id)) };
    }
    case "container.start":
      return { id: containers.get(cmd.id).Id, changed: (await containers.start(cmd.id)) === "started" };
    case "container.stop":
      return { id: containers.get(cmd.id).Id, changed: (await containers.stop(cmd.id, cmd.timeoutSeconds)) === "stopped" };
    case "container.restart":
      await containers.restart(cmd.id, cmd.timeoutSeconds);
      return { id: containers.get(cmd.id).Id, changed: true };
    case "container.kill":
      await containers.kill(cmd.id, cmd.signal ?? "KILL");
      return { id: containers.get(cmd.id).Id, changed: true };
    case "container.pause":
      await containers.pause(cmd.id);
      return { id: containers.get(cmd.id).Id, changed: true };
    case "container.unpause":
      await containers.unpause(cmd.id);
      return { id: containers.get(cmd.id).Id, changed: true };
    case "container.remove": {
      const id = containers.get(cmd.id).Id;
      await containers.remove(cmd.id, { force: cmd.force, volumes: cmd.volumes });
      return { id, changed: true };
    }
    case "container.rename": {
      const id = containers.get(cmd.id).Id;
      await containers.rename(id, cmd.name);
      return { id, name: cmd.name.replace(/^\//, ""), changed: true };
    }
    case "image.list":
      return (await images.list()).map(imageSummary);
    case "image.tag":
      await images.tag(cmd.source, cmd.target);
      return { source: cmd.source, target: cmd.target };
    case "image.remove":
      return await images.remove(cmd.ref, { force: cmd.force });
    case "image.prune": {
      const r = await images.prune({ all: cmd.all ?? false });
      return { deleted: r.deleted, untagged: r.untagged, spaceReclaimedBytes: r.spaceReclaimed } satisfies ImagePruneResult;
    }
    case "host.prometheus":
      if (!deps.metrics) throw new GantryError("unavailable", "this agent keeps no Prometheus metrics");
      return { text: await deps.metrics.render() };
    case "host.metrics":
      return hostMetrics(deps.root, deps.now ?? Date.now);
    case "network.list":
      return listNetworks(await networkEngine(deps));
    case "network.create": {
      const net = await networkEngine(deps);
      const { name, subnet, gateway, internal, labels } = cmd.spec;
      const n = await net.create(name, { driver: "bridge", internal: internal ?? false, labels: labels ?? {}, ...(subnet ? { subnet } : {}), ...(gateway ? { gateway } : {}) });
      deps.events?.publish("network", "create", n.id, { name: n.name, type: n.driver });
      return networkSummary(n, false);
    }
    case "network.remove": {
      const net = await networkEngine(deps);
      const n = await net.inspect(cmd.network);
      await net.remove(n.id);
      deps.events?.publish("network", "destroy", n.id, { name: n.name, type: n.driver });
      return { id: n.id, name: n.name, changed: true };
    }
    case "network.connect":
    case "network.disconnect": {
      const net = await networkEngine(deps);
      const change =
        cmd.kind === "network.connect"
          ? await connectNetwork(containers, net, cmd.network, cmd.container, cmd.aliases ? { Aliases: cmd.aliases } : undefined)
          : await disconnectNetwork(containers, net, cmd.network, cmd.container);
      const verb = cmd.kind === "network.connect" ? "connect" : "disconnect";
      deps.events?.publish("network", verb, change.network.id, { container: change.containerId, name: change.network.name, type: change.network.driver });
      return { network: change.network.name, container: change.containerName, containerId: change.containerId, changed: true };
    }
    case "volume.list": {
      const vols = volumeEngine(deps);
      return Promise.all((await vols.list()).map((v) => volumeSummary(v, vols, containers)));
    }
    case "volume.create": {
      const vols = volumeEngine(deps);
      const v = await vols.create(cmd.spec.name, { driver: "local", labels: cmd.spec.labels ?? {} });
      deps.events?.publish("volume", "create", v.name, { driver: v.driver });
      return volumeSummary(v, vols, containers);
    }
    case "volume.remove": {
      const vols = volumeEngine(deps);
      await vols.remove(cmd.name, { force: cmd.force });
      deps.events?.publish("volume", "destroy", cmd.name, { driver: "local" });
      return { name: cmd.name, changed: true };
    }
    case "volume.prune": {
      const vols = volumeEngine(deps);
      const r = await vols.prune({ all: cmd.all ?? false });
      for (const name of r.deleted) deps.events?.publish("volume", "destroy", name, { driver: "local" });
      return { deleted: r.deleted, spaceReclaimedBytes: r.spaceReclaimed } satisfies VolumePruneResult;
    }
  }
}

/** The kinds this agent knows, for a clear answer to a command a newer control plane sends. */
const KNOWN_KINDS = new Set<string>(HostCommand.options.map((o) => o.shape.kind.value));

/** Parses a request, refuses one past its deadline, runs it, and always produces a reply (never throws). */
export async function handleCommandRequest(deps: CommandDeps, raw: unknown, log: (msg: string) => void): Promise<CommandReply> {
  const parsed = CommandRequest.safeParse(raw);
  const id = typeof (raw as { id?: unknown })?.id === "string" ? (raw as { id: string }).id.slice(0, 64) : "";
  if (!parsed.success) {
    const kind = (raw as { command?: { kind?: unknown } })?.command?.kind;
    if (typeof kind === "string" && !KNOWN_KINDS.has(kind)) {
      // Same opening as zod's own message for an unknown kind, which agents before this one send: the control plane
      // recognises both (lib/fleet/dispatch-command.ts).
      return { id, ok: false, error: { code: "bad_request", message: `${UNKNOWN_KIND_REPLY}this agent does not know "${kind.slice(0, 64)}"` } };
    }
    return { id, ok: false, error: { code: "bad_request", message: `invalid command: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(payload)"}: ${i.message}`).join("; ")}` } };
  }
  const req = parsed.data;
  if (Date.parse(req.deadline) < (deps.now ?? Date.now)()) {
    return { id, ok: false, error: { code: "unavailable", message: `${req.command.kind} arrived after its deadline and was not run` } };
  }
  try {
    return { id, ok: true, result: (await runCommand(deps, req.command)) ?? null };
  } catch (e) {
    const { code, message, internal } = toCommandError(e);
    if (internal) log(`command ${req.command.kind} failed: ${(e as Error)?.stack ?? String(e)}`);
    return { id, ok: false, error: { code, message: message.slice(0, 4096) } };
  }
}

/** The host's containers and images in full, as the control plane's inventory stores them. */
export async function inventorySnapshot(deps: Pick<CommandDeps, "containers" | "images">): Promise<{ containers: ContainerSummary[]; images: ImageSummary[] }> {
  return { containers: deps.containers.list().map(containerSummary), images: (await deps.images.list()).map(imageSummary) };
}
