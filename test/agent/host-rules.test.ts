// The agent's own rules for what the control plane may ask of its host: which bind sources it refuses (symlinks
// resolved first) and which registries a pull may not reach (its own loopback), and how the host's owner widens them.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyBindRules, bindRulesFor, checkBindSource, type BindRules } from "@/agent/commands/bind-rules";
import { checkPullRegistry, isLocalAddress } from "@/agent/commands/registry-rules";
import { ConfigError, loadAgentConfig } from "@/agent/config";
import { GantryError } from "@/lib/errors";

const work = realpathSync(mkdtempSync(join(tmpdir(), "gantry-host-rules-")));
after(() => rmSync(work, { recursive: true, force: true }));
const root = join(work, "agent-root");
const cpData = join(work, "cp-data");
for (const d of [root, join(cpData, "keys"), join(work, "data/app"), join(work, "allowed/sub")]) mkdirSync(d, { recursive: true });
writeFileSync(join(cpData, "keys/nextauth-secret"), "s");
symlinkSync("/etc", join(work, "to-etc"));
symlinkSync(join(cpData, "keys"), join(work, "data/to-keys"));
symlinkSync(join(work, "nowhere"), join(work, "dangling"));

const rules = (allowed: string[] | null = null): BindRules =>
  bindRulesFor({ root, dockerSocket: join(root, "docker.sock"), controlPlaneData: [cpData, "/var/lib/gantry-server"], allowedBindPaths: allowed });

function refused(source: string, r: BindRules, why: RegExp) {
  assert.throws(
    () => checkBindSource(source, r, "volumes.0.source"),
    (e: GantryError) => e instanceof GantryError && e.code === "bad_request" && /^volumes\.0\.source: /.test(e.message) && why.test(e.message),
    `${source} should be refused with ${why}`,
  );
}

test("binds: system directories and below, the root, the agent's state and the control plane's data are refused", () => {
  const r = rules();
  refused("/", r, /the host's root directory/);
  for (const p of ["/etc", "/etc/passwd", "/proc", "/proc/1", "/sys/kernel", "/dev", "/boot", "/root", "/usr/bin", "/lib"]) refused(p, r, /system directory/);
  refused(root, r, /is the agent's state \(GANTRY_ROOT\)/);
  refused(join(cpData, "keys"), r, /inside the control plane's data \(GANTRY_DATA\)/);
  refused(work, r, /it holds the agent's state/); // a parent exposes what it holds
  refused("/run", r, /holds .*socket/);
  refused(join(work, "missing"), r, /does not exist/);
  refused(join(work, "dangling"), r, /does not exist/);
  refused("relative/path", r, /absolute/);
});

test("binds: a symlink is judged by what it points at, and that real path is what gets mounted", () => {
  const r = rules();
  refused(join(work, "to-etc"), r, /"[^"]*to-etc" \(which resolves to \/etc\).*system directory \/etc/);
  refused(join(work, "to-etc/ssh"), r, /resolves to \/etc\/ssh/);
  refused(join(work, "data/to-keys"), r, /control plane's data/);
  refused("/proc/self/root", r, /the host's root directory/);
  assert.equal(checkBindSource(join(work, "data/app"), r, "volumes.0.source"), join(work, "data/app"));
  const spec = applyBindRules(
    { image: "busybox", volumes: [{ source: "named-vol", target: "/v", readOnly: false }, { source: join(work, "data/./app/"), target: "/d", readOnly: true }] },
    r,
  );
  assert.deepEqual(spec.volumes, [{ source: "named-vol", target: "/v", readOnly: false }, { source: join(work, "data/app"), target: "/d", readOnly: true }]);
});

test("binds: GANTRY_ALLOWED_BIND_PATHS limits binds to the paths it lists, which may include system ones; guarded paths stay refused", () => {
  const r = rules([join(work, "allowed"), "/usr/share"]);
  assert.equal(checkBindSource(join(work, "allowed/sub"), r, "volumes.0.source"), join(work, "allowed/sub"));
  assert.equal(checkBindSource("/usr/share", r, "volumes.0.source"), "/usr/share");
  refused(join(work, "data/app"), r, /outside the paths this host allows binds from \(GANTRY_ALLOWED_BIND_PATHS: .*allowed, \/usr\/share\)/);
  refused("/etc", r, /outside the paths/);
  const everything = rules(["/"]);
  assert.equal(checkBindSource("/etc", everything, "volumes.0.source"), "/etc");
  refused("/", everything, /root directory/);
  refused(join(cpData, "keys"), everything, /control plane's data/);
  refused(root, rules([root]), /agent's state/);
  refused(join(work, "allowed"), rules([]), /GANTRY_ALLOWED_BIND_PATHS: none/);
});

test("configuration: allowed bind paths, the control plane's data and loopback registries", () => {
  const c = loadAgentConfig([], { GANTRY_ROOT: "/tmp/r", GANTRY_DATA: "/srv/gantry-data", GANTRY_ALLOWED_BIND_PATHS: "/srv/a, /srv/b", GANTRY_ALLOWED_LOOPBACK_REGISTRIES: "LocalHost:5000,127.0.0.1:5001" });
  assert.deepEqual(c.allowedBindPaths, ["/srv/a", "/srv/b"]);
  assert.deepEqual(c.controlPlaneData, ["/srv/gantry-data", "/var/lib/gantry-server"]);
  assert.deepEqual(c.allowedLoopbackRegistries, ["localhost:5000", "127.0.0.1:5001"]);
  const d = loadAgentConfig([], {});
  assert.equal(d.allowedBindPaths, null);
  assert.deepEqual(d.controlPlaneData, ["/var/lib/gantry-server"]);
  assert.deepEqual(d.allowedLoopbackRegistries, []);
  assert.deepEqual(loadAgentConfig([], { GANTRY_ALLOWED_BIND_PATHS: "" }).allowedBindPaths, []);
  assert.throws(() => loadAgentConfig([], { GANTRY_ALLOWED_BIND_PATHS: "/srv/a,data" }), (e: Error) => e instanceof ConfigError && /GANTRY_ALLOWED_BIND_PATHS.*"data"/.test(e.message));
});

test("registries: loopback and unspecified addresses in every spelling", () => {
  for (const a of ["127.0.0.1", "127.9.8.7", "0.0.0.0", "::1", "::", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "::ffff:7f00:1", "::FFFF:0.0.0.0"]) assert.equal(isLocalAddress(a), true, a);
  for (const a of ["10.0.0.1", "192.168.1.1", "128.0.0.1", "::2", "fe80::1", "2001:db8::1", "::ffff:10.0.0.1", "not-an-ip"]) assert.equal(isLocalAddress(a), false, a);
});

test("registries: a pull may not target this host's loopback unless its owner allows that registry", async () => {
  const names: string[] = [];
  const lookup = (answer: string[]) => async (host: string) => (names.push(host), answer);
  const refusedPull = async (ref: string, allowed: string[] = [], answer: string[] = ["203.0.113.9"]) =>
    assert.rejects(checkPullRegistry(ref, allowed, lookup(answer)), (e: GantryError) => e.code === "bad_request" && /refuses to pull from .*GANTRY_ALLOWED_LOOPBACK_REGISTRIES/.test(e.message), ref);
  await refusedPull("127.0.0.1:2375/x");
  await refusedPull("127.1.2.3:80/x:v1");
  await refusedPull("localhost:5000/x");
  await refusedPull("localhost/x");
  await refusedPull("[::1]:5000/x");
  await refusedPull("0.0.0.0:2375/x");
  await refusedPull("api.localhost:2375/x");
  await refusedPull("127.0.0.1:2375/x", ["127.0.0.1:5000"]);
  await refusedPull("registry.example:5000/app", [], ["10.1.1.1", "127.0.0.1"]);
  assert.ok(names.includes("registry.example"));

  await checkPullRegistry("127.0.0.1:5000/x", ["127.0.0.1:5000"], lookup([]));
  await checkPullRegistry("LOCALHOST:5000/x", ["localhost:5000"], lookup([]));
  await checkPullRegistry("registry.example:5000/app", [], lookup(["10.1.1.1"]));
  names.length = 0;
  await checkPullRegistry("busybox", [], lookup(["203.0.113.9"]));
  assert.deepEqual(names, ["registry-1.docker.io"], "Docker Hub is looked up where its API lives");
  await checkPullRegistry("unresolvable.example/app", [], async () => Promise.reject(new Error("ENOTFOUND")));
  await checkPullRegistry("Not An Image", [], lookup(["127.0.0.1"]));
});
