// Who made the Gantry devices and chains on this host. Each network engine records, when it starts, its state
// directory (GANTRY_ROOT), its process (pid and start time, so a reused pid is not mistaken for it), its default
// bridge and its iptables chain prefix in <dir>/<instance>.json (dir: /run/gantry/network-owners, gone at reboot
// with the devices themselves). An engine that finds a bridge labelled by another instance asks here whether that
// owner still exists: one whose process or state directory is gone gives its bridge up; a live one keeps it.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const OWNERS_DIR = "/run/gantry/network-owners";

export interface OwnerRecord {
  instance: string;
  root: string;
  pid: number;
  /** /proc/<pid>/stat's start time (clock ticks since boot): a pid reused by another process does not match. */
  startTime: string | null;
  bridge: string;
  chainPrefix: string;
}

const INSTANCE = /^[0-9a-f]{8}$/;

export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (in parentheses) may hold spaces: fields are counted after its closing parenthesis.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

export function recordOwner(dir: string, rec: Omit<OwnerRecord, "pid" | "startTime">): void {
  if (!INSTANCE.test(rec.instance)) throw new Error(`invalid owner instance "${rec.instance}"`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const full: OwnerRecord = { ...rec, pid: process.pid, startTime: processStartTime(process.pid) };
  const file = join(dir, `${rec.instance}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(full) + "\n", { mode: 0o644 });
  renameSync(tmp, file);
}

export function readOwner(dir: string, instance: string): OwnerRecord | null {
  if (!INSTANCE.test(instance)) return null;
  try {
    return JSON.parse(readFileSync(join(dir, `${instance}.json`), "utf8")) as OwnerRecord;
  } catch {
    return null;
  }
}

export function forgetOwner(dir: string, instance: string): void {
  if (INSTANCE.test(instance)) rmSync(join(dir, `${instance}.json`), { force: true });
}

/**
 * Why an owner no longer exists ("its state directory … is gone", "its process … has ended", "no record of it"), or
 * null while it does. An owner with no record is one from before owners were recorded, or whose record was removed:
 * nothing can show it alive, so it is taken as gone.
 */
export function ownerGone(rec: OwnerRecord | null): string | null {
  if (!rec) return "no record of it on this host";
  if (!existsSync(rec.root)) return `its state directory ${rec.root} is gone`;
  const start = processStartTime(rec.pid);
  if (start === null || (rec.startTime !== null && start !== rec.startTime)) return `its process ${rec.pid} has ended`;
  return null;
}
