// Differential tests: the same bundle under runc (Debian's, the reference) and gantry-runtime; what each container
// observes about itself must match. Only the cgroup placement is allowed to differ (each runtime picks its parent).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { makeBundle, defaultSpec, runtimeHarness, REPO_ROOT, GANTRY_RUNTIME, type Bundle } from "../support/bundle.ts";

const RUNC = "/usr/sbin/runc";

// What a container reports about itself; one section per line group so a difference names what differs.
const SECTIONS = [
  "echo '# status'; grep -E '^(Cap|NoNewPrivs|Uid|Gid|Groups|Seccomp)' /proc/self/status",
  "echo '# identity'; hostname; id; umask; ulimit -n; ulimit -Hn; pwd",
  "echo '# env'; env | sort",
  "echo '# maps'; cat /proc/self/uid_map /proc/self/gid_map",
  // Mount points, types and options, sorted (runc binds devices in random order); the cgroup hierarchy's inner
  // layout differs between runtimes by design.
  "echo '# mounts'; grep -v ' /sys/fs/cgroup' /proc/self/mounts | cut -d' ' -f2-4 | sort",
  // Which hierarchies the container sees (a hybrid host's cgroup2 tree is not the container's to see).
  "echo '# cgroup hierarchies'; ls /sys/fs/cgroup | sort",
  // Each hierarchy mounted there is the container's own cgroup: it holds the container's pid 1.
  "echo '# own cgroups'; for h in /sys/fs/cgroup/*/; do grep -qx 1 $h/cgroup.procs && echo ${h%/}; done",
  "echo '# dev'; ls -la /dev | sed 1d | awk '{print $1, $3, $4, $5, $6, $NF}' | sort -k6",
  "echo '# readonly'; touch /probe 2>&1 | sed 's/.*: //'; echo 1 > /proc/sys/vm/overcommit_memory 2>&1 | sed 's/.*: //'",
  "echo '# pid'; echo $$",
];
const PROBE = SECTIONS.join("; ");
// Without maskedPaths/readonlyPaths /proc/sys is the host's and writable: no sysctl written there.
const PROBE_UNRESTRICTED = SECTIONS.map((s) => (s.startsWith("echo '# readonly'") ? "echo '# readonly'; touch /probe 2>&1 | sed 's/.*: //'" : s)).join("; ");

let bundle: Bundle;
const harnesses = [runtimeHarness(RUNC), runtimeHarness(GANTRY_RUNTIME)];

before(() => {
  execFileSync("make", ["-s", "-C", join(REPO_ROOT, "native"), "build/gantry-runtime"], { stdio: "inherit" });
  bundle = makeBundle("gantry-diff-bundle-");
  chmodSync(bundle.dir, 0o755);
});
after(() => {
  for (const h of harnesses) h.cleanup();
  bundle?.cleanup();
});

let seq = 0;
// adjust may differ per runtime (a namespace each runtime joins): it is told which one the config is for.
function observe(adjust: (spec: any, runtime: "runc" | "gantry") => void, probe = PROBE): Record<string, string> {
  const [runc, gantry] = harnesses.map((h, i) => {
    const spec = defaultSpec(["/bin/sh", "-c", probe]);
    adjust(spec, i === 0 ? "runc" : "gantry");
    bundle.writeConfig(spec);
    const id = h.track(`diff-${process.pid}-${++seq}`);
    const r = h.run(["run", "-b", bundle.dir, id]);
    assert.equal(r.status, 0, `${h.bin} failed: ${r.stderr}`);
    return r.stdout;
  });
  return { runc, gantry };
}

/** A process alone in a new namespace of one kind (a pod sandbox's holder): its /proc path, to join. */
const holders: ChildProcess[] = [];
after(() => holders.forEach((p) => p.kill("SIGKILL")));
function holdNamespace(kind: "mnt" | "uts"): { path: string; link: string; pid: number } {
  const p = spawn("unshare", [kind === "mnt" ? "--mount" : "--uts", ...(kind === "mnt" ? ["--propagation", "private"] : []), "sleep", "120"], { stdio: "ignore" });
  holders.push(p);
  const path = `/proc/${p.pid}/ns/${kind}`;
  const ours = execFileSync("readlink", [`/proc/self/ns/${kind}`], { encoding: "utf8" }).trim();
  for (let i = 0; i < 250; i++) {
    const r = spawnSync("readlink", [path], { encoding: "utf8" });
    const link = r.stdout.trim();
    if (link && link !== ours) return { path, link, pid: p.pid! };
    spawnSync("sleep", ["0.02"]);
  }
  throw new Error(`unshare --${kind} did not make its namespace`);
}

function sections(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of out.split(/^# /m).filter(Boolean)) {
    const [name, ...rest] = part.split("\n");
    m.set(name, rest.join("\n"));
  }
  return m;
}

function assertSame(o: Record<string, string>) {
  const a = sections(o.runc);
  const b = sections(o.gantry);
  assert.deepEqual([...b.keys()], [...a.keys()]);
  for (const [name, want] of a) assert.equal(b.get(name), want, `section "${name}" differs from runc`);
}

test("runc's default spec: capabilities, no_new_privs, mounts, devices, read-only paths, pid 1", () => {
  assertSame(observe(() => {}));
});

test("a non-root user with groups, umask, rlimits, a read-only root and its own capability sets", () => {
  assertSame(
    observe((s) => {
      s.root.readonly = true;
      s.hostname = "differential";
      s.process.user = { uid: 1000, gid: 1000, additionalGids: [10, 11], umask: 0o077 };
      s.process.cwd = "/tmp";
      s.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 64, hard: 128 }];
      s.process.noNewPrivileges = false;
      s.process.capabilities = {
        bounding: ["CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_SETUID"],
        effective: ["CAP_NET_BIND_SERVICE"],
        permitted: ["CAP_NET_BIND_SERVICE", "CAP_CHOWN"],
        inheritable: ["CAP_NET_BIND_SERVICE"],
        ambient: ["CAP_NET_BIND_SERVICE"],
      };
      s.mounts.push({ destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"] });
    }),
  );
});

test("a user namespace with uid/gid mappings", () => {
  assertSame(
    observe((s) => {
      s.linux.namespaces.push({ type: "user" });
      s.linux.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      s.linux.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    }),
  );
});

test("a mount namespace joined by path: the container builds its root there, as under runc", () => {
  const held = { runc: holdNamespace("mnt"), gantry: holdNamespace("mnt") };
  const o = observe(
    (s, rt) => {
      s.linux.namespaces = s.linux.namespaces.map((n: any) => (n.type === "mount" ? { type: "mount", path: held[rt].path } : n));
      s.process.args[2] = `echo '# mntns'; readlink /proc/self/ns/mnt; ${PROBE}`;
    },
  );
  for (const rt of ["runc", "gantry"] as const) {
    assert.equal(sections(o[rt]).get("mntns")?.trim(), held[rt].link, `${rt}'s container is in the namespace it joined`);
    o[rt] = o[rt].replace(/^# mntns\n.*\n/m, "");
  }
  assertSame(o);
});

test("no mount namespace: the container inherits the runtime's, chrooted into its rootfs, as under runc", () => {
  // Each runtime runs in a mount namespace of its own (so runc's mounts, which it never removes, die with it);
  // the container must be in that very namespace. masked/readonly paths need a private one (runc refuses them).
  const adjust = (s: any) => {
    s.linux.namespaces = s.linux.namespaces.filter((n: any) => n.type !== "mount");
    delete s.linux.maskedPaths;
    delete s.linux.readonlyPaths;
    s.hostname = "no-mntns";
  };
  const spec = defaultSpec(["/bin/sh", "-c", `echo '# mntns'; readlink /proc/self/ns/mnt; ${PROBE_UNRESTRICTED}`]);
  adjust(spec);
  bundle.writeConfig(spec);
  // The wrapper prints its namespace, runs the container, then counts the mounts left below the bundle.
  const wrapper = 'echo "# runtime"; readlink /proc/self/ns/mnt; "$@"; rc=$?; echo "# left"; grep -c " $BUNDLE/" /proc/self/mountinfo; exit $rc';
  const out: Record<string, string> = {};
  const left: Record<string, string> = {};
  for (const [i, rt] of (["runc", "gantry"] as const).entries()) {
    const h = harnesses[i];
    const id = h.track(`diff-${process.pid}-${++seq}`);
    const r = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", wrapper, "wrap", h.bin, "--root", h.root, "run", "-b", bundle.dir, id], {
      encoding: "utf8",
      env: { ...process.env, BUNDLE: bundle.dir },
      timeout: 30_000,
    });
    assert.equal(r.status, 0, `${rt} failed: ${r.stderr}`);
    const sec = sections(r.stdout);
    assert.equal(sec.get("mntns")?.trim(), sec.get("runtime")?.trim(), `${rt}'s container shares the runtime's mount namespace`);
    left[rt] = sec.get("left")!.trim();
    out[rt] = r.stdout.replace(/^# (runtime|mntns|left)\n.*\n/gm, "");
  }
  assertSame(out);
  assert.notEqual(left.runc, "0", "runc leaves its mounts behind (what this runtime does not copy)");
  assert.equal(left.gantry, "0", "gantry-runtime removes the rootfs bind and what was mounted below it");
});

// Where gantry-runtime departs from runc 1.1.5 without a mount namespace: runc ignores root.readonly there (the
// spec says the root MUST be read-only), its `exec` runs in the host's root, and its mounts stay after delete.
test("no mount namespace: a read-only root, exec in the container's root, no mount left after delete", () => {
  const spec = defaultSpec(["/bin/sleep", "60"]);
  spec.linux.namespaces = spec.linux.namespaces.filter((n: any) => n.type !== "mount");
  delete spec.linux.maskedPaths;
  delete spec.linux.readonlyPaths;
  spec.root.readonly = true;
  bundle.writeConfig(spec);
  const h = harnesses[1];
  const id = h.track(`diff-${process.pid}-${++seq}`);
  const script = [
    '"$RT" --root "$ROOT" create -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 || exit 1',
    'echo "# during"; grep -c " $BUNDLE/" /proc/self/mountinfo',
    '"$RT" --root "$ROOT" start "$ID" || exit 1',
    'echo "# exec"; "$RT" --root "$ROOT" exec "$ID" sh -c \'test -x /bin/busybox && test ! -e "$0" && echo inside; pwd; readlink /proc/1/root; touch /x 2>&1 | sed "s/.*: //"\' "$BUNDLE"',
    '"$RT" --root "$ROOT" delete --force "$ID" || exit 1',
    'echo "# after"; grep -c " $BUNDLE/" /proc/self/mountinfo; true',
  ].join("\n");
  const r = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", script], {
    encoding: "utf8",
    env: { ...process.env, RT: h.bin, ROOT: h.root, BUNDLE: bundle.dir, ID: id },
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const sec = sections(r.stdout);
  assert.notEqual(sec.get("during")!.trim(), "0", "the container's mounts are in the runtime's namespace while it lives");
  assert.equal(sec.get("exec"), "inside\n/\n/\nRead-only file system\n");
  assert.equal(sec.get("after")!.trim(), "0");
});

test("a uts namespace joined by path gets the config's hostname, as under runc", () => {
  const held = { runc: holdNamespace("uts"), gantry: holdNamespace("uts") };
  const o = observe((s, rt) => {
    s.linux.namespaces = s.linux.namespaces.map((n: any) => (n.type === "uts" ? { type: "uts", path: held[rt].path } : n));
    s.hostname = "joined-uts";
    s.process.args[2] = `echo '# utsns'; readlink /proc/self/ns/uts; ${PROBE}`;
  });
  for (const rt of ["runc", "gantry"] as const) {
    assert.equal(sections(o[rt]).get("utsns")?.trim(), held[rt].link, `${rt}'s container is in the namespace it joined`);
    o[rt] = o[rt].replace(/^# utsns\n.*\n/m, "");
    // The name is the namespace's: its holder sees it too.
    assert.equal(execFileSync("nsenter", [`--uts=${held[rt].path}`, "hostname"], { encoding: "utf8" }).trim(), "joined-uts", rt);
  }
  assert.match(sections(o.gantry).get("identity")!, /^joined-uts$/m);
  assertSame(o);
});

test("no mount namespace with masked or read-only paths: refused by both runtimes, naming the field", () => {
  for (const field of ["maskedPaths", "readonlyPaths"] as const) {
    const spec = defaultSpec(["/bin/true"]);
    spec.linux.namespaces = spec.linux.namespaces.filter((n: any) => n.type !== "mount");
    delete spec.linux[field === "maskedPaths" ? "readonlyPaths" : "maskedPaths"];
    bundle.writeConfig(spec);
    for (const h of harnesses) {
      const r = h.run(["run", "-b", bundle.dir, h.track(`diff-${process.pid}-${++seq}`)]);
      assert.notEqual(r.status, 0, `${h.bin} ran ${field} without a mount namespace`);
      if (h.bin === RUNC) assert.match(r.stderr, /unable to restrict sys entries without a private MNT namespace/);
      else assert.match(r.stderr, new RegExp(`linux\\.${field}: .*needs a mount namespace of the container's own`));
    }
  }
});
