// `gantry-agent uninstall`: after an agent ran containers on the default bridge and on a network of its own, with a
// published port, uninstalling its root removes every container process, both bridges, its iptables chains, its
// network namespaces, its owner record and its socket — and is refused while the agent still runs. --purge removes
// the state directory too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultChainPrefix } from "@/agent/network/network-service";
import { OWNERS_DIR } from "@/agent/network/owners";
import { dockerCli, dockerClientEnv, pushBusybox, removeNetworking, startEngineAgent, testNetworking } from "../support/docker-cli";
import { startRegistry } from "../support/registry";
import { REPO_ROOT } from "../support/bundle";

function gantryAgent(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, "bin/gantry-agent.mjs"), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const linksLabelled = (prefix: string) =>
  (JSON.parse(execFileSync("ip", ["-j", "-d", "link", "show"], { encoding: "utf8" })) as { ifname: string; ifalias?: string }[])
    .filter((l) => l.ifalias?.startsWith(prefix))
    .map((l) => l.ifname);
const chainExists = (table: string, chain: string) => {
  try {
    execFileSync("iptables", ["-w", "5", "-t", table, "-S", chain], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

test("gantry-agent uninstall removes the containers, bridges, chains, namespaces and socket its agent made; refused while it runs", async () => {
  const work = mkdtempSync(join(tmpdir(), "gantry-uninstall-"));
  const root = join(work, "root");
  const socket = join(work, "docker.sock");
  const net = testNetworking("gun");
  // No GANTRY_CHAIN_PREFIX: the chains are the ones that follow the bridge.
  const agentEnv = { GANTRY_ROOT: root, GANTRY_DOCKER_SOCKET: socket, GANTRY_BRIDGE: net.defaultBridge, GANTRY_BRIDGE_SUBNET: net.defaultSubnet, GANTRY_NETWORK_POOL: net.userPool };
  const chains = defaultChainPrefix(net.defaultBridge);
  const instance = createHash("sha256").update(root).digest("hex").slice(0, 8);
  const registry = await startRegistry("open");
  const agent = await startEngineAgent(root, socket, agentEnv);
  try {
    const image = await pushBusybox(registry.host);
    const { ok } = dockerCli(dockerClientEnv(work, socket));
    await ok(["pull", "-q", image]);
    await ok(["network", "create", "gun-net"]);
    await ok(["run", "-d", "--name", "web", "-p", "127.0.0.1::80", image, "sleep", "300"]);
    await ok(["run", "-d", "--name", "other", "--network", "gun-net", image, "sleep", "300"]);
    const pids = (await ok(["inspect", "-f", "{{.State.Pid}}", "web", "other"])).trim().split("\n").map(Number);
    const bridges = linksLabelled(`gantry:${instance}:bridge:`);
    assert.equal(bridges.length, 2, `the default bridge and gun-net's: ${bridges.join(" ")}`);
    assert.ok(chainExists("nat", chains) && chainExists("filter", `${chains}-FORWARD`));
    assert.ok(existsSync(join(OWNERS_DIR, `${instance}.json`)));

    const refused = await gantryAgent(["uninstall"], agentEnv);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /the agent is running .* stop it first/);
    assert.ok(pids.every(alive), "nothing was removed");

    const otherId = (await ok(["inspect", "-f", "{{.Id}}", "other"])).trim();
    await agent.stop();
    assert.ok(pids.every(alive), "containers outlive their agent");
    // An agent stopped half-way through removing "other" left its record "removing": uninstall still removes it.
    const recordPath = join(root, "containers", otherId, "config.json");
    const rec = JSON.parse(readFileSync(recordPath, "utf8"));
    rec.State.Status = "removing";
    writeFileSync(recordPath, JSON.stringify(rec));
    const done = await gantryAgent(["uninstall"], agentEnv);
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.match(done.stdout, /removed container web/);
    assert.match(done.stdout, /\(other\) was being removed when the agent stopped: removing it/);
    assert.ok(!existsSync(join(root, "containers", otherId)), "its record is gone");
    assert.ok(!pids.some(alive), "the containers' processes are gone");
    assert.deepEqual(linksLabelled(`gantry:${instance}:`), [], "no bridge or veth of it is left");
    assert.ok(!chainExists("nat", chains) && !chainExists("filter", `${chains}-FORWARD`), "its chains are gone");
    assert.deepEqual(existsSync("/run/netns") ? readdirSync("/run/netns").filter((n) => n.startsWith(`gantry-${instance}-`)) : [], []);
    assert.equal(existsSync(join(OWNERS_DIR, `${instance}.json`)), false);
    assert.equal(existsSync(socket), false);
    assert.ok(existsSync(join(root, "images")) || existsSync(root), "the state directory is kept without --purge");

    const purged = await gantryAgent(["uninstall", "--purge"], agentEnv);
    assert.equal(purged.code, 0, purged.stdout + purged.stderr);
    assert.equal(existsSync(root), false);
  } finally {
    await agent.destroy().catch(() => {});
    await removeNetworking(root, { ...net, chainPrefix: chains }).catch(() => {});
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
});
