// OCI bundles for tests: a busybox-static root filesystem plus a config.json, built fresh per test.
import { mkdtempSync, mkdirSync, copyFileSync, symlinkSync, writeFileSync, rmSync, chmodSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const BUSYBOX = "/bin/busybox";
export const REPO_ROOT = join(import.meta.dirname, "..", "..");
export const GANTRY_RUNTIME = join(REPO_ROOT, "native/build/gantry-runtime");
export const GANTRY_MONITOR = join(REPO_ROOT, "native/build/gantry-monitor");

let appletCache: string[] | undefined;
function applets(): string[] {
  appletCache ??= execFileSync(BUSYBOX, ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean);
  return appletCache;
}

/** Creates a root filesystem with a static busybox and its applets linked under /bin. */
export function makeRootfs(dir: string): string {
  for (const d of ["bin", "proc", "sys", "dev", "etc", "tmp", "root", "var", "run"]) mkdirSync(join(dir, d), { recursive: true });
  chmodSync(join(dir, "tmp"), 0o1777);
  copyFileSync(BUSYBOX, join(dir, "bin/busybox"));
  chmodSync(join(dir, "bin/busybox"), 0o755);
  for (const a of applets()) {
    if (a === "busybox") continue;
    const link = join(dir, "bin", a);
    if (!existsSync(link)) symlinkSync("busybox", link);
  }
  mkdirSync(join(dir, "usr"), { recursive: true });
  symlinkSync("../bin", join(dir, "usr/bin"));
  symlinkSync("bin", join(dir, "sbin"));
  writeFileSync(join(dir, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
  writeFileSync(join(dir, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  return dir;
}

export interface Bundle {
  dir: string;
  rootfs: string;
  /** Writes config.json (the object is the OCI runtime config). */
  writeConfig(config: unknown): void;
  cleanup(): void;
}

/** A bundle directory with a busybox rootfs; no config.json until writeConfig. */
export function makeBundle(prefix = "gantry-bundle-"): Bundle {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const rootfs = makeRootfs(join(dir, "rootfs"));
  return {
    dir,
    rootfs,
    writeConfig(config) {
      writeFileSync(join(dir, "config.json"), JSON.stringify(config, null, 2));
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** runc's default spec (`runc spec --rootless=false`), as a plain object to adjust per test. */
export function defaultSpec(args: string[] = ["/bin/sh"], terminal = false): any {
  const dir = mkdtempSync(join(tmpdir(), "gantry-spec-"));
  try {
    execFileSync("runc", ["spec"], { cwd: dir });
    const spec = JSON.parse(execFileSync("cat", [join(dir, "config.json")], { encoding: "utf8" }));
    spec.process.args = args;
    spec.process.terminal = terminal;
    spec.root = { path: "rootfs", readonly: false };
    return spec;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
