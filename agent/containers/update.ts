// `docker update` (POST /containers/{id}/update), as dockerd's daemon/update.go: the limits given (memory, swap,
// reservation, CPU shares/quota/period/cpus/cpuset, pids, blkio weight) and the restart policy replace the recorded
// ones — fields left at 0 keep theirs — after the checks dockerd makes (a 400 for a bad value, a 409 for a change
// that conflicts with what is set: NanoCpus against a CPU period or quota, a memory limit above the swap limit set
// before, a restart policy on an --rm container). A running or paused container gets the new limits at once, through
// `gantry-runtime update` on its cgroup (a failure there restores the record); a stopped one takes them at its next
// start. The answer carries dockerd's warnings for limits this host's cgroups cannot apply.
import { existsSync, readFileSync } from "node:fs";
import { badRequest, conflict, GantryError } from "../../lib/errors";
import { RuntimeError } from "../runtime/runtime";
import type { ContainerService } from "./service";
import { ociResources } from "./spec";
import type { HostConfig, RestartPolicy } from "./types";

const MIN_MEMORY = 6 << 20;

/** UpdateConfig: Docker's Resources plus RestartPolicy. */
interface UpdateRequest {
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  CpuShares?: number;
  NanoCpus?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  BlkioWeight?: number;
  PidsLimit?: number | null;
  OomKillDisable?: boolean | null;
  RestartPolicy?: Partial<RestartPolicy>;
}

const NUMBERS = ["Memory", "MemorySwap", "MemoryReservation", "CpuShares", "NanoCpus", "CpuPeriod", "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime", "BlkioWeight"] as const;

function parse(body: unknown): UpdateRequest {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw badRequest("the update must be a JSON object");
  const b = body as Record<string, unknown>;
  for (const k of NUMBERS) {
    const v = b[k];
    if (v !== undefined && v !== null && (typeof v !== "number" || !Number.isInteger(v))) throw badRequest(`${k} must be an integer`);
  }
  for (const k of ["CpusetCpus", "CpusetMems"] as const) if (b[k] !== undefined && b[k] !== null && typeof b[k] !== "string") throw badRequest(`${k} must be a string`);
  if (b.PidsLimit !== undefined && b.PidsLimit !== null && (typeof b.PidsLimit !== "number" || !Number.isInteger(b.PidsLimit))) throw badRequest("PidsLimit must be an integer");
  const rp = b.RestartPolicy;
  if (rp !== undefined && rp !== null && (typeof rp !== "object" || Array.isArray(rp))) throw badRequest("RestartPolicy must be an object");
  return b as UpdateRequest;
}

/** The number of CPUs (as dockerd's runtime.NumCPU: the processors in /proc/cpuinfo). */
function cpuCount(): number {
  try {
    return readFileSync("/proc/cpuinfo", "utf8").split("\n").filter((l) => l.startsWith("processor")).length || 1;
  } catch {
    return 1;
  }
}

/** The CPUs and memory nodes a cpuset may name ("0-3,5" → {0,1,2,3,5}). */
function cpuList(spec: string): Set<number> {
  const out = new Set<number>();
  for (const part of spec.trim().split(",").filter(Boolean)) {
    const [a, b] = part.split("-").map(Number);
    for (let i = a!; i <= (b ?? a!); i++) out.add(i);
  }
  return out;
}

function hostCpuset(file: "cpus" | "mems"): string {
  for (const p of [`/sys/fs/cgroup/cpuset/cpuset.${file}`, `/sys/fs/cgroup/cpuset.${file}.effective`]) {
    try {
      return readFileSync(p, "utf8").trim();
    } catch {
      /* the other layout */
    }
  }
  return "";
}

/** What this host's cgroups can limit (dockerd's sysinfo, the few an update can touch). */
function cgroupFeatures() {
  const v1 = existsSync("/sys/fs/cgroup/memory/memory.limit_in_bytes");
  let v2controllers = "";
  try {
    v2controllers = readFileSync("/sys/fs/cgroup/cgroup.controllers", "utf8");
  } catch {
    /* v1 */
  }
  return {
    swap: v1 ? existsSync("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") : /\bmemory\b/.test(v2controllers),
    pids: v1 ? existsSync("/sys/fs/cgroup/pids") : /\bpids\b/.test(v2controllers),
    oomKillDisable: v1,
  };
}

/** dockerd's verifyPlatformContainerResources for an update: a 400 for a bad value, warnings for what cannot apply. */
function verify(u: UpdateRequest, warnings: string[]) {
  const f = cgroupFeatures();
  const memory = u.Memory ?? 0;
  const swap = u.MemorySwap ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) throw badRequest("Minimum memory limit allowed is 6MB");
  if (memory > 0 && swap !== -1 && !f.swap) {
    warnings.push("Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.");
    u.MemorySwap = -1;
  }
  if (memory > 0 && swap > 0 && swap < memory) throw badRequest("Minimum memoryswap limit should be larger than memory limit, see usage");
  const reservation = u.MemoryReservation ?? 0;
  if (reservation > 0 && reservation < MIN_MEMORY) throw badRequest("Minimum memory reservation allowed is 6MB");
  if (memory > 0 && reservation > 0 && memory < reservation) throw badRequest("Minimum memory limit can not be less than memory reservation limit, see usage");
  if (u.OomKillDisable && !f.oomKillDisable) {
    warnings.push("Your kernel does not support OomKillDisable. OomKillDisable discarded.");
    u.OomKillDisable = null;
  }
  if (u.OomKillDisable && memory === 0) warnings.push("OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.");
  if (u.PidsLimit !== undefined && u.PidsLimit !== null && !f.pids) {
    if (u.PidsLimit > 0) warnings.push("Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. PIDs limit discarded.");
    u.PidsLimit = null;
  }
  const nano = u.NanoCpus ?? 0;
  if (nano > 0 && (u.CpuPeriod ?? 0) > 0) throw badRequest("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  if (nano > 0 && (u.CpuQuota ?? 0) > 0) throw badRequest("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  const n = cpuCount();
  if (nano !== 0 && (nano < 0 || nano > n * 1e9)) throw badRequest(`Range of CPUs is from 0.01 to ${n}.00, as there are only ${n} CPUs available`);
  const period = u.CpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1_000_000)) throw badRequest("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  if ((u.CpuQuota ?? 0) > 0 && u.CpuQuota! < 1000) throw badRequest("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  for (const [field, file, what] of [["CpusetCpus", "cpus", "CPUs"], ["CpusetMems", "mems", "memory nodes"]] as const) {
    const v = u[field];
    if (!v) continue;
    if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v)) throw badRequest(`Invalid value ${v} for cpuset ${file}`);
    const have = hostCpuset(file);
    if (have && [...cpuList(v)].some((c) => !cpuList(have).has(c))) throw badRequest(`Requested ${what} are not available - requested ${v}, available: ${have}`);
  }
  const blkio = u.BlkioWeight ?? 0;
  if (blkio > 0 && (blkio < 10 || blkio > 1000)) throw badRequest("Range of blkio weight is from 10 to 1000");
  const rp = u.RestartPolicy;
  if (rp?.Name !== undefined && rp.Name !== "") {
    const retries = rp.MaximumRetryCount ?? 0;
    if (rp.Name === "on-failure") {
      if (retries < 0) throw badRequest("invalid restart policy: maximum retry count cannot be negative");
    } else if (["always", "unless-stopped", "no"].includes(rp.Name)) {
      if (retries !== 0) throw badRequest(`invalid restart policy: maximum retry count can only be used with 'on-failure'${retries < 0 ? " and cannot be negative" : ""}`);
    } else {
      throw badRequest(`invalid restart policy: unknown policy '${rp.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
    }
  }
}

/** dockerd's Container.UpdateContainer: the given fields onto the recorded ones (a 409 for a conflicting change). */
function merge(hc: HostConfig, u: UpdateRequest, id: string): HostConfig {
  const refuse = (msg: string) => conflict(`Cannot update container ${id}: ${msg}`);
  const nano = u.NanoCpus ?? 0;
  if (nano > 0 && hc.CpuPeriod > 0) throw refuse("Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set");
  if (nano > 0 && hc.CpuQuota > 0) throw refuse("Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set");
  if ((u.CpuPeriod ?? 0) > 0 && hc.NanoCpus > 0) throw refuse("Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set");
  if ((u.CpuQuota ?? 0) > 0 && hc.NanoCpus > 0) throw refuse("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
  const next: HostConfig = { ...hc };
  for (const k of ["BlkioWeight", "CpuShares", "NanoCpus", "CpuPeriod", "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime", "MemoryReservation"] as const) {
    if (u[k]) next[k] = u[k];
  }
  if (u.CpusetCpus) next.CpusetCpus = u.CpusetCpus;
  if (u.CpusetMems) next.CpusetMems = u.CpusetMems;
  // The swap limit in force: dockerd records twice the memory limit at create when none is given; so does the runtime here.
  const swapNow = hc.MemorySwap || (hc.Memory > 0 ? hc.Memory * 2 : 0);
  if (u.Memory) {
    if (u.Memory > swapNow && !u.MemorySwap) throw refuse("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
    next.Memory = u.Memory;
    next.MemorySwap = swapNow;
  }
  if (u.MemorySwap) next.MemorySwap = u.MemorySwap;
  // 0 and negative both mean unlimited, as dockerd takes them.
  if (u.PidsLimit !== undefined && u.PidsLimit !== null) next.PidsLimit = u.PidsLimit > 0 ? u.PidsLimit : 0;
  const rp = u.RestartPolicy;
  if (rp?.Name) {
    if (hc.AutoRemove && rp.Name !== "no") throw refuse("Restart policy cannot be updated because AutoRemove is enabled for the container");
    next.RestartPolicy = { Name: rp.Name as RestartPolicy["Name"], MaximumRetryCount: rp.MaximumRetryCount ?? 0 };
  }
  return next;
}

export async function updateContainer(svc: ContainerService, ref: string, body: unknown): Promise<{ Warnings: string[] }> {
  const u = parse(body);
  const warnings: string[] = [];
  verify(u, warnings);
  const rec = svc.get(ref);
  if (rec.State.Status === "removing" || rec.State.Dead) throw conflict(`Cannot update container ${rec.Id}: container is marked for removal and cannot be "update"`);
  const before = rec.HostConfig;
  rec.HostConfig = merge(before, u, rec.Id);
  svc.persist(rec);
  // A container waiting to restart takes its new limits when it starts.
  if (rec.State.Running && !rec.State.Restarting) {
    const resources = ociResources(rec.HostConfig);
    // An unlimited pids limit is written as such (ociResources leaves it out, which would keep the old one).
    if (u.PidsLimit !== undefined && u.PidsLimit !== null && !(rec.HostConfig.PidsLimit! > 0)) resources.pids = { limit: -1 };
    try {
      await svc.runtime.update(rec.Id, resources);
    } catch (e) {
      rec.HostConfig = before;
      svc.persist(rec);
      const why = e instanceof RuntimeError ? e.reason : (e as Error).message;
      throw new GantryError("internal", `Cannot update container ${rec.Id}: ${why}`);
    }
  }
  svc.emit(rec, "update");
  return { Warnings: warnings };
}
