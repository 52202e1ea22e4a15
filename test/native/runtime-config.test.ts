// gantry-runtime: what the config asks for, as seen from inside the container — mounts, read-only root, masked
// paths, capabilities, identity, rlimits, user namespaces, joined network namespaces, sysctls, devices, hooks.
import { test, before, afterEach } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle, defaultSpec, runtimeHarness, REPO_ROOT, type RuntimeHarness, type Bundle } from "../support/bundle.ts";

before(() => {
  execFileSync("make", ["-s", "-C", join(REPO_ROOT, "native"), "build/gantry-runtime"], { stdio: "inherit" });
});

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const undo of cleanups.reverse()) {
    try {
      undo();
    } catch {
      // keep undoing the rest
    }
  }
  cleanups = [];
});

let seq = 0;
const uniqueId = (tag: string) => `rtc-${tag}-${process.pid}-${++seq}`;

function harness(): RuntimeHarness {
  const h = runtimeHarness();
  cleanups.push(() => h.cleanup());
  return h;
}

// One rootfs for the whole file (copying busybox and its links per test is the slow part); configs vary per test.
let sharedBundle: Bundle | undefined;
function bundle(args: string[], adjust: (spec: any) => void = () => {}): Bundle {
  if (!sharedBundle) {
    sharedBundle = makeBundle("gantry-rtc-bundle-");
    // Reachable by a user namespace's root (an unprivileged uid on the host), as runc also requires.
    chmodSync(sharedBundle.dir, 0o755);
  }
  const spec = defaultSpec(args);
  adjust(spec);
  sharedBundle.writeConfig(spec);
  return sharedBundle;
}
process.on("exit", () => sharedBundle?.cleanup());

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), "gantry-rtc-out-"));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Runs args in a fresh container (foreground) and returns what it printed. */
function inside(script: string, adjust: (spec: any) => void = () => {}, h: RuntimeHarness = harness()): string {
  const b = bundle(["/bin/sh", "-c", script], adjust);
  const r = h.run(["run", "-b", b.dir, h.track(uniqueId("in"))]);
  assert.equal(r.status, 0, `container failed (${r.status}): ${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

function mountsOf(out: string): Map<string, { type: string; opts: string[] }> {
  const m = new Map<string, { type: string; opts: string[] }>();
  for (const line of out.trim().split("\n")) {
    const [, point, type, opts] = line.split(" ");
    if (point) m.set(point, { type, opts: opts.split(",") });
  }
  return m;
}

test("mounts: the table a user sees, with options, bind mounts and a read-only root", () => {
  const host = scratch();
  writeFileSync(join(host, "hello.txt"), "from the host\n");
  const out = inside(
    "cat /proc/self/mounts; echo ---; cat /data/hello.txt; touch /data/x 2>/dev/null && echo data-writable; " +
      "touch /rootfile 2>/dev/null && echo root-writable; touch /tmp/t && echo tmp-writable; echo ok",
    (s) => {
      s.root.readonly = true;
      s.mounts.push({ destination: "/data", type: "bind", source: host, options: ["rbind", "ro", "nosuid"] });
      s.mounts.push({ destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nodev", "mode=1777", "size=1m"] });
    },
  );
  const [table, rest] = out.split("---\n");
  const m = mountsOf(table);
  assert.deepEqual(m.get("/")!.opts.includes("ro"), true);
  assert.equal(m.get("/proc")!.type, "proc");
  assert.equal(m.get("/dev")!.type, "tmpfs");
  assert.equal(m.get("/dev/pts")!.type, "devpts");
  assert.equal(m.get("/dev/shm")!.type, "tmpfs");
  assert.equal(m.get("/dev/mqueue")!.type, "mqueue");
  assert.equal(m.get("/sys")!.type, "sysfs");
  assert.ok(m.get("/sys")!.opts.includes("ro"));
  assert.ok(m.get("/data")!.opts.includes("ro") && m.get("/data")!.opts.includes("nosuid"));
  assert.equal(m.get("/tmp")!.type, "tmpfs");
  assert.ok(m.get("/tmp")!.opts.includes("size=1024k"));
  assert.ok([...m.keys()].some((k) => k.startsWith("/sys/fs/cgroup")), "cgroup filesystem mounted");
  assert.match(rest, /from the host/);
  assert.doesNotMatch(rest, /data-writable/);
  assert.doesNotMatch(rest, /root-writable/);
  assert.match(rest, /tmp-writable/);
});

test("masked and read-only paths; default devices and /dev links", () => {
  const out = inside(
    "wc -c < /proc/timer_list; ls /proc/acpi | wc -l; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo sys-writable; " +
      "ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/mynull; readlink /dev/fd; readlink /dev/stdin; readlink /dev/ptmx; " +
      "echo x > /dev/mynull && echo mynull-ok",
    (s) => {
      s.linux.devices = [{ path: "/dev/mynull", type: "c", major: 1, minor: 3, fileMode: 0o600, uid: 0, gid: 0 }];
    },
  );
  const lines = out.trim().split("\n");
  assert.equal(lines[0].trim(), "0"); // /proc/timer_list is /dev/null
  assert.equal(lines[1].trim(), "0"); // /proc/acpi is an empty tmpfs
  assert.doesNotMatch(out, /sys-writable/);
  for (const [dev, nums] of [["null", "1, +3"], ["zero", "1, +5"], ["full", "1, +7"], ["random", "1, +8"], ["urandom", "1, +9"], ["tty", "5, +0"]]) {
    assert.match(out, new RegExp(`^crw-rw-rw-.*${nums}.* /dev/${dev}$`, "m"), dev);
  }
  assert.match(out, /^crw-------.*1, +3.* \/dev\/mynull$/m);
  assert.match(out, /^\/proc\/self\/fd$/m);
  assert.match(out, /^\/proc\/self\/fd\/0$/m);
  assert.match(out, /^pts\/ptmx$/m);
  assert.match(out, /mynull-ok/);
});

test("capabilities, no_new_privs, user, groups, umask, rlimits and cwd as configured", () => {
  const out = inside("grep -E '^(Cap|NoNewPrivs|Uid|Gid|Groups)' /proc/self/status; umask; ulimit -n; ulimit -Hn; pwd; echo oom=$(cat /proc/self/oom_score_adj)", (s) => {
    s.process.oomScoreAdj = 300;
    s.process.user = { uid: 1000, gid: 1001, additionalGids: [20, 30], umask: 0o27 };
    s.process.capabilities = {
      bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
      effective: ["CAP_KILL"],
      permitted: ["CAP_KILL", "CAP_CHOWN"],
      inheritable: ["CAP_KILL"],
      ambient: ["CAP_KILL"],
    };
    s.process.noNewPrivileges = false;
    s.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 123, hard: 456 }];
    s.process.cwd = "/work/dir";
  });
  assert.match(out, /^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
  assert.match(out, /^Gid:\s+1001\s+1001\s+1001\s+1001$/m);
  assert.match(out, /^Groups:\s+20 30\s*$/m);
  assert.match(out, /^NoNewPrivs:\s+0$/m);
  // After execve as uid 1000 only the ambient set survives: CAP_KILL (bit 5) in inh/prm/eff/amb.
  assert.match(out, /^CapInh:\s+0000000000000020$/m);
  assert.match(out, /^CapPrm:\s+0000000000000020$/m);
  assert.match(out, /^CapEff:\s+0000000000000020$/m);
  assert.match(out, /^CapAmb:\s+0000000000000020$/m);
  assert.match(out, /^CapBnd:\s+0000000000002021$/m); // CHOWN(0) KILL(5) NET_RAW(13)
  assert.match(out, /^0027$/m);
  assert.match(out, /^123$/m);
  assert.match(out, /^456$/m);
  assert.match(out, /^\/work\/dir$/m);
  assert.match(out, /^oom=300$/m);
});

test("user namespace: uid/gid maps as configured, files owned through the mapping", () => {
  const out = inside("cat /proc/self/uid_map /proc/self/gid_map; id -u; touch /tmp/owned; stat -c %u /tmp/owned", (s) => {
    s.linux.namespaces.push({ type: "user" });
    s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    // devpts' gid=5 must be mapped, which it is; /sys cannot be mounted read-write without its netns: keep ro.
    s.mounts.push({ destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["mode=1777"] });
  });
  const lines = out.trim().split("\n").map((l) => l.trim().split(/\s+/).join(" "));
  assert.equal(lines[0], "0 100000 65536");
  assert.equal(lines[1], "0 100000 65536");
  assert.equal(lines[2], "0");
  assert.equal(lines[3], "0");
});

test("a network namespace joined by path, a sysctl in it, hostname and domainname", () => {
  const ns = `gantry-rtc-${process.pid}-${++seq}`;
  execFileSync("ip", ["netns", "add", ns]);
  cleanups.push(() => execFileSync("ip", ["netns", "del", ns]));
  execFileSync("ip", ["-n", ns, "link", "add", "gantry0", "type", "veth", "peer", "name", "gantry1"]);
  const inode = statSync(`/run/netns/${ns}`).ino;
  const out = inside("readlink /proc/self/ns/net; ip -o link | cut -d: -f2; hostname; cat /proc/sys/kernel/domainname; cat /proc/sys/net/ipv4/ip_forward", (s) => {
    s.linux.namespaces = s.linux.namespaces.map((n: any) => (n.type === "network" ? { type: "network", path: `/run/netns/${ns}` } : n));
    s.hostname = "joined";
    s.domainname = "example.test";
    s.linux.sysctl = { "net.ipv4.ip_forward": "1" };
  });
  assert.match(out, new RegExp(`^net:\\[${inode}\\]$`, "m"));
  assert.match(out, /^ gantry0@gantry1$/m);
  assert.match(out, /^joined$/m);
  assert.match(out, /^example\.test$/m);
  assert.match(out, /^1$/m);
  assert.equal(execFileSync("ip", ["netns", "exec", ns, "cat", "/proc/sys/net/ipv4/ip_forward"], { encoding: "utf8" }).trim(), "1");
});

test("a uts namespace joined by path gets the hostname the config sets, as with runc (a pod's sandbox holds it)", () => {
  // The namespace's holder: a process in a uts namespace of its own, as a pod sandbox would be.
  const holder = spawn("unshare", ["--uts", "sleep", "60"], { stdio: "ignore" });
  cleanups.push(() => holder.kill("SIGKILL"));
  const want = `readlink /proc/${holder.pid}/ns/uts`;
  let nsLink = execFileSync("sh", ["-c", want], { encoding: "utf8" }).trim();
  for (let i = 0; i < 100 && nsLink === execFileSync("readlink", ["/proc/self/ns/uts"], { encoding: "utf8" }).trim(); i++) {
    execFileSync("sleep", ["0.02"]); // unshare has not unshared yet
    nsLink = execFileSync("sh", ["-c", want], { encoding: "utf8" }).trim();
  }
  const joined = (s: any) => {
    s.linux.namespaces = s.linux.namespaces.map((n: any) => (n.type === "uts" ? { type: "uts", path: `/proc/${holder.pid}/ns/uts` } : n));
    s.hostname = "sandbox-name";
  };
  const out = inside("readlink /proc/self/ns/uts; hostname", joined);
  assert.match(out, new RegExp(`^${nsLink.replace(/[[\]]/g, "\\$&")}$`, "m"), "the container is in the joined namespace");
  assert.match(out, /^sandbox-name$/m);
  // The namespace itself now carries the name: the holder sees it too.
  assert.equal(execFileSync("nsenter", [`--uts=/proc/${holder.pid}/ns/uts`, "hostname"], { encoding: "utf8" }).trim(), "sandbox-name");
  // Without any uts namespace of its own the config is refused, naming the field.
  const h = harness();
  const b = bundle(["/bin/true"], (s) => {
    s.linux.namespaces = s.linux.namespaces.filter((n: any) => n.type !== "uts");
    s.hostname = "nope";
  });
  const r = h.run(["run", "-b", b.dir, h.track(uniqueId("nouts"))]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /hostname: setting the hostname needs a uts namespace of the container's own/);
});

test("hooks run in order with the state on stdin; a failing or slow hook stops the container", () => {
  const h = harness();
  const out = scratch();
  const log = join(out, "hooks.log");
  writeFileSync(log, "");
  const hook = join(out, "hook.sh");
  // Each hook appends its name and the status it was given on stdin.
  // The log sits next to the script: the host path for runtime hooks, /out inside the container.
  writeFileSync(hook, `#!/bin/sh\nread -r state\nstatus=$(echo "$state" | sed 's/.*"status":"\\([a-z]*\\)".*/\\1/')\necho "$1 $status" >> "$(dirname "$0")/hooks.log"\n`);
  chmodSync(hook, 0o755);
  const b = bundle(["/bin/sh", "-c", "echo main >> /out/hooks.log"], (s) => {
    s.mounts.push({ destination: "/out", type: "bind", source: out, options: ["rbind"] });
    const at = (name: string) => [{ path: hook, args: ["hook.sh", name] }];
    s.hooks = {
      prestart: at("prestart"),
      createRuntime: at("createRuntime"),
      createContainer: at("createContainer"),
      // startContainer runs inside the container: the script is reached through the bind mount.
      startContainer: [{ path: "/bin/sh", args: ["sh", "/out/hook.sh", "startContainer"] }],
      poststart: at("poststart"),
      poststop: at("poststop"),
    };
  });
  const id = h.track(uniqueId("hooks"));
  h.ok(["create", "-b", b.dir, id], { stdoutFile: join(out, "stdout") });
  h.ok(["start", id]);
  const wait = Date.now() + 5000;
  while (!readFileSync(log, "utf8").includes("main") && Date.now() < wait) execFileSync("sleep", ["0.02"]);
  h.ok(["delete", "--force", id]);
  const lines = readFileSync(log, "utf8").trim().split("\n");
  const order = lines.map((l) => l.split(" ")[0]);
  // poststart may run before or after the program's own line; everything else is ordered.
  const withoutMain = order.filter((o) => o !== "main");
  assert.deepEqual(withoutMain, ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]);
  assert.ok(order.indexOf("main") > order.indexOf("startContainer"));
  assert.match(lines.find((l) => l.startsWith("prestart"))!, /creating/);
  assert.match(lines.find((l) => l.startsWith("startContainer"))!, /created/);
  assert.match(lines.find((l) => l.startsWith("poststart"))!, /running/);
  assert.match(lines.find((l) => l.startsWith("poststop"))!, /stopped/);

  // A failing createRuntime hook: create fails naming it and leaves nothing behind.
  const failing = join(out, "fail.sh");
  writeFileSync(failing, "#!/bin/sh\nexit 4\n");
  chmodSync(failing, 0o755);
  bundle(["/bin/true"], (s) => (s.hooks = { createRuntime: [{ path: failing }] }));
  const bad = h.run(["create", "-b", b.dir, h.track(uniqueId("badhook"))], { stdoutFile: join(out, "stdout") });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /createRuntime hook .*fail\.sh: exited with status 4/);

  // A hook past its timeout is killed.
  bundle(["/bin/true"], (s) => (s.hooks = { prestart: [{ path: "/bin/sleep", args: ["sleep", "10"], timeout: 1 }] }));
  const slow = h.run(["create", "-b", b.dir, h.track(uniqueId("slowhook"))], { stdoutFile: join(out, "stdout") });
  assert.notEqual(slow.status, 0);
  assert.match(slow.stderr, /prestart hook \/bin\/sleep: timed out after 1 s/);
  assert.equal(JSON.parse(h.ok(["list", "--format", "json"])).length, 0);
});

test("a hook that exits without reading its stdin does not kill the runtime (delete with a poststop /bin/true)", () => {
  const h = harness();
  const out = scratch();
  // A state larger than a pipe's buffer: the write to the hook's stdin blocks until /bin/true has exited, so the
  // runtime meets EPIPE (SIGPIPE) every time, not by chance.
  const b = bundle(["/bin/true"], (s) => {
    s.annotations = { big: "x".repeat(256 * 1024) };
    s.hooks = { poststop: [{ path: "/bin/true" }], prestart: [{ path: "/bin/true" }] };
  });
  for (let i = 0; i < 5; i++) {
    const id = h.track(uniqueId("pipe"));
    h.ok(["create", "-b", b.dir, id], { stdoutFile: join(out, "stdout") });
    const del = h.run(["delete", "--force", id]);
    assert.equal(del.signal, null, `delete was killed by ${del.signal}`);
    assert.equal(del.status, 0, del.stderr);
    assert.notEqual(h.run(["state", id]).status, 0, "the container is gone");
  }
});

test("a seccomp rule from the config denies a syscall with the errno given", () => {
  const out = inside("mkdir /tmp/denied 2>&1; echo status=$?; grep '^Seccomp:' /proc/self/status", (s) => {
    s.linux.seccomp = {
      defaultAction: "SCMP_ACT_ALLOW",
      architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
      syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
    };
  });
  assert.match(out, /Operation not permitted/);
  assert.match(out, /^status=1$/m);
  assert.match(out, /^Seccomp:\s+2$/m);
});

test("pod: a second container joins the first one's pid, network and ipc namespaces by path", () => {
  const h = harness();
  const out = scratch();
  const b = bundle(["/bin/sleep", "300"]);
  const first = h.track(uniqueId("pod"));
  h.ok(["run", "-d", "-b", b.dir, first], { stdoutFile: join(out, "log") });
  const pid = JSON.parse(h.ok(["state", first])).pid;
  const netInode = execFileSync("stat", ["-L", "-c", "%i", `/proc/${pid}/ns/net`], { encoding: "utf8" }).trim();
  const seen = inside("ps -o pid,args; readlink /proc/self/ns/net; echo self=$$", (s) => {
    s.linux.namespaces = s.linux.namespaces.map((n: any) =>
      ["pid", "network", "ipc"].includes(n.type) ? { type: n.type, path: `/proc/${pid}/ns/${n.type === "network" ? "net" : n.type}` } : n,
    );
  }, h);
  assert.match(seen, /^\s*1 \/bin\/sleep 300$/m, "the first container's init is visible");
  assert.match(seen, new RegExp(`^net:\\[${netInode}\\]$`, "m"));
  assert.doesNotMatch(seen, /^self=1$/m);
  // The second container is gone; the first lives on.
  assert.equal(JSON.parse(h.ok(["state", first])).status, "running");
});

test("without its own pid namespace, delete --force still ends every process of the container", async () => {
  const h = harness();
  const out = scratch();
  const b = bundle(["/bin/sh", "-c", "sleep 200 & sleep 201 & exec sleep 202"], (s) => {
    s.linux.namespaces = s.linux.namespaces.filter((n: any) => n.type !== "pid");
  });
  const id = h.track(uniqueId("nopidns"));
  h.ok(["run", "-d", "-b", b.dir, id], { stdoutFile: join(out, "log") });
  // The shell starts its two background sleeps on its own time: wait for all three processes.
  let ps: number[] = [];
  for (const end = Date.now() + 5000; Date.now() < end; execFileSync("sleep", ["0.02"])) {
    ps = JSON.parse(h.ok(["ps", "--format", "json", id]));
    if (ps.length === 3) break;
  }
  assert.equal(ps.length, 3);
  h.ok(["delete", "--force", id]);
  for (const p of ps) {
    let alive = true;
    try {
      alive = !/\) Z /.test(readFileSync(`/proc/${p}/stat`, "utf8"));
    } catch {
      alive = false;
    }
    assert.equal(alive, false, `process ${p} survived delete`);
  }
});

test("--no-pivot moves the rootfs instead; --preserve-fds passes extra descriptors in", () => {
  const h = harness();
  const out = scratch();
  const extra = join(out, "extra.txt");
  writeFileSync(extra, "through fd 3\n");
  const b = bundle(["/bin/sh", "-c", "cat <&3; ls /; cat /proc/self/mountinfo | awk '$5 == \"/\"' | wc -l"]);
  const r = spawnSync(h.bin, ["--root", h.root, "run", "--no-pivot", "--preserve-fds", "1", "-b", b.dir, h.track(uniqueId("nopivot"))], {
    stdio: ["ignore", "pipe", "pipe", openSync(extra, "r")],
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^through fd 3$/m);
  assert.match(r.stdout, /^bin$/m);
  assert.match(r.stdout, /^1$/m);
});

test("a new cgroup namespace is rooted at the container's cgroup", () => {
  const out = inside("cat /proc/self/cgroup", (s) => s.linux.namespaces.push({ type: "cgroup" }));
  for (const line of out.trim().split("\n")) assert.match(line, /^\d+:[^:]*:\/$/, line);
});

test("rootfsPropagation: a shared root still pivots, and the container's / is shared", () => {
  const out = inside("head -1 /proc/self/mountinfo", (s) => (s.linux.rootfsPropagation = "rshared"));
  assert.match(out, /^\d+ \d+ \S+ \S+ \/ \S+ shared:\d+ /);
});

test("devices the config creates are allowed by the device cgroup after its own rules", (t) => {
  const h = harness();
  const out = scratch();
  const b = bundle(["/bin/sleep", "60"], (s) => {
    s.linux.devices = [{ path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o666 }];
  });
  const id = h.track(uniqueId("devcg"));
  h.ok(["run", "-d", "-b", b.dir, id], { stdoutFile: join(out, "log") });
  const pid = JSON.parse(h.ok(["state", id])).pid;
  const line = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => /:devices:/.test(l));
  if (!line) return t.skip("no v1 devices hierarchy (v2 enforces device rules with eBPF, not a readable list)");
  const list = readFileSync(`/sys/fs/cgroup/devices${line.split(":")[2]}/devices.list`, "utf8");
  assert.match(list, /^c 10:229 rwm$/m);
  assert.doesNotMatch(list, /^a \*:\* rwm$/m, "the config's deny-all rule applies");
});

test("linux.resources and cgroupsPath reach the container's cgroup", () => {
  const parent = `gantry-rtc-${process.pid}-${++seq}`;
  const h = harness();
  const b = bundle(
    ["/bin/sh", "-c", "cat /proc/self/cgroup; for f in memory/memory.limit_in_bytes memory.max pids/pids.max pids.max cpu/cpu.shares cpu.weight; do " +
      "[ -f /sys/fs/cgroup/$f ] && echo \"$f=$(cat /sys/fs/cgroup/$f)\"; done; true"],
    (s) => {
      s.linux.cgroupsPath = `/${parent}/box`;
      s.linux.resources.memory = { limit: 64 * 1024 * 1024 };
      s.linux.resources.pids = { limit: 33 };
      s.linux.resources.cpu = { shares: 512 };
    },
  );
  const r = h.run(["run", "-b", b.dir, h.track(uniqueId("res"))]);
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout;
  assert.match(out, new RegExp(`:/${parent}/box$`, "m"), "cgroupsPath used");
  assert.match(out, /^(memory\/memory\.limit_in_bytes|memory\.max)=67108864$/m);
  assert.match(out, /^(pids\/pids\.max|pids\.max)=33$/m);
  assert.match(out, /^(cpu\/cpu\.shares=512|cpu\.weight=\d+)$/m);
  // Removed with the container (the parent the path named may stay, as with runc).
  const dirs = execFileSync("sh", ["-c", `ls -d /sys/fs/cgroup/*/${parent}/box /sys/fs/cgroup/${parent}/box 2>/dev/null || true`], { encoding: "utf8" });
  assert.equal(dirs.trim(), "");
  execFileSync("sh", ["-c", `rmdir /sys/fs/cgroup/*/${parent} /sys/fs/cgroup/${parent} 2>/dev/null || true`]);
});

test("hugepageLimits, network and blockIO device lists: bad values are refused naming the field, nothing is left", () => {
  const cases: Array<[string, (s: any) => void, RegExp]> = [
    ["page size with a path in it", (s) => { s.linux.resources.hugepageLimits = [{ pageSize: "../../x", limit: 1 }]; },
      /linux\.resources\.hugepageLimits\[0\]\.pageSize: must be a size such as "2MB"/],
    ["page size missing", (s) => { s.linux.resources.hugepageLimits = [{ limit: 1 }]; },
      /linux\.resources\.hugepageLimits\[0\]\.pageSize: is required/],
    ["interface name with a space", (s) => { s.linux.resources.network = { priorities: [{ name: "eth0 9", priority: 1 }] }; },
      /linux\.resources\.network\.priorities\[0\]\.name: must be a network interface name/],
    ["classID out of range", (s) => { s.linux.resources.network = { classID: -1 }; },
      /linux\.resources\.network\.classID: must be an integer from 0 to 4294967295/],
    ["weight device without a major", (s) => { s.linux.resources.blockIO = { weightDevice: [{ minor: 0, weight: 100 }] }; },
      /linux\.resources\.blockIO\.weightDevice\[0\]\.major: is required/],
    ["throttle rate that is not a number", (s) => {
      s.linux.resources.blockIO = { throttleWriteIOPSDevice: [{ major: 7, minor: 0, rate: "fast" }] };
    }, /linux\.resources\.blockIO\.throttleWriteIOPSDevice\[0\]\.rate: must be a number, not a string/],
    ["weight below the range", (s) => { s.linux.resources.blockIO = { weight: 5 }; },
      /linux\.resources\.blockIO\.weight: must be an integer from 10 to 1000/],
  ];
  for (const [what, adjust, error] of cases) {
    const h = harness();
    const b = bundle(["/bin/true"], adjust);
    const id = uniqueId("bad");
    const r = h.run(["run", "-b", b.dir, h.track(id)]);
    assert.notEqual(r.status, 0, `${what}: accepted`);
    assert.match(r.stderr, error, what);
    assert.notEqual(h.run(["state", id]).status, 0, `${what}: a container was left`);
  }
});

test("on a pure cgroup v2 host (cgroup2 mounted at /sys/fs/cgroup in a private mount namespace)", () => {
  const h = harness();
  const b = bundle(["/bin/sh", "-c", "tail -1 /proc/self/cgroup; grep ' /sys/fs/cgroup ' /proc/self/mounts | cut -d' ' -f1,3"], (s) => {
    delete s.linux.resources; // this host's cgroup2 has no v1-bound controllers (memory, pids, ...) to limit
    s.linux.namespaces.push({ type: "cgroup" });
  });
  const id = h.track(uniqueId("v2"));
  const script =
    'mount --make-rprivate / && umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && ' +
    '"$1" --root "$2" run -b "$3" "$4"; rc=$?; ls -d /sys/fs/cgroup/gantry/"$4" 2>/dev/null && echo left-behind; exit $rc';
  const r = spawnSync("unshare", ["-m", "sh", "-c", script, "sh", h.bin, h.root, b.dir, id], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^0::\/$/m, "a cgroup namespace rooted at the container's v2 cgroup");
  assert.match(r.stdout, /^cgroup2 cgroup2$/m);
  assert.doesNotMatch(r.stdout, /left-behind/);
});
