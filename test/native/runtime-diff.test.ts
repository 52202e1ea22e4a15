// Differential tests: the same bundle under runc (Debian's, the reference) and gantry-runtime; what each container
// observes about itself must match. Only the cgroup placement is allowed to differ (each runtime picks its parent).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { makeBundle, defaultSpec, runtimeHarness, REPO_ROOT, GANTRY_RUNTIME, type Bundle } from "../support/bundle.ts";

const RUNC = "/usr/sbin/runc";

// What a container reports about itself; one section per line group so a difference names what differs.
const PROBE = [
  "echo '# status'; grep -E '^(Cap|NoNewPrivs|Uid|Gid|Groups|Seccomp)' /proc/self/status",
  "echo '# identity'; hostname; id; umask; ulimit -n; ulimit -Hn; pwd",
  "echo '# env'; env | sort",
  "echo '# maps'; cat /proc/self/uid_map /proc/self/gid_map",
  // Mount points, types and options, sorted (runc binds devices in random order); the cgroup hierarchy's inner
  // layout differs between runtimes by design.
  "echo '# mounts'; grep -v ' /sys/fs/cgroup' /proc/self/mounts | cut -d' ' -f2-4 | sort",
  // Which hierarchies the container sees (a hybrid host's cgroup2 tree is not the container's to see).
  "echo '# cgroup hierarchies'; ls /sys/fs/cgroup | sort",
  "echo '# dev'; ls -la /dev | sed 1d | awk '{print $1, $3, $4, $5, $6, $NF}' | sort -k6",
  "echo '# readonly'; touch /probe 2>&1 | sed 's/.*: //'; echo 1 > /proc/sys/vm/overcommit_memory 2>&1 | sed 's/.*: //'",
  "echo '# pid'; echo $$",
].join("; ");

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
function observe(adjust: (spec: any) => void): Record<string, string> {
  const spec = defaultSpec(["/bin/sh", "-c", PROBE]);
  adjust(spec);
  bundle.writeConfig(spec);
  const [runc, gantry] = harnesses.map((h) => {
    const id = h.track(`diff-${process.pid}-${++seq}`);
    const r = h.run(["run", "-b", bundle.dir, id]);
    assert.equal(r.status, 0, `${h.bin} failed: ${r.stderr}`);
    return r.stdout;
  });
  return { runc, gantry };
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
