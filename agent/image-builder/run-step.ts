// RUN: the step's command in a container made by gantry-runtime from an OCI bundle whose root is the step's snapshot
// (an overlay over the image's layers). The process gets the image config's Env (plus build args), WorkingDir and
// User; namespaces pid, mount, ipc, uts and the step's network (the default bridge's namespace made for it, the
// host's, or one of its own with loopback only); proc, sys, dev, devpts, /dev/shm and mqueue mounted as Docker does, and /etc/hosts, /etc/hostname and
// /etc/resolv.conf bound from files of the bundle as a container gets them. Output is streamed as it comes, stdout and
// stderr told apart.
import { lstatSync, mkdirSync, promises as fsp, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { Identity } from "../rootfs/users";
import { writeBundle } from "../runtime/bundle";
import type { RuntimeClient } from "../runtime/runtime";

/** Docker's default capability set for containers (and classic build steps). */
const DEFAULT_CAPS = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
  "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
];

/** The step's network namespace: one of its own (loopback only), one made for it (by path), or the host's. */
export type StepNetwork = { kind: "private" } | { kind: "path"; path: string } | { kind: "host" };

export interface RunSpec {
  /** gantry-runtime over the builder's own state root. */
  runtime: RuntimeClient;
  /** Where the bundle (config.json) is written; removed afterwards. */
  bundleDir: string;
  containerId: string;
  rootfs: string;
  args: string[];
  env: string[];
  cwd: string;
  user: Identity;
  hostname: string;
  network: StepNetwork;
  /** The step's /etc/hosts and /etc/resolv.conf (bound over the image's, as for a container). */
  files: { hosts: string; resolvConf: string };
  onOutput: (text: string, stream: "stdout" | "stderr") => void;
  signal?: AbortSignal;
}

/** The agent's own open-files limit, which the step inherits (raising it would need CAP_SYS_RESOURCE). */
function openFilesLimit(): { soft: number; hard: number } {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (m) {
      const n = (v: string) => (v === "unlimited" ? 1048576 : Number(v));
      return { soft: n(m[1]), hard: n(m[2]) };
    }
  } catch {
    /* not Linux /proc: fall back */
  }
  return { soft: 1024, hard: 1024 };
}

export function bundleConfig(spec: RunSpec) {
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: { uid: spec.user.uid, gid: spec.user.gid, ...(spec.user.additionalGids.length ? { additionalGids: spec.user.additionalGids } : {}) },
      args: spec.args,
      env: spec.env,
      cwd: spec.cwd || "/",
      capabilities: { bounding: DEFAULT_CAPS, effective: DEFAULT_CAPS, permitted: DEFAULT_CAPS },
      rlimits: [{ type: "RLIMIT_NOFILE", ...openFilesLimit() }],
      noNewPrivileges: false,
    },
    root: { path: spec.rootfs, readonly: false },
    hostname: spec.hostname,
    mounts: [
      { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
      { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
      { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
      { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
      { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
      { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
      ...(["resolv.conf", "hostname", "hosts"] as const).map((f) => ({
        destination: `/etc/${f}`,
        type: "bind",
        source: join(spec.bundleDir, f),
        options: ["rbind", "rprivate"],
      })),
    ],
    linux: {
      namespaces: [
        { type: "pid" },
        ...(spec.network.kind === "host" ? [] : [spec.network.kind === "path" ? { type: "network", path: spec.network.path } : { type: "network" }]),
        { type: "ipc" },
        { type: "uts" },
        { type: "mount" },
      ],
      maskedPaths: [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
        "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
      ],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
}

/** Mount targets of every step: directories, and the files bound from the bundle. */
const DIR_MOUNT_POINTS = ["proc", "sys", "dev"];
const FILE_MOUNT_POINTS = ["etc/resolv.conf", "etc/hostname", "etc/hosts"];

/** The mount targets `rootfs` lacks (relative paths, parents first): the runtime will create them for the step. */
export function missingMountPoints(rootfs: string): string[] {
  const missing = (p: string) => {
    try {
      lstatSync(join(rootfs, p));
      return false;
    } catch {
      return true;
    }
  };
  const out = DIR_MOUNT_POINTS.filter(missing);
  if (missing("etc")) out.push("etc");
  return [...out, ...FILE_MOUNT_POINTS.filter(missing)];
}

/**
 * After the step, with the snapshot unmounted: the mount points the runtime made are taken out of the upper dir, so
 * the layer holds only what the command changed. Only what is still empty goes (a file the step could not write
 * through its bind mount, a directory nothing was put in); `/etc` made a copy-up only to hold them goes too.
 */
export async function removeMountPoints(upper: string, made: string[]): Promise<void> {
  for (const p of [...made].reverse()) {
    const st = await fsp.lstat(join(upper, p)).catch(() => null);
    if (st?.isFile() && st.size === 0) await fsp.rm(join(upper, p));
    else if (st?.isDirectory()) await fsp.rmdir(join(upper, p)).catch(() => {}); // not empty: the step's own
  }
  if (made.some((p) => p.startsWith("etc/")) && !made.includes("etc")) {
    // /etc was in the image: its copy-up in the upper dir goes when it holds nothing else now.
    await fsp.rmdir(join(upper, "etc")).catch(() => {});
  }
}

/** Runs the step and resolves with its exit code (128+signal when killed). */
export function runStep(spec: RunSpec): Promise<number> {
  writeBundle(spec.bundleDir, bundleConfig(spec));
  writeFileSync(join(spec.bundleDir, "hosts"), spec.files.hosts);
  writeFileSync(join(spec.bundleDir, "resolv.conf"), spec.files.resolvConf);
  writeFileSync(join(spec.bundleDir, "hostname"), `${spec.hostname}\n`);
  return new Promise((resolve, reject) => {
    const child = spec.runtime.run(spec.bundleDir, spec.containerId);
    for (const name of ["stdout", "stderr"] as const) {
      // A character split across two reads is held until its end arrives.
      const decoder = new StringDecoder("utf8");
      child[name].on("data", (chunk: Buffer) => {
        const text = decoder.write(chunk);
        if (text) spec.onOutput(text, name);
      });
      child[name].on("end", () => {
        const rest = decoder.end();
        if (rest) spec.onOutput(rest, name);
      });
    }
    const onAbort = () => {
      // The build was cancelled (client went away): stop the step's container; `run` then exits.
      void spec.runtime.kill(spec.containerId, "KILL").catch(() => {});
    };
    spec.signal?.addEventListener("abort", onAbort, { once: true });
    child.once("error", (e) => reject(new Error(`cannot start ${spec.runtime.binary}: ${e.message}`)));
    child.once("close", (code, sig) => {
      spec.signal?.removeEventListener("abort", onAbort);
      // `run` deletes the container when it exits; a leftover from a failed start is removed here.
      void spec.runtime
        .delete(spec.containerId, { force: true })
        .catch(() => {})
        .then(() => {
          rmSync(spec.bundleDir, { recursive: true, force: true });
          resolve(code ?? 128 + (sig === "SIGKILL" ? 9 : 15));
        });
    });
  });
}
