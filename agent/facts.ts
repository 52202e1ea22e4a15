// What the agent reports about its machine. Each fact is read from the system the way an operator would check it
// (os-release, uname, statfs of the agent's root, the cgroup mount), parsed by small pure functions.
import { runtimeVersion } from "./runtime/runtime";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { statfs } from "node:fs/promises";
import os from "node:os";
import type { HostFacts } from "../lib/protocol";

export interface FactSources {
  root: string;
  engineBinary: string;
  agentVersion: string;
}

export async function collectFacts(src: FactSources): Promise<HostFacts> {
  mkdirSync(src.root, { recursive: true });
  const fsStats = await statfs(src.root);
  return {
    hostname: os.hostname(),
    os: parseOsRelease(readFirst(["/etc/os-release", "/usr/lib/os-release"]) ?? ""),
    kernel: os.release(),
    arch: os.machine(),
    cpus: Math.max(1, os.availableParallelism()),
    memoryBytes: os.totalmem(),
    disk: { path: src.root, totalBytes: fsStats.blocks * fsStats.bsize, freeBytes: fsStats.bavail * fsStats.bsize },
    cgroupVersion: detectCgroupVersion(readFirst(["/proc/self/mountinfo"]) ?? ""),
    engineVersion: await runtimeVersion(src.engineBinary),
    agentVersion: src.agentVersion,
  };
}

function readFirst(paths: string[]): string | null {
  for (const p of paths) {
    try {
      return readFileSync(p, "utf8");
    } catch {
      /* try the next */
    }
  }
  return null;
}

/** os-release(5): KEY=value lines, values optionally quoted with shell escapes. */
export function parseOsRelease(text: string): HostFacts["os"] {
  const vars: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2];
    const q = v[0];
    if ((q === '"' || q === "'") && v.endsWith(q) && v.length >= 2) v = v.slice(1, -1);
    if (q === '"') v = v.replace(/\\(["\\`$])/g, "$1");
    vars[m[1]] = v;
  }
  const pick = (k: string) => (vars[k] ? vars[k].slice(0, 256) : null);
  return { id: pick("ID"), name: pick("NAME"), version: pick("VERSION_ID"), prettyName: pick("PRETTY_NAME") };
}

/**
 * From /proc/self/mountinfo: cgroup2 mounted at /sys/fs/cgroup → "v2"; v1 controllers there plus a cgroup2 at
 * /sys/fs/cgroup/unified → "hybrid"; v1 controllers only → "v1".
 */
export function detectCgroupVersion(mountinfo: string): HostFacts["cgroupVersion"] {
  const mounts = new Map<string, string[]>();
  for (const line of mountinfo.split("\n")) {
    const parts = line.split(" ");
    const sep = parts.indexOf("-");
    if (sep < 0 || parts.length < sep + 2) continue;
    const point = parts[4];
    const fstype = parts[sep + 1];
    mounts.set(point, [...(mounts.get(point) ?? []), fstype]);
  }
  const at = (p: string) => mounts.get(p) ?? [];
  if (at("/sys/fs/cgroup").includes("cgroup2")) return "v2";
  const v1 = [...mounts.entries()].some(([p, types]) => p.startsWith("/sys/fs/cgroup/") && types.includes("cgroup"));
  if (v1) return at("/sys/fs/cgroup/unified").includes("cgroup2") ? "hybrid" : "v1";
  return "unknown";
}

