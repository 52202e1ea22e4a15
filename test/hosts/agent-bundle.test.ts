// The agent bundle and its installer, as a host without npm, git or internet gets them: the tarball is the same bytes
// when built twice and its SHA256SUMS hold; a changed file makes install.sh refuse, naming it; preflight reports each
// check and names the one that fails; installed from the bundle alone (only its bin/node, in a private mount namespace,
// under a supervisor) the agent joins a real control plane, runs a container the API asks for, comes back after a
// kill -9; an upgrade switches `current` and the host reports the new version; an upgrade whose agent cannot start is
// rolled back; uninstall leaves no process, file or bridge.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, appendFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAgentBundle, type AgentBundleBuild } from "../../scripts/agent-bundle.mjs";
import { agentBundle } from "@/lib/hosts/agent-bundle";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { startRegistry, type TestRegistry } from "../support/registry";
import { mintJoinToken, waitFor } from "../support/agent";
import { api, setupOwner, signIn } from "../support/session";
import { pushBusybox, testNetworking } from "../support/docker-cli";

const work = mkdtempSync(join(tmpdir(), "gantry-agent-bundle-"));
const bundles: Record<"first" | "newer" | "broken", AgentBundleBuild> = {} as never;
let again: Awaited<ReturnType<typeof agentBundle>>;

before(async () => {
  const brokenAgent = join(work, "broken-agent.mjs");
  writeFileSync(brokenAgent, 'console.error("[gantry-agent] error: this agent cannot start"); process.exit(3);\n');
  // Four builds side by side (each mostly gzip): the same inputs twice (once through the control plane's agentBundle),
  // a newer version, and one whose agent exits at once.
  [bundles.first, again, bundles.newer, bundles.broken] = await Promise.all([
    buildAgentBundle({ outDir: join(work, "first") }),
    agentBundle({ dataDir: join(work, "data") }),
    buildAgentBundle({ outDir: join(work, "newer"), version: "0.1.1" }),
    buildAgentBundle({ outDir: join(work, "broken"), version: "0.1.2", agent: brokenAgent }),
  ]);
});

after(() => rmSync(work, { recursive: true, force: true }));

/** Unpacks a tarball with the system's tar; returns its one directory. */
function unpack(b: AgentBundleBuild, into: string): string {
  mkdirSync(into, { recursive: true });
  execFileSync("tar", ["-xzf", b.file, "-C", into]);
  const [top] = readdirSync(into);
  assert.equal(top, `gantry-agent-${b.version}`);
  return join(into, top!);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function sh(args: string[], env: Record<string, string> = {}, nsPid?: number): Promise<Run> {
  const [file, argv] = nsPid ? ["nsenter", ["-t", String(nsPid), "-m", "--", "sh", ...args]] : ["sh", args];
  return new Promise((resolve) =>
    execFile(file, argv as string[], { env: { ...process.env, ...env }, timeout: 180_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    ),
  );
}

test("the bundle is the same bytes built twice, its SHA256SUMS hold, and install.sh refuses a changed file by name", async () => {
  const { first } = bundles;
  assert.equal(again.sha256, first.sha256, "the control plane's build of the same sources is the same tarball");
  assert.equal(again.version, first.version);
  assert.match(first.version, /^\d+\.\d+\.\d+\+[0-9a-f]{12}$/);
  assert.match(first.file, new RegExp(`gantry-agent-${first.version.replace("+", "\\+")}-(x86_64|aarch64)-${first.sha256.slice(0, 12)}\\.tar\\.gz$`));
  assert.notEqual(bundles.newer.sha256, first.sha256);
  // agentBundle reuses its build while the sources are unchanged: no second build, the same file.
  const started = Date.now();
  const reused = await agentBundle({ dataDir: join(work, "data") });
  assert.deepEqual(reused, again);
  assert.ok(Date.now() - started < 1000, `reused, not built again (${Date.now() - started} ms)`);

  const dir = unpack(first, join(work, "unpacked"));
  const listed = execFileSync("tar", ["-tvzf", first.file], { encoding: "utf8" });
  for (const line of listed.trim().split("\n")) assert.match(line, /^\S+ root\/root .* 2000-01-01 00:00 /, line);
  execFileSync("sha256sum", ["--quiet", "-c", "SHA256SUMS"], { cwd: dir });
  const sums = readFileSync(join(dir, "SHA256SUMS"), "utf8");
  for (const f of ["bin/node", "agent.mjs", "install.sh", "VERSION", "ARCH", "native/build/gantry-runtime", "native/build/gantry-monitor", "native/build/gantry-sys.node"]) {
    assert.match(sums, new RegExp(`^[0-9a-f]{64}  ${f}$`, "m"), f);
  }
  assert.equal(readFileSync(join(dir, "VERSION"), "utf8").trim(), first.version);
  // The bundled agent runs with the bundle's node alone (no node_modules anywhere above it) and says its version.
  const help = execFileSync(join(dir, "bin/node"), [join(dir, "agent.mjs"), "--help"], { encoding: "utf8", cwd: dir });
  assert.match(help, /^usage: gantry-agent/);

  appendFileSync(join(dir, "native/build/gantry-monitor"), "x");
  const inst = join(work, "refused");
  const refused = await sh([join(dir, "install.sh"), "install", "--server", "http://127.0.0.1:9", "--token", "gjt_never"], installEnv(inst));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /checksum mismatch: native\/build\/gantry-monitor\b/);
  assert.ok(!refused.stdout.includes("gjt_never") && !refused.stderr.includes("gjt_never"), "the token is never printed");
  assert.deepEqual(existsSync(inst) ? readdirSync(inst) : [], [], "nothing was installed");
});

function installEnv(inst: string, more: Record<string, string> = {}): Record<string, string> {
  return {
    GANTRY_INSTALL_PREFIX: join(inst, "opt"),
    GANTRY_INSTALL_ETC: join(inst, "etc"),
    GANTRY_INSTALL_STATE: join(inst, "state"),
    GANTRY_INSTALL_RUN: join(inst, "run"),
    GANTRY_INSTALL_INIT: "supervisor",
    ...more,
  };
}

/**
 * A private mount namespace kept by a sleeping process: the installed agent, its containers' mounts and its network
 * namespaces live in it; the machine's own /opt/gantry, /etc/gantry, /var/lib/gantry and /run/gantry (where they
 * exist) are hidden under empty tmpfs there, so an install that ignored its overrides could not touch them.
 */
function mountNamespace(): { pid: number; stop(): void } {
  const hide = ["/opt/gantry", "/etc/gantry", "/var/lib/gantry", "/run/gantry"].filter((d) => existsSync(d));
  const script = `${hide.map((d) => `mount -t tmpfs -o size=1m gantry-test ${d} && `).join("")}echo ready && exec sleep 3600`;
  const holder: ChildProcess = spawn("unshare", ["-m", "--propagation", "private", "sh", "-c", script], { stdio: ["ignore", "pipe", "inherit"] });
  return {
    pid: holder.pid!,
    stop: () => holder.kill("SIGKILL"),
  };
}

async function waitReady(ns: { pid: number }) {
  await waitFor("the mount namespace", async () => readlinkSync(`/proc/${ns.pid}/ns/mnt`) !== readlinkSync("/proc/self/ns/mnt") && readlinkSync(`/proc/${ns.pid}/exe`).endsWith("sleep"), 5000, 20);
}

test("preflight reports every check and names the one that fails: no overlayfs, too little disk", async () => {
  const dir = unpack(bundles.first, join(work, "preflight"));
  const inst = join(work, "preflight-inst");
  const ok = await sh([join(dir, "install.sh"), "preflight"], installEnv(inst));
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  for (const check of ["root", "kernel", "cgroup", "overlayfs", "architecture", "runtime", "disk", "iptables", "dockerd", "agent", "init"]) {
    assert.match(ok.stdout, new RegExp(`^gantry-install: preflight: ${check}: ok: .+$`, "m"), check);
  }

  // A kernel without overlayfs: preflight reads a copy of /proc/filesystems without it.
  const proc = join(work, "proc");
  mkdirSync(proc);
  writeFileSync(join(proc, "filesystems"), readFileSync("/proc/filesystems", "utf8").split("\n").filter((l) => !/\boverlay$/.test(l)).join("\n"));
  writeFileSync(join(proc, "mounts"), readFileSync("/proc/mounts", "utf8"));
  const noOverlay = await sh([join(dir, "install.sh"), "preflight"], installEnv(inst, { GANTRY_INSTALL_PROC: proc }));
  assert.equal(noOverlay.code, 1);
  assert.match(noOverlay.stdout, /^gantry-install: preflight: overlayfs: fail: the kernel has no overlay filesystem/m);
  assert.match(noOverlay.stderr, /failed: overlayfs$/m);

  // A state directory on a 16 MiB file system; install stops at preflight and leaves nothing.
  const ns = mountNamespace();
  try {
    await waitReady(ns);
    const small = join(work, "small");
    mkdirSync(small);
    execFileSync("nsenter", ["-t", String(ns.pid), "-m", "mount", "-t", "tmpfs", "-o", "size=16m", "gantry-small", small]);
    const env = installEnv(inst, { GANTRY_INSTALL_STATE: join(small, "state") });
    const full = await sh([join(dir, "install.sh"), "preflight"], env, ns.pid);
    assert.equal(full.code, 1);
    assert.match(full.stdout, /^gantry-install: preflight: disk: fail: 16 MiB free under .*small, 1024 MiB needed$/m);
    assert.match(full.stderr, /failed: disk$/m);
    const install = await sh([join(dir, "install.sh"), "install", "--server", "http://127.0.0.1:9", "--token", "gjt_x"], env, ns.pid);
    assert.equal(install.code, 1);
    assert.match(install.stderr, /preflight failed: disk/);
    assert.ok(!existsSync(inst), "nothing was installed");
  } finally {
    ns.stop();
  }
});

test("installed from the bundle alone, the agent joins, runs a container, survives kill -9, upgrades, rolls back a broken upgrade and uninstalls without a trace", async () => {
  const inst = join(work, "inst");
  const env = installEnv(inst);
  const net = testNetworking("gib");
  const hiddenBefore = ["/opt/gantry", "/etc/gantry"].filter((d) => existsSync(d));
  let cp: ControlPlane | null = null;
  let registry: TestRegistry | null = null;
  const ns = mountNamespace();
  try {
    [cp, registry] = await Promise.all([startControlPlane(), startRegistry("open"), waitReady(ns)]);
    const image = await pushBusybox(registry.host);
    const owner = await setupOwner(cp);
    const cookie = await signIn(cp, owner.email, owner.password);
    const c = api(cp, cookie);
    const { token } = await mintJoinToken(cp.url, cookie);

    const first = unpack(bundles.first, join(work, "x-first"));
    const installed = await sh(
      [
        join(first, "install.sh"), "install", "--server", cp.url, "--token", token,
        "--env", `GANTRY_BRIDGE=${net.defaultBridge}`, "--env", `GANTRY_BRIDGE_SUBNET=${net.defaultSubnet}`,
        "--env", `GANTRY_NETWORK_POOL=${net.userPool}`, "--env", `GANTRY_CHAIN_PREFIX=${net.chainPrefix}`,
        "--env", `GANTRY_ALLOWED_LOOPBACK_REGISTRIES=${registry.host}`,
      ],
      env,
      ns.pid,
    );
    assert.equal(installed.code, 0, installed.stdout + installed.stderr);
    for (const step of ["verified", "copied version", "wrote .*agent.env", "current -> versions/", "started the supervisor", "the agent is up", "installed version"]) {
      assert.match(installed.stdout, new RegExp(`^gantry-install: install: ${step}`, "m"), step);
    }
    const envFile = join(inst, "etc/agent.env");
    assert.equal(statSync(envFile).mode & 0o777, 0o600);
    assert.match(readFileSync(envFile, "utf8"), /^GANTRY_SERVER_URL=/m);
    assert.doesNotMatch(readFileSync(envFile, "utf8"), /GANTRY_JOIN_TOKEN/, "the spent join token is not kept");
    assert.match(installed.stdout, /^gantry-install: install: removed the spent join token/m);
    const log = () => readFileSync(join(inst, "state/agent.log"), "utf8");
    const connections = () => log().split(`connected to ${cp!.url}`).length - 1;
    for (const text of [installed.stdout, installed.stderr, log()]) assert.ok(!text.includes(token), "the join token is never printed or logged");
    assert.equal(readlinkSync(join(inst, "opt/current")), join(inst, "opt/versions", bundles.first.version));

    const host = await waitFor("the installed host online", async () => {
      const hosts = (await c.get("/api/v1/hosts")).body.items as { id: number; status: string; agentVersion: string }[];
      return hosts.find((h) => h.status === "online");
    }, 30_000);
    assert.equal(host.agentVersion, bundles.first.version);
    const hostUrl = `/api/v1/hosts/${host.id}`;

    // A container through the API, on the installed agent.
    const pull = await fetch(`${cp.url}${hostUrl}/images/pull`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body: JSON.stringify({ ref: image }) });
    assert.equal(pull.status, 200);
    assert.match(await pull.text(), /"end":true/);
    const run = await c.post(`${hostUrl}/containers`, { image, name: "bundled", cmd: ["sleep", "300"], network: "none" });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    assert.equal(run.body.container.state, "running");
    const running = async () => ((await c.get(`${hostUrl}/containers`)).body as { name: string; state: string }[]).find((x) => x.name === "bundled")?.state === "running";

    // kill -9: the supervisor starts the agent again and the host comes back; the container ran on throughout.
    const agentPid = Number(readFileSync(join(inst, "run/agent.pid"), "utf8"));
    const before = connections();
    process.kill(agentPid, "SIGKILL");
    await waitFor("a new agent", async () => {
      const pid = Number(readFileSync(join(inst, "run/agent.pid"), "utf8"));
      return pid !== agentPid && existsSync(`/proc/${pid}`);
    }, 15_000);
    assert.match(log(), /agent exited \(137\): starting it again in 1 s/);
    await waitFor("the host online again", async () => connections() > before && (await c.get(hostUrl)).body.status === "online", 30_000);
    assert.ok(await running());

    // Upgrade: the newer version beside the running one, `current` switched, the host reports it.
    const newer = unpack(bundles.newer, join(work, "x-newer"));
    const upgraded = await sh([join(newer, "install.sh"), "upgrade"], env, ns.pid);
    assert.equal(upgraded.code, 0, upgraded.stdout + upgraded.stderr);
    assert.match(upgraded.stdout, new RegExp(`^gantry-install: upgrade: upgraded ${bundles.first.version.replace("+", "\\+")} to ${bundles.newer.version.replace("+", "\\+")}$`, "m"));
    assert.equal(readlinkSync(join(inst, "opt/current")), join(inst, "opt/versions", bundles.newer.version));
    assert.equal(readlinkSync(join(inst, "opt/previous")), join(inst, "opt/versions", bundles.first.version));
    await waitFor("the host on the new version", async () => {
      const h = (await c.get(hostUrl)).body;
      return h.status === "online" && h.agentVersion === bundles.newer.version;
    }, 30_000);

    // An upgrade whose agent exits at once: rolled back, the running version runs again.
    const broken = unpack(bundles.broken, join(work, "x-broken"));
    const beforeBroken = connections();
    const failed = await sh([join(broken, "install.sh"), "upgrade"], env, ns.pid);
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    assert.match(failed.stderr, /the agent exited 2 times without coming up/);
    assert.match(failed.stderr, /this agent cannot start/, "the failed agent's own words are shown");
    assert.match(failed.stderr, /rolling back to 0\.1\.1\+/);
    assert.match(failed.stdout, /^gantry-install: rollback: rolled back to 0\.1\.1\+/m);
    assert.match(failed.stderr, /upgrade to 0\.1\.2\+\w+ failed; 0\.1\.1\+\w+ runs again$/m);
    assert.equal(readlinkSync(join(inst, "opt/current")), join(inst, "opt/versions", bundles.newer.version));
    assert.equal(readlinkSync(join(inst, "opt/previous")), join(inst, "opt/versions", bundles.first.version));
    assert.deepEqual(readdirSync(join(inst, "opt/versions")).sort(), [bundles.first.version, bundles.newer.version].sort());
    await waitFor("the host back on the version before", async () => {
      const h = (await c.get(hostUrl)).body;
      return connections() > beforeBroken && h.status === "online" && h.agentVersion === bundles.newer.version;
    }, 30_000);
    assert.ok(await running());

    // Uninstall (the installed copy's install.sh): no agent, supervisor or container process, no file, no bridge.
    const supervisorPid = Number(readFileSync(join(inst, "run/supervisor.pid"), "utf8"));
    const lastAgent = Number(readFileSync(join(inst, "run/agent.pid"), "utf8"));
    const removed = await sh([join(inst, "opt/current/install.sh"), "uninstall"], env, ns.pid);
    assert.equal(removed.code, 0, removed.stdout + removed.stderr);
    assert.match(removed.stdout, /removed container bundled/);
    for (const pid of [supervisorPid, lastAgent]) assert.ok(!existsSync(`/proc/${pid}`), `process ${pid} is gone`);
    const leftovers = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(inst);
      } catch {
        return false;
      }
    });
    assert.deepEqual(leftovers, [], "no process runs from the install");
    assert.deepEqual(readdirSync(inst), [], "prefix, etc, state and run dirs are gone");
    assert.throws(() => execFileSync("ip", ["link", "show", "dev", net.defaultBridge], { stdio: "ignore" }), "its bridge is gone");
    await waitFor("the host offline", async () => (await c.get(hostUrl)).body?.status === "offline", 15_000);
    // Run again: nothing to remove, still fine.
    assert.equal((await sh([join(first, "install.sh"), "uninstall"], env, ns.pid)).code, 0);
    // The machine's own directories were never written to (hidden in the namespace; those absent were not made).
    for (const d of ["/opt/gantry", "/etc/gantry"]) assert.equal(existsSync(d), hiddenBefore.includes(d), d);
  } finally {
    // A test that failed half-way still takes its agent, containers and bridge away.
    if (existsSync(join(inst, "opt/current/install.sh"))) await sh([join(inst, "opt/current/install.sh"), "uninstall"], env, ns.pid);
    ns.stop();
    await Promise.all([cp?.destroy(), registry?.stop()]);
  }
});
