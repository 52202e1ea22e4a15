// The runtime's seccomp module (native/src/runtime/seccomp.c), driven through its C interface by
// native/test-c/seccomp_driver.c: filters compiled with libseccomp, loaded into forked children by seccomp(2),
// and the syscalls those children make, as they return. The last test runs busybox containers through the real
// native/build/gantry-runtime with a seccomp profile and looks from inside.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle, defaultSpec, GANTRY_RUNTIME, REPO_ROOT } from "../support/bundle.ts";

let work = "";
let driver = "";

before(() => {
  work = mkdtempSync(join(tmpdir(), "gantry-seccomp-"));
  driver = join(work, "seccomp_driver");
  const src = join(REPO_ROOT, "native");
  execFileSync("gcc", [
    "-O1", "-g", "-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
    `-I${src}/src`, "-o", driver, `${src}/test-c/seccomp_driver.c`, `${src}/src/runtime/seccomp.c`,
    `${src}/src/common/error.c`, "-lseccomp",
  ], { stdio: "inherit" });
  execFileSync("make", ["-s", "-C", src, "build/gantry-runtime"], { stdio: "inherit" });
});

after(() => rmSync(work, { recursive: true, force: true }));

let seq = 0;
/** Runs a scenario with its own cache directory (or the one given) and returns what the driver observed. */
function run(scenario: string, cache = join(work, `cache-${++seq}`)): any {
  const r = spawnSync(driver, [scenario, cache], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.stderr, "", `driver stderr: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  assert.equal(out.fatal, undefined, `${scenario}: ${out.fatal}: ${out.error}`);
  assert.equal(r.status, 0);
  return out;
}

test("a filter denying mkdir with EPERM: mkdir fails in the child, other syscalls work, the cache is reused", () => {
  const cache = join(work, "shared-cache");
  const first = run("deny-mkdir", cache);
  assert.equal(first.mkdir, "EPERM");
  assert.equal(first.mkdirat, "EPERM");
  assert.equal(first.getpid, "ok");
  assert.equal(first.child_exited, true);
  assert.equal(first.cache_files_before, 0);
  assert.equal(first.cache_files_after, 1);
  const files = readdirSync(cache);
  assert.equal(files.length, 1);
  assert.match(files[0], /^[0-9a-f]{16}\.bpf$/);
  // a second process compiling the same config finds the file and writes nothing new
  const second = run("deny-mkdir", cache);
  assert.equal(second.cache_files_before, 1);
  assert.equal(second.cache_files_after, 1);
  assert.equal(second.instructions, first.instructions);
  assert.equal(second.mkdir, "EPERM");
  assert.deepEqual(readdirSync(cache), files);
});

test("a compile reads the cached program, and distrusts a file whose key does not match", () => {
  const out = run("cache");
  assert.equal(out.same_program_twice, true);
  assert.equal(out.programs_differ, true);
  assert.equal(out.cache_files, 1, "the config compiled without a cache dir wrote nothing");
  assert.equal(out.reads_cache, true, "the program stored under the key is what compile returned");
  assert.equal(out.recompiles_on_mismatch, true);
  console.log(`seccomp compile: ${out.compile_ms} ms; from cache: ${out.cached_ms} ms`);
});

test("argument conditions: EQ on one argument twice is an OR (as runc), MASKED_EQ masks", () => {
  const out = run("args");
  assert.equal(out.fchmod_0777, "EOPNOTSUPP");
  assert.equal(out.fchmod_0700, "EOPNOTSUPP");
  assert.equal(out.fchmod_0644, "ok");
  assert.equal(out.personality_query, "ok");
  assert.equal(out.personality_masked, "EACCES");
});

test("every action does what its name says", () => {
  const out = run("actions");
  // TRAP delivers SIGSYS to a handler; what the skipped syscall returns is the architecture's business
  assert.match(out.trap, / trapped$/);
  delete out.trap;
  assert.deepEqual(out, {
    kill_process: "signal SYS",
    kill_thread: "signal SYS",
    kill: "signal SYS",
    errno_default: "EPERM",
    errno_ret: "ENOTTY",
    trace_untraced: "ENOSYS", // no tracer attached: the kernel fails the syscall
    log: "ok",
  });
});

test("a default-deny profile with errnoRet, an allow list and filter flags", () => {
  const out = run("allowlist");
  assert.equal(out.child_exited, true, "write and exit_group stay allowed");
  assert.equal(out.getpid, "ENOSYS", "the default action's errnoRet");
  assert.equal(out.getuid, "ok");
});

test("unknown actions, operators, architectures and flags are refused by name; unknown syscalls are skipped", () => {
  const out = run("errors");
  assert.equal(out.unknown_action, 'seccomp action "SCMP_ACT_FOO": unknown');
  assert.equal(out.unknown_default, 'seccomp defaultAction: seccomp action "SCMP_ACT_NOPE": unknown');
  assert.equal(out.unknown_operator, 'seccomp rule for getpid: seccomp operator "SCMP_CMP_ALMOST": unknown');
  assert.equal(out.unknown_arch, 'seccomp architecture "SCMP_ARCH_Z80": unknown');
  assert.equal(out.unknown_flag, 'seccomp flag "SECCOMP_FILTER_FLAG_MAGIC": unknown or unsupported');
  assert.match(out.notify, /SCMP_ACT_NOTIFY: not supported/);
  assert.equal(out.arg_index, "seccomp rule for getpid: argument index 6, at most 5");
  assert.equal(out.unknown_syscall, "compiled");
  assert.match(out.load_garbage, /not a BPF program/);
});

test("a Docker-sized profile compiles, and the cache makes the next compile cheap (figures printed)", () => {
  const out = run("big");
  assert.ok(out.syscalls > 300, `syscalls: ${out.syscalls}`);
  assert.ok(out.instructions > out.syscalls, "one comparison per syscall at least");
  assert.equal(out.nested_cache_dir, true);
  console.log(
    `seccomp profile of ${out.syscalls} syscalls x 3 arches (${out.instructions} insns): ` +
      `compile median ${out.compile_median_ms} ms, cached ${out.cached_median_ms} ms`,
  );
});

/** Every compiled-filter file under dir, with its modification time. */
function bpfFiles(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !e.name.endsWith(".bpf")) continue;
    const p = join(e.parentPath, e.name);
    out.set(p, statSync(p).mtimeMs);
  }
  return out;
}

test("container: a seccomp rule denying mkdir is seen from inside; the next one reuses the compiled filter", () => {
  const root = join(work, "runtime-root");
  const profile = {
    defaultAction: "SCMP_ACT_ALLOW",
    architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
  };
  const runOnce = (n: number) => {
    const bundle = makeBundle("gantry-seccomp-bundle-");
    try {
      const spec = defaultSpec(["sh", "-c", "grep Seccomp: /proc/self/status; mkdir /tmp/x; echo rc=$?"]);
      spec.linux.seccomp = profile;
      bundle.writeConfig(spec);
      const id = `sc${process.pid}-${n}`;
      const r = spawnSync(GANTRY_RUNTIME, ["--root", root, "run", "-b", bundle.dir, id], {
        encoding: "utf8",
        timeout: 60_000,
      });
      spawnSync(GANTRY_RUNTIME, ["--root", root, "delete", "--force", id], { timeout: 30_000 });
      return r;
    } finally {
      bundle.cleanup();
    }
  };
  const first = runOnce(1);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(first.stdout, "Seccomp:\t2\nrc=1\n", "filter mode, and mkdir failed with EPERM (errnoRet 1)");
  assert.match(first.stderr, /can't create directory '\/tmp\/x': Operation not permitted/);
  const cached = bpfFiles(root);
  assert.equal(cached.size, 1, "one compiled filter stored under the runtime root");
  const second = runOnce(2);
  assert.equal(second.status, 0, second.stderr);
  assert.equal(second.stdout, "Seccomp:\t2\nrc=1\n");
  assert.deepEqual(bpfFiles(root), cached, "the same file, not rewritten");
});

test("container: a profile with errnoRet, KILL_PROCESS and argument rules is seen exactly as under runc", () => {
  const script =
    "grep Seccomp /proc/self/status; mkdir /tmp/x; echo mkdir=$?; sync; echo sync=$?; " +
    "chmod 777 /tmp; echo chmod777=$?; chmod 755 /tmp; echo chmod755=$?";
  const EQ = "SCMP_CMP_EQ";
  const observe = (runtime: string) => {
    const bundle = makeBundle("gantry-seccomp-bundle-");
    const root = mkdtempSync(join(work, "root-"));
    const id = `scd${process.pid}-${++seq}`;
    try {
      const spec = defaultSpec(["sh", "-c", script]);
      spec.linux.seccomp = {
        defaultAction: "SCMP_ACT_ALLOW",
        architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        syscalls: [
          { names: ["mkdir", "mkdirat", "no_such_syscall"], action: "SCMP_ACT_ERRNO", errnoRet: 13 },
          { names: ["sync"], action: "SCMP_ACT_KILL_PROCESS" },
          { names: ["chmod", "fchmodat"], action: "SCMP_ACT_ERRNO", args: [{ index: 1, value: 0o777, op: EQ }] },
          { names: ["fchmodat"], action: "SCMP_ACT_ERRNO", args: [{ index: 2, value: 0o777, op: EQ }] },
        ],
      };
      bundle.writeConfig(spec);
      const r = spawnSync(runtime, ["--root", root, "run", "-b", bundle.dir, id], {
        encoding: "utf8",
        timeout: 60_000,
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    } finally {
      spawnSync(runtime, ["--root", root, "delete", "--force", id], { timeout: 30_000 });
      bundle.cleanup();
    }
  };
  const ours = observe(GANTRY_RUNTIME);
  assert.equal(ours.status, 0, ours.stderr);
  assert.equal(ours.stdout, "Seccomp:\t2\nSeccomp_filters:\t1\nmkdir=1\nsync=159\nchmod777=1\nchmod755=0\n");
  assert.match(ours.stderr, /can't create directory '\/tmp\/x': Permission denied/);
  assert.deepEqual(ours, observe("runc"));
});
