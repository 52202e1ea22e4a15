// The OCI bundle of a container, with Docker's defaults: its capability set, its default seccomp profile, masked and
// read-only /proc paths, /dev/shm of --shm-size, the agent-written /etc/hosts, /etc/hostname and /etc/resolv.conf,
// cgroup limits from HostConfig (--cpu-shares, --cpus, --cpuset-cpus, -m, --memory-swap, --pids-limit), and --ulimit.
import { readFileSync } from "node:fs";
import { badRequest } from "../../lib/errors";
import { readFileInRoot } from "../rootfs/path";
import { lookupGroup, lookupUser, UserLookupError } from "../rootfs/users";
import { toOciMounts } from "../volumes/mounts";
import { defaultSeccompProfile } from "./seccomp-default";
import type { ContainerRecord, HostConfig } from "./types";

export const DEFAULT_CAPS = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
  "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
];

const ALL_CAPS = [
  ...DEFAULT_CAPS, "CAP_DAC_READ_SEARCH", "CAP_LINUX_IMMUTABLE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_IPC_LOCK",
  "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
  "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_LEASE", "CAP_AUDIT_CONTROL",
  "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
  "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
];

const MASKED_PATHS = [
  "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
  "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
];
const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

const RLIMITS: Record<string, string> = {
  core: "RLIMIT_CORE", cpu: "RLIMIT_CPU", data: "RLIMIT_DATA", fsize: "RLIMIT_FSIZE", locks: "RLIMIT_LOCKS",
  memlock: "RLIMIT_MEMLOCK", msgqueue: "RLIMIT_MSGQUEUE", nice: "RLIMIT_NICE", nofile: "RLIMIT_NOFILE", nproc: "RLIMIT_NPROC",
  rss: "RLIMIT_RSS", rtprio: "RLIMIT_RTPRIO", rttime: "RLIMIT_RTTIME", sigpending: "RLIMIT_SIGPENDING", stack: "RLIMIT_STACK",
  as: "RLIMIT_AS",
};

/** "NET_ADMIN" / "CAP_NET_ADMIN" / "ALL" → canonical names. */
function capabilities(add: string[] | null, drop: string[] | null, privileged: boolean): string[] {
  if (privileged) return ALL_CAPS;
  const norm = (c: string) => {
    const up = c.toUpperCase();
    const name = up === "ALL" ? up : up.startsWith("CAP_") ? up : `CAP_${up}`;
    if (name !== "ALL" && !ALL_CAPS.includes(name)) throw badRequest(`invalid capability: ${c}`);
    return name;
  };
  const adds = (add ?? []).map(norm);
  const drops = (drop ?? []).map(norm);
  let caps = adds.includes("ALL") ? [...ALL_CAPS] : [...DEFAULT_CAPS, ...adds];
  caps = drops.includes("ALL") ? caps.filter((c) => adds.includes(c)) : caps.filter((c) => !drops.includes(c));
  return [...new Set(caps)];
}

function openFilesLimit(): { soft: number; hard: number } {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (m) {
      const n = (v: string) => (v === "unlimited" ? 1048576 : Number(v));
      return { soft: n(m[1]!), hard: n(m[2]!) };
    }
  } catch {
    /* fall through */
  }
  return { soft: 1024, hard: 1024 };
}

export interface BundleContext {
  rootfs: string;
  /** The network namespace to join; null: the host's (`--network host`). */
  netnsPath: string | null;
  /** IPC and UTS namespaces to join (`IpcMode`/`UTSMode` "container:<id>": a pod's containers join its sandbox's). */
  joinNamespaces?: { ipc?: string; uts?: string };
  files: { hosts: string; hostname: string; resolvConf: string };
  cgroupsPath: string;
  process?: { args: string[]; terminal: boolean };
  /** Variables of legacy links (DB_PORT=tcp://…, DB_NAME, DB_ENV_…); the container's own Env wins over them. */
  linkEnv?: string[];
}

/**
 * The process identity `Config.User` names, looked up in the container's own /etc/passwd and /etc/group, with the
 * groups of `HostConfig.GroupAdd` (names or gids) among its supplementary groups.
 */
export function resolveUser(rootfs: string, spec: string, groupAdd: string[] | null = null) {
  let id;
  try {
    id = lookupUser(rootfs, spec || "0", { supplementary: true });
  } catch (e) {
    if (e instanceof UserLookupError) throw badRequest(`unable to find user ${spec}: ${e.message}`);
    throw e;
  }
  const added = (groupAdd ?? []).map((g) => {
    const gid = typeof g === "string" ? lookupGroup(rootfs, g) : null;
    if (gid === null) throw badRequest(`Unable to find group ${g}: no matching entries in group file`);
    return gid;
  });
  return { ...id, additionalGids: [...new Set([...id.additionalGids, ...added])] };
}

/** The home directory /etc/passwd gives the uid ("/" when none). */
function homeOf(rootfs: string, uid: number): string {
  try {
    const line = readFileInRoot(rootfs, "/etc/passwd")
      .toString("utf8")
      .split("\n")
      .map((l) => l.split(":"))
      .find((f) => f.length >= 6 && Number(f[2]) === uid);
    return line?.[5] || "/";
  } catch {
    return "/";
  }
}

export function bundleConfig(rec: ContainerRecord, ctx: BundleContext) {
  const hc = rec.HostConfig;
  const user = resolveUser(ctx.rootfs, rec.Config.User, hc.GroupAdd as string[] | null | undefined);
  const caps = capabilities(hc.CapAdd, hc.CapDrop, hc.Privileged);
  const env = [...rec.Config.Env];
  const keyOf = (e: string) => (e.includes("=") ? e.slice(0, e.indexOf("=")) : e);
  const own = new Set(env.map(keyOf));
  for (const e of ctx.linkEnv ?? []) if (!own.has(keyOf(e))) env.push(e);
  if (!env.some((e) => e.startsWith("PATH="))) env.unshift("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  if (!env.some((e) => e.startsWith("HOSTNAME="))) env.push(`HOSTNAME=${rec.Config.Hostname}`);
  if (rec.Config.Tty && !env.some((e) => e.startsWith("TERM="))) env.push("TERM=xterm");
  if (!env.some((e) => e.startsWith("HOME="))) env.push(`HOME=${homeOf(ctx.rootfs, user.uid)}`);

  const nofile = openFilesLimit();
  const rlimits = new Map<string, { type: string; soft: number; hard: number }>([["RLIMIT_NOFILE", { type: "RLIMIT_NOFILE", ...nofile }]]);
  for (const u of hc.Ulimits ?? []) {
    const type = RLIMITS[u.Name];
    if (!type) throw badRequest(`invalid ulimit type: ${u.Name}`);
    if (u.Soft > u.Hard) throw badRequest(`ulimit ${u.Name}: soft limit ${u.Soft} is above the hard limit ${u.Hard}`);
    rlimits.set(type, { type, soft: u.Soft, hard: u.Hard });
  }

  const shm = hc.ShmSize > 0 ? hc.ShmSize : 64 << 20;
  const mounts = [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", `size=${shm}`] },
    ...toOciMounts(rec.Mounts),
    { destination: "/etc/resolv.conf", type: "bind", source: ctx.files.resolvConf, options: ["rbind", "rprivate"] },
    { destination: "/etc/hostname", type: "bind", source: ctx.files.hostname, options: ["rbind", "rprivate"] },
    { destination: "/etc/hosts", type: "bind", source: ctx.files.hosts, options: ["rbind", "rprivate"] },
  ];

  const resources = ociResources(hc);

  const join = ctx.joinNamespaces ?? {};
  const namespaces: { type: string; path?: string }[] = [
    { type: "pid" },
    join.ipc ? { type: "ipc", path: join.ipc } : { type: "ipc" },
    join.uts ? { type: "uts", path: join.uts } : { type: "uts" },
    { type: "mount" },
  ];
  if (ctx.netnsPath) namespaces.push({ type: "network", path: ctx.netnsPath });

  const args = ctx.process?.args ?? [rec.Path, ...rec.Args];
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: ctx.process?.terminal ?? rec.Config.Tty,
      user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) },
      args,
      env,
      cwd: rec.Config.WorkingDir || "/",
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [...rlimits.values()],
      noNewPrivileges: false,
      oomScoreAdj: 0,
    },
    root: { path: ctx.rootfs, readonly: hc.ReadonlyRootfs },
    // A joined uts namespace keeps the name its owner gave it.
    ...(join.uts ? {} : { hostname: rec.Config.Hostname }),
    mounts,
    linux: {
      namespaces,
      cgroupsPath: ctx.cgroupsPath,
      resources,
      ...(hc.Privileged ? {} : { seccomp: defaultSeccompProfile(), maskedPaths: MASKED_PATHS, readonlyPaths: READONLY_PATHS }),
    },
  };
}

/** The OCI linux.resources for a HostConfig's limits (at start, and for `docker update` on a live container). */
export function ociResources(hc: HostConfig): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  const cpu: Record<string, unknown> = {};
  if (hc.CpuShares) cpu.shares = hc.CpuShares;
  if (hc.NanoCpus) {
    cpu.period = 100000;
    cpu.quota = Math.round((hc.NanoCpus * 100000) / 1e9);
  } else if (hc.CpuQuota) {
    cpu.period = hc.CpuPeriod || 100000;
    cpu.quota = hc.CpuQuota;
  }
  if (hc.CpusetCpus) cpu.cpus = hc.CpusetCpus;
  if (hc.CpusetMems) cpu.mems = hc.CpusetMems;
  // Real-time scheduling budget (cgroup v1 cpu.rt_*): the runtime refuses it by name where the host has none.
  if (hc.CpuRealtimeRuntime) cpu.realtimeRuntime = hc.CpuRealtimeRuntime;
  if (hc.CpuRealtimePeriod) cpu.realtimePeriod = hc.CpuRealtimePeriod;
  if (Object.keys(cpu).length) resources.cpu = cpu;
  const memory: Record<string, unknown> = {};
  if (hc.Memory) {
    memory.limit = hc.Memory;
    // Docker: no --memory-swap means swap up to the memory limit again (limit*2); -1 is unlimited.
    memory.swap = hc.MemorySwap === -1 ? -1 : hc.MemorySwap > 0 ? hc.MemorySwap : hc.Memory * 2;
  }
  if (hc.MemoryReservation) memory.reservation = hc.MemoryReservation;
  if (hc.OomKillDisable) memory.disableOOMKiller = true;
  if (Object.keys(memory).length) resources.memory = memory;
  if (hc.PidsLimit && hc.PidsLimit > 0) resources.pids = { limit: hc.PidsLimit };
  return resources;
}
