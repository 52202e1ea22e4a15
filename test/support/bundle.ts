// OCI bundles for tests: a busybox-static root filesystem plus a config.json, built fresh per test.
import {
  mkdtempSync, mkdirSync, copyFileSync, symlinkSync, writeFileSync, rmSync, chmodSync, existsSync, openSync, closeSync, readFileSync,
} from "node:fs";
import { execFileSync, spawnSync } from "node:child_process";
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

export interface RuntimeResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** An OCI runtime binary (gantry-runtime or runc) with its own --root, remembering the containers it made. */
export interface RuntimeHarness {
  bin: string;
  root: string;
  /** Runs `bin --root ROOT ...args`; stdio of the container goes to files when given (fds stay out of Node pipes). */
  run(args: string[], opts?: { input?: string; stdoutFile?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv }): RuntimeResult;
  /** Like run, but throws with stderr unless the exit status is 0; returns stdout. */
  ok(args: string[], opts?: { input?: string; stdoutFile?: string }): string;
  /** Registers an id to force-delete at cleanup. */
  track(id: string): string;
  cleanup(): void;
}

export function runtimeHarness(bin: string = GANTRY_RUNTIME): RuntimeHarness {
  const root = mkdtempSync(join(tmpdir(), "gantry-rt-root-"));
  const ids = new Set<string>();
  const h: RuntimeHarness = {
    bin,
    root,
    run(args, opts = {}) {
      // With a stdout file the container inherits files, not Node's pipes (a pipe held open by a detached
      // container would keep spawnSync waiting); the runtime's stderr goes to a file read back afterwards.
      let out: number | undefined, err: number | undefined;
      const errFile = join(root, `.stderr-${process.pid}`);
      if (opts.stdoutFile) {
        out = openSync(opts.stdoutFile, "a");
        err = openSync(errFile, "w");
      }
      try {
        const r = spawnSync(bin, ["--root", root, ...args], {
          encoding: "utf8",
          input: opts.input,
          timeout: opts.timeoutMs ?? 30_000,
          env: opts.env ?? process.env,
          stdio: out === undefined ? ["pipe", "pipe", "pipe"] : ["pipe", out, err!],
        });
        const stderr = out === undefined ? r.stderr ?? "" : readFileSync(errFile, "utf8");
        return { status: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr };
      } finally {
        if (out !== undefined) closeSync(out);
        if (err !== undefined) closeSync(err);
        if (out !== undefined) rmSync(errFile, { force: true });
      }
    },
    ok(args, opts) {
      const r = h.run(args, opts);
      if (r.status !== 0) throw new Error(`${bin} ${args.join(" ")} exited ${r.status ?? r.signal}: ${r.stderr}`);
      return r.stdout;
    },
    track(id) {
      ids.add(id);
      return id;
    },
    cleanup() {
      for (const id of ids) h.run(["delete", "--force", id]);
      ids.clear();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return h;
}
