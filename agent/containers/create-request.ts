// What a create asks for, typed: the request both adapters translate into — the Engine API parses a client's JSON
// body with parseCreateRequest, the control plane's commands build one from their RunSpec (already checked by the
// protocol's schema), pods build one from a pod's container — and ContainerService.create takes. The shape is checked
// here once (parseCreateRequest, for bodies that arrive untyped); the rules (limits, restart policy, runtime names,
// HostConfig's defaults) in normalizeHostConfig, which create applies to every request whatever its source.
import { readFileSync } from "node:fs";
import { badRequest } from "../../lib/errors";
import { normalizeLogConfig } from "./log-config";
import type { HostConfig, RestartPolicy } from "./types";

export interface CreateRequest {
  Image: string;
  /** Replaces the image's ENTRYPOINT when given (and drops its CMD); `[""]` means none. */
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[];
  Labels?: Record<string, string>;
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object>;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  StopSignal?: string;
  StopTimeout?: number;
  MacAddress?: string;
  /** Checked against the image's own by mergeHealthcheck. */
  Healthcheck?: unknown;
  Shell?: string[];
  /** As given; normalizeHostConfig fills Docker's defaults in and checks the limits. */
  HostConfig?: Partial<HostConfig>;
  /** Endpoint settings per network, checked by normalizeEndpointConfig. */
  NetworkingConfig?: { EndpointsConfig?: Record<string, unknown> };
}

const strings = (v: unknown, what: string): string[] | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return [v];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw badRequest(`${what} must be a list of strings`);
  return v as string[];
};
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const object = <T>(v: unknown): T | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as T) : undefined);

/** A create body as a client sends it (Docker's JSON), checked for shape: what it gives of the wrong type is refused or, for the flags and texts dockerd also ignores, left out. */
export function parseCreateRequest(body: unknown): CreateRequest {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw badRequest("config cannot be empty in order to create a container");
  const b = body as Record<string, unknown>;
  if (typeof b.Image !== "string" || !b.Image) throw badRequest("config cannot be empty in order to create a container");
  const labels = (b.Labels ?? {}) as Record<string, unknown>;
  if (typeof labels !== "object" || Array.isArray(labels)) throw badRequest("Labels must be an object");
  for (const [k, v] of Object.entries(labels)) if (typeof v !== "string") throw badRequest(`label ${k}: the value must be a string`);
  const endpoints = (b.NetworkingConfig as { EndpointsConfig?: unknown } | undefined)?.EndpointsConfig;
  if (endpoints !== undefined && endpoints !== null && (typeof endpoints !== "object" || Array.isArray(endpoints))) throw badRequest("NetworkingConfig.EndpointsConfig must be an object");
  const hc = b.HostConfig ?? {};
  if (typeof hc !== "object" || hc === null || Array.isArray(hc)) throw badRequest("HostConfig must be an object");
  const req: CreateRequest = { Image: b.Image, Labels: labels as Record<string, string>, HostConfig: hc as Partial<HostConfig> };
  const entrypoint = strings(b.Entrypoint, "Entrypoint");
  if (entrypoint) req.Entrypoint = entrypoint;
  const cmd = strings(b.Cmd, "Cmd");
  if (cmd) req.Cmd = cmd;
  const env = strings(b.Env, "Env");
  if (env) req.Env = env;
  const shell = strings(b.Shell, "Shell");
  if (shell) req.Shell = shell;
  for (const k of ["Hostname", "Domainname", "User", "WorkingDir", "StopSignal", "MacAddress"] as const) {
    const v = text(b[k]);
    if (v !== undefined) req[k] = v;
  }
  for (const k of ["AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce"] as const) if (b[k] !== undefined) req[k] = !!b[k];
  const exposed = object<Record<string, object>>(b.ExposedPorts);
  if (exposed) req.ExposedPorts = exposed;
  const volumes = object<Record<string, object>>(b.Volumes);
  if (volumes) req.Volumes = volumes;
  if (typeof b.StopTimeout === "number") req.StopTimeout = b.StopTimeout;
  if (b.Healthcheck !== undefined) req.Healthcheck = b.Healthcheck;
  if (endpoints) req.NetworkingConfig = { EndpointsConfig: endpoints as Record<string, unknown> };
  return req;
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
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

