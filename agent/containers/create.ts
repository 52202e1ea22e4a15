// Making a container from a CreateRequest (create-request.ts): the image's config merged under the request's (as
// dockerd merges it), HostConfig's rules applied, the network it is created on and its links resolved, its name
// taken before the first await (and given back if it is not made), a snapshot of the image for its root
// filesystem, its mounts resolved, and its record written. The network is then prepared in the background.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { badRequest } from "../../lib/errors";
import type { Clock } from "../clock";
import type { ImageService } from "../images/image-service";
import { parseMac } from "../network/links";
import type { NetworkService } from "../network/network-service";
import type { SnapshotService } from "../snapshots/types";
import { fromApiMount, fromTmpfsMap, parseVolumeFlag, parseVolumesFrom, type ApiMount, type MountRequest, type ResolvedMount } from "../volumes/mounts";
import type { VolumeService } from "../volumes/volume-service";
import { normalizeHostConfig, type CreateRequest } from "./create-request";
import { BUILTIN_NETWORKS, normalizeEndpointConfig, parseLink } from "./endpoints";
import { mergeHealthcheck } from "./health";
import { validateName } from "./names";
import type { ContainerNetworking } from "./networking";
import { emptyState, type ContainerStore } from "./records";
import { parseSignal } from "./signals";
import type { ContainerConfig, ContainerRecord, LegacyLink } from "./types";

/** What a create takes from the agent itself only, never from a client of the Engine API. */
export interface CreateInternal {
  /** Mounts already resolved (host paths the agent made), added to what the request asks for. */
  mounts?: ResolvedMount[];
}

export interface CreateDeps {
  store: ContainerStore;
  net: ContainerNetworking;
  images: ImageService;
  snapshots: SnapshotService;
  networks: () => Promise<NetworkService | null>;
  volumes: VolumeService | null;
  clock: Clock;
}

/**
 * `internal`: what only the agent itself may ask for — mounts of directories it made under its own state (a pod's
 * volumes), which the bind rules would rightly refuse from anyone else.
 */
export async function createContainer(deps: CreateDeps, req: CreateRequest, nameParam: string | null, internal: CreateInternal = {}): Promise<{ Id: string; Warnings: string[] }> {
  const id = randomBytes(32).toString("hex");
  // The name is taken now, before the first await, and given back if the container is not made.
  let name: string;
  if (nameParam) {
    name = validateName(nameParam);
    deps.store.names.claim(name, id);
  } else name = deps.store.names.claimGenerated(id);
  try {
    return await createNamed(deps, req, id, name, internal);
  } catch (e) {
    deps.store.names.release(name, id);
    throw e;
  }
}

async function createNamed(deps: CreateDeps, req: CreateRequest, id: string, name: string, internal: CreateInternal): Promise<{ Id: string; Warnings: string[] }> {
  const imageRef = req.Image;
  const imageId = await deps.images.resolve(imageRef);
  const detail = await deps.images.inspect(imageId);
  const image = detail.config.config ?? {};
  const hc = normalizeHostConfig(req.HostConfig ?? {});

  let entrypoint = req.Entrypoint ?? null;
  const entrypointGiven = entrypoint !== null;
  if (entrypoint && entrypoint.length === 1 && entrypoint[0] === "") entrypoint = [];
  if (!entrypointGiven) entrypoint = image.Entrypoint ?? null;
  let cmd = req.Cmd ?? null;
  if (cmd === null && !entrypointGiven) cmd = image.Cmd ?? null;
  const argv = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (argv.length === 0) throw badRequest("No command specified");

  const env = new Map<string, string>();
  for (const e of [...(image.Env ?? []), ...(req.Env ?? [])]) {
    const eq = e.indexOf("=");
    env.set(eq < 0 ? e : e.slice(0, eq), e);
  }
  const labels = { ...((image as { Labels?: Record<string, string> }).Labels ?? {}), ...(req.Labels ?? {}) };
  const config: ContainerConfig = {
    // With --network host the container takes the host's name, as under dockerd.
    Hostname: req.Hostname ? req.Hostname : hc.NetworkMode === "host" ? hostname() : id.slice(0, 12),
    Domainname: req.Domainname ?? "",
    User: req.User ? req.User : (image.User ?? ""),
    AttachStdin: !!req.AttachStdin,
    AttachStdout: !!req.AttachStdout,
    AttachStderr: !!req.AttachStderr,
    ExposedPorts: { ...(image.ExposedPorts ?? {}), ...(req.ExposedPorts ?? {}) },
    Tty: !!req.Tty,
    OpenStdin: !!req.OpenStdin,
    StdinOnce: !!req.StdinOnce,
    Env: [...env.values()],
    Cmd: cmd,
    Image: imageRef,
    Volumes: { ...((image as { Volumes?: Record<string, object> }).Volumes ?? {}), ...(req.Volumes ?? {}) },
    WorkingDir: req.WorkingDir ? req.WorkingDir : (image.WorkingDir ?? ""),
    Entrypoint: entrypoint,
    Labels: labels,
    ...(req.StopSignal !== undefined ? { StopSignal: req.StopSignal } : image.StopSignal ? { StopSignal: image.StopSignal } : {}),
    ...(req.StopTimeout !== undefined ? { StopTimeout: req.StopTimeout } : {}),
    ...(req.MacAddress ? { MacAddress: parseMac(req.MacAddress) } : {}),
  };
  const healthcheck = mergeHealthcheck(req.Healthcheck, (image as { Healthcheck?: unknown }).Healthcheck);
  if (healthcheck) config.Healthcheck = healthcheck;
  const shell = req.Shell ?? (image as { Shell?: string[] }).Shell ?? null;
  if (shell?.length) config.Shell = shell;
  if (config.StopSignal) parseSignal(config.StopSignal);
  if (config.WorkingDir && !config.WorkingDir.startsWith("/")) throw badRequest(`the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`);
  for (const b of hc.Ulimits ?? []) if (!b || typeof b.Name !== "string") throw badRequest("invalid ulimit");
  const mode = hc.NetworkMode;
  // The network it is created on, by name: inspect shows it (and its settings) before the container ever runs.
  let primary: string | null = null;
  if (mode.startsWith("container:")) deps.store.get(mode.slice("container:".length));
  else if (mode !== "default" && !BUILTIN_NETWORKS.includes(mode)) {
    const net = await deps.networks();
    if (!net) throw badRequest("networking is not available on this agent (the network engine did not start)");
    primary = (await net.inspect(mode)).name;
  } else primary = mode === "default" ? "bridge" : mode;
  const given = req.NetworkingConfig?.EndpointsConfig ?? {};
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
      child = deps.store.get(target);
    } catch {
      throw badRequest(`could not get container for ${target}: No such container: ${target}`);
    }
    legacyLinks.push({ Id: child.Id, Alias: alias });
  }
  const rec: ContainerRecord = {
    Id: id,
    Created: new Date(deps.clock.now()).toISOString(),
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
  deps.store.makeDir(id);
  try {
    const snap = await deps.snapshots.prepare(id, imageId, { labels: { "gantry.container": id }, layers: detail.layers });
    rec.Rootfs = snap.rootfs;
    rec.Mounts = [...(await resolveMounts(deps, rec)), ...(internal.mounts ?? [])];
    if (deps.volumes) await deps.volumes.populateFromImage(rec.Mounts, snap.rootfs);
    deps.store.add(rec);
  } catch (e) {
    await deps.snapshots.remove(id).catch(() => {});
    if (deps.volumes) await deps.volumes.releaseContainer(id, { removeAnonymous: true }).catch(() => {});
    deps.store.discard(id);
    throw e;
  }
  deps.store.emit(rec, "create");
  deps.net.prepare(rec);
  return { Id: id, Warnings: [] };
}

async function resolveMounts(deps: CreateDeps, rec: ContainerRecord): Promise<ResolvedMount[]> {
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
    for (const m of deps.store.get(container).Mounts) {
      if (m.type === "tmpfs") continue;
      inherit.push({ ...m, readOnly: mode === null ? m.readOnly : mode === "ro" });
    }
  }
  if (!requests.length && !inherit.length) return [];
  if (!deps.volumes) throw badRequest("volumes are not available on this agent");
  return deps.volumes.resolveMounts(rec.Id, requests, { inherit });
}
