// What this machine's kernel offers the engine: the cgroup layout and controllers, I/O schedulers, swap accounting,
// huge pages, overlayfs, vxlan. The suite prints it at its start (scripts/test.mjs), so a failure on another machine
// reads from the log; tests that depend on a feature import hostFeatures() and assert the behaviour for the host
// they find (applied where the feature is, refused where it is not), never skipping silently.
// Plain Node, no dependencies: it runs before anything is built.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { release } from "node:os";

const CGROUP = "/sys/fs/cgroup";

function read(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** cgroup v1 hierarchies: controller → mount point (as /proc/self/mountinfo says, co-mounted ones share one). */
function v1Mounts() {
  const out = {};
  for (const line of (read("/proc/self/mountinfo") ?? "").split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const [fstype, , superOpts = ""] = line.slice(sep + 3).split(" ");
    if (fstype !== "cgroup") continue;
    const mount = line.split(" ")[4].replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    for (const opt of superOpts.split(",")) if (!["rw", "ro"].includes(opt) && !opt.includes("=")) out[opt] ??= mount;
  }
  return out;
}

/** The first child cgroup below root that has `file` (root cgroups lack most interface files). */
function childHas(root, file) {
  try {
    for (const e of readdirSync(root, { withFileTypes: true })) {
      if (e.isDirectory() && existsSync(join(root, e.name, file))) return true;
    }
  } catch {
    // no such root
  }
  return false;
}

function blockDevices() {
  const out = {};
  let names = [];
  try {
    names = readdirSync("/sys/block");
  } catch {
    return out;
  }
  for (const name of names) {
    const sched = read(`/sys/block/${name}/queue/scheduler`)?.trim();
    const dev = read(`/sys/block/${name}/dev`)?.trim();
    if (sched !== undefined) out[name] = { scheduler: sched, dev };
  }
  return out;
}

function vxlanWorks() {
  if (process.getuid?.() !== 0) return undefined;
  const ns = `gfeat${process.pid}`;
  try {
    execFileSync("ip", ["netns", "add", ns], { stdio: "ignore" });
    execFileSync("ip", ["-n", ns, "link", "add", "vxprobe", "type", "vxlan", "id", "42", "dstport", "4789"], {
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  } finally {
    try {
      execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    } catch {
      // never made
    }
  }
}

let cached;

/** The features, probed once per process. */
export function hostFeatures() {
  if (cached) return cached;
  const pureV2 = existsSync(join(CGROUP, "cgroup.controllers"));
  const unifiedRoot = pureV2 ? CGROUP : existsSync(join(CGROUP, "unified", "cgroup.procs")) ? join(CGROUP, "unified") : null;
  const v1 = pureV2 ? {} : v1Mounts();
  const v2Controllers = unifiedRoot ? (read(join(unifiedRoot, "cgroup.controllers")) ?? "").trim().split(/\s+/).filter(Boolean) : [];
  const devices = blockDevices();
  const schedulers = new Set(Object.values(devices).flatMap((d) => d.scheduler.replace(/[[\]]/g, "").split(/\s+/)));
  const hugepageSizes = (() => {
    try {
      return readdirSync("/sys/kernel/mm/hugepages").map((d) => d.replace(/^hugepages-/, ""));
    } catch {
      return [];
    }
  })();
  cached = {
    kernel: release(),
    cgroup: pureV2 ? "v2" : unifiedRoot ? "v1 hybrid" : "v1",
    /** v1 controller → mount point */
    v1Controllers: v1,
    /** controllers the cgroup2 hierarchy holds (all of them on pure v2; on a hybrid host usually few or none) */
    v2Controllers,
    unifiedRoot,
    blockDevices: devices,
    /** BFQ registered (listed by any device): then blkio.bfq.weight / io.bfq.weight exist in child cgroups */
    bfq: schedulers.has("bfq"),
    cfq: schedulers.has("cfq"),
    /** memory+swap limits can be set (v1 memory.memsw.*, v2 memory.swap.max) */
    swapAccounting: pureV2 ? childHas(CGROUP, "memory.swap.max") : v1.memory ? existsSync(join(v1.memory, "memory.memsw.limit_in_bytes")) : false,
    hugepageSizes,
    overlayfs: /\soverlay$/m.test(read("/proc/filesystems") ?? ""),
    vxlan: vxlanWorks(),
  };
  return cached;
}

/** A few lines for a log. */
export function formatHostFeatures(f = hostFeatures()) {
  const v1 = Object.entries(f.v1Controllers).map(([c, m]) => (m.endsWith(`/${c}`) ? c : `${c}@${m}`));
  const devs = Object.entries(f.blockDevices)
    .filter(([n]) => !/^(loop|ram|zram)\d/.test(n))
    .map(([n, d]) => `${n}: ${d.scheduler}`);
  return [
    `kernel ${f.kernel}; cgroup ${f.cgroup}`,
    v1.length ? `  v1 controllers: ${v1.join(" ")}` : null,
    f.unifiedRoot ? `  cgroup2 at ${f.unifiedRoot}: ${f.v2Controllers.join(" ") || "(no controllers)"}` : null,
    `  I/O schedulers: ${devs.join("; ") || "(no block devices)"}; BFQ ${f.bfq ? "yes" : "no"}, CFQ ${f.cfq ? "yes" : "no"}`,
    `  swap accounting ${f.swapAccounting ? "yes" : "no"}; huge pages ${f.hugepageSizes.join(" ") || "none"}`,
    `  overlayfs ${f.overlayfs ? "yes" : "no"}; vxlan ${f.vxlan === undefined ? "unknown (not root)" : f.vxlan ? "yes" : "no"}`,
  ].filter(Boolean).join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(formatHostFeatures());
