// An agent restart: start() on a new service instance recreates lost rules (idempotently), keeps the endpoints of
// containers that still exist working (address, DNS, published port), and reaps what belongs to containers that are
// gone — their veth, address and DNAT rule — plus labelled links no record explains and stray namespaces.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { rmSync } from "node:fs";
import { makeWorld, sh, shAsync, waitForOutput } from "./helpers";
import { NetworkService } from "@/agent/network/network-service";

const world = makeWorld("reconcile");
after(() => world.cleanup());

const linkExists = (name: string) => {
  try {
    sh("ip", "link", "show", "dev", name);
    return true;
  } catch {
    return false;
  }
};

function readFrom(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port });
    let data = "";
    s.setTimeout(5000, () => s.destroy(new Error(`no answer on 127.0.0.1:${port}`)));
    s.on("data", (d) => (data += d)).on("end", () => resolve(data)).on("error", reject);
  });
}

test("restart: rules come back, live containers keep working, orphans are reaped", async () => {
  const first = world.service;
  await first.start({ containerExists: () => true });
  const rnet = await first.create("rnet");
  const keep = world.netns("keep");
  const gone = world.netns("gone");
  const keepId = world.containerId();
  const goneId = world.containerId();
  const kept = await first.attach(keepId, keep.path, "rnet", {
    containerName: "keeper",
    ports: [{ hostIp: "127.0.0.1", hostPort: 0, containerPort: 7000, protocol: "tcp" }],
  });
  const lost = await first.attach(goneId, gone.path, "rnet", {
    containerName: "goner",
    ports: [{ hostIp: "127.0.0.1", hostPort: 0, containerPort: 7000, protocol: "tcp" }],
  });
  const strayNs = await first.createNetns(goneId);
  // A veth carrying this agent's label that no record explains (a crash between creating it and recording it).
  const ghost = `gvghost${process.pid % 10000}`;
  sh("ip", "link", "add", ghost, "type", "veth", "peer", "name", `${ghost}p`);
  sh("ip", "link", "set", "dev", ghost, "alias", `gantry:${first.instance}:veth:ghost`, "master", rnet.bridge!);
  // A labelled bridge whose network record is gone (a crash in the middle of `network rm`).
  const ghostBridge = `gtrghost${process.pid % 10000}`;
  sh("ip", "link", "add", ghostBridge, "type", "bridge");
  sh("ip", "link", "set", "dev", ghostBridge, "alias", `gantry:${first.instance}:bridge:${"0".repeat(64)}`);
  // Someone else's veth (no label) is none of our business.
  const foreign = `gvfor${process.pid % 10000}`;
  sh("ip", "link", "add", foreign, "type", "veth", "peer", "name", `${foreign}p`);
  try {
    const server = world.spawnIn(keep.name, process.execPath, [
      "-e",
      `require("node:net").createServer((s) => s.end("still here")).listen(7000, "${kept.ipv4}", () => console.log("ready"))`,
    ]);
    await waitForOutput(server, /ready/);
    assert.equal(await readFrom(kept.ports[0].hostPort), "still here");

    // The agent stops; meanwhile someone flushes Gantry's DNAT chain.
    await first.close();
    sh("iptables", "-w", "-t", "nat", "-F", world.options.chainPrefix!);
    await assert.rejects(readFrom(kept.ports[0].hostPort), "no rule, no answer");

    const second = world.restart();
    const report = await second.start({ containerExists: (id) => id !== goneId });
    assert.deepEqual(report.endpoints, [`${goneId}@rnet`]);
    assert.deepEqual(report.links.sort(), [ghost, ghostBridge].sort());
    assert.ok(!linkExists(ghostBridge), "the orphaned bridge was reaped");
    assert.deepEqual(report.namespaces, [strayNs.split("/").pop()]);

    assert.equal(await readFrom(kept.ports[0].hostPort), "still here", "the kept container's rule was recreated");
    assert.ok(!linkExists(lost.hostVeth!), "the gone container's veth was reaped");
    assert.ok(!linkExists(ghost), "the unexplained labelled veth was reaped");
    assert.ok(linkExists(foreign), "an unlabelled veth was left alone");
    assert.ok(linkExists(kept.hostVeth!));
    const rules = await second.listedRules();
    const dnat = rules.nat.filter((r) => r.includes("-j DNAT"));
    assert.equal(dnat.length, 1, dnat.join("\n"));
    assert.ok(dnat[0].includes(`--to-destination ${kept.ipv4}:7000`));
    const inspected = await second.inspect("rnet");
    assert.deepEqual(Object.keys(inspected.containers), [keepId]);
    assert.deepEqual(second.endpointsOf(goneId), []);

    // Starting again changes nothing (idempotent): same rules, nothing reaped.
    await second.close();
    const third = world.restart();
    const again = await third.start({ containerExists: (id) => id !== goneId });
    assert.deepEqual(again, { endpoints: [], links: [], namespaces: [], addresses: [] });
    assert.deepEqual(await third.listedRules(), rules);

    // Damage while the agent is down: the bridge is deleted (its ports fall off it), then the veth itself.
    await third.close();
    sh("ip", "link", "del", "dev", rnet.bridge!);
    const fourth = world.restart();
    assert.deepEqual(await fourth.start({ containerExists: (id) => id !== goneId }), { endpoints: [], links: [], namespaces: [], addresses: [] });
    assert.equal(await readFrom(kept.ports[0].hostPort), "still here", "bridge recreated, veth put back on it");
    await fourth.close();
    sh("ip", "link", "del", "dev", kept.hostVeth!);
    const fifth = world.restart();
    await fifth.start({ containerExists: (id) => id !== goneId });
    assert.ok(linkExists(kept.hostVeth!), "the missing veth was made again");
    assert.match(sh("ip", "-n", keep.name, "-4", "addr", "show", "dev", "eth0"), new RegExp(`inet ${kept.ipv4!.replace(/\./g, "\\.")}/24`));
    // The server inside was bound to the address, which was gone for a moment; start it again.
    server.kill();
    const server2 = world.spawnIn(keep.name, process.execPath, [
      "-e",
      `require("node:net").createServer((s) => s.end("back again")).listen(7000, "${kept.ipv4}", () => console.log("ready"))`,
    ]);
    await waitForOutput(server2, /ready/);
    assert.equal(await readFrom(kept.ports[0].hostPort), "back again");

    // Names still resolve through the restarted agent's DNS server.
    const answer = await shAsync("ip", "netns", "exec", keep.name, "busybox", "nslookup", "keeper", rnet.gateway!);
    assert.match(answer, new RegExp(`Address: ${kept.ipv4!.replace(/\./g, "\\.")}`));
    server2.kill();
    await fifth.detach(keepId, "rnet");
    await fifth.close();
  } finally {
    try {
      sh("ip", "link", "del", foreign);
    } catch {
      /* gone */
    }
    for (const l of [ghost, ghostBridge]) {
      try {
        sh("ip", "link", "del", l);
      } catch {
        /* reaped */
      }
    }
  }
});

test("the default network's subnet follows the configuration while nothing is attached to it", async () => {
  const w = makeWorld("resubnet");
  try {
    await w.service.start({ containerExists: () => true });
    const before = await w.service.inspect("bridge");
    await w.service.close();
    const [a, b] = w.options.defaultSubnet!.split(".");
    const moved = new NetworkService({ ...w.options, defaultSubnet: `${a}.${b}.32.0/24` });
    await moved.start({ containerExists: () => true });
    const after = await moved.inspect("bridge");
    assert.equal(after.id, before.id, "the same network");
    assert.equal(after.subnet, `${a}.${b}.32.0/24`);
    const addrs = sh("ip", "-4", "-o", "addr", "show", "dev", w.options.defaultBridge!).trim().split("\n");
    assert.equal(addrs.length, 1, addrs.join("\n"));
    assert.match(addrs[0], new RegExp(`inet ${a}\\.${b}\\.32\\.1/24`));

    // With a container attached it stays as it is.
    const ns = w.netns("pin");
    await moved.attach(w.containerId(), ns.path, "bridge", { containerName: "pinned" });
    await moved.close();
    const logs: string[] = [];
    const pinned = new NetworkService({ ...w.options, log: (m) => logs.push(m) });
    await pinned.start({ containerExists: () => true });
    assert.equal((await pinned.inspect("bridge")).subnet, `${a}.${b}.32.0/24`);
    assert.ok(logs.some((l) => l.includes("containers are attached")), logs.join("\n"));
    await pinned.uninstall();
    await moved.uninstall();
  } finally {
    await w.cleanup();
  }
});

test("an agent with another root does not take over a bridge in use; it adopts one left empty", async () => {
  const a = makeWorld("owner");
  const b = makeWorld("intruder", {});
  try {
    await a.service.start({ containerExists: () => true });
    const ns = a.netns("held");
    const id = a.containerId();
    await a.service.attach(id, ns.path, "bridge", { containerName: "held" });
    const intruder = new NetworkService({ ...b.options, defaultBridge: a.options.defaultBridge, defaultSubnet: a.options.defaultSubnet });
    assert.notEqual(intruder.instance, a.service.instance);
    await assert.rejects(intruder.start({ containerExists: () => true }), /bridge gtb\w+ is in use by another Gantry agent/);
    await a.service.detach(id, "bridge");
    await a.service.close();
    const adopter = new NetworkService({ ...b.options, defaultBridge: a.options.defaultBridge, defaultSubnet: a.options.defaultSubnet });
    await adopter.start({ containerExists: () => true });
    assert.match(sh("ip", "-d", "link", "show", "dev", a.options.defaultBridge!), new RegExp(`alias gantry:${adopter.instance}:bridge:`));
    await adopter.uninstall();
    await intruder.uninstall();
  } finally {
    await b.cleanup();
    await a.cleanup();
  }
});

const chainsExist = (prefix: string) => {
  try {
    sh("iptables", "-w", "5", "-t", "nat", "-S", prefix);
    return true;
  } catch {
    return false;
  }
};

test("a bridge whose owner's state directory is gone is reclaimed, with that owner's interfaces and chains", async () => {
  const a = makeWorld("gone-root");
  const b = makeWorld("heir");
  try {
    await a.service.start({ containerExists: () => true });
    const held = await a.service.attach(a.containerId(), a.netns("held").path, "bridge", { containerName: "held" });
    await a.service.close();
    assert.ok(chainsExist(a.options.chainPrefix!));
    rmSync(a.root, { recursive: true, force: true }); // a test's temporary root, or an install removed by hand

    const logs: string[] = [];
    const heir = new NetworkService({ ...b.options, defaultBridge: a.options.defaultBridge, defaultSubnet: a.options.defaultSubnet, log: (m) => logs.push(m) });
    await heir.start({ containerExists: () => true });
    const bridge = a.options.defaultBridge!;
    assert.match(sh("ip", "-d", "link", "show", "dev", bridge), new RegExp(`alias gantry:${heir.instance}:bridge:`));
    assert.equal(linkExists(held.hostVeth!), false, "the gone agent's veth left the bridge");
    assert.equal(chainsExist(a.options.chainPrefix!), false, "its chains are gone");
    assert.ok(logs.some((l) => new RegExp(`reclaimed bridge ${bridge} .*state directory ${a.root} is gone.*interface.*chains ${a.options.chainPrefix}`).test(l)), logs.join("\n"));
    // The heir's own containers get addresses on it.
    const mine = await heir.attach(b.containerId(), b.netns("mine").path, "bridge", { containerName: "mine" });
    assert.ok(mine.ipv4);
    await heir.uninstall();
  } finally {
    await b.cleanup();
    await a.cleanup();
  }
});

test("a live agent in another process keeps its bridge; once its process ends the bridge is reclaimed", async () => {
  const owner = makeWorld("owner-proc");
  const b = makeWorld("successor");
  const { spawn } = await import("node:child_process");
  const { REPO_ROOT } = await import("../support/bundle");
  const netnsPath = owner.netns("held").path;
  const child = spawn(process.execPath, ["--import", "tsx", "test/network/fixtures/hold-bridge.ts", JSON.stringify({ options: owner.options, containerId: owner.containerId(), netnsPath })], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    await waitForOutput(child, /holding/, 30_000);
    const options = { ...b.options, defaultBridge: owner.options.defaultBridge, defaultSubnet: owner.options.defaultSubnet };
    const refused = new NetworkService(options);
    await assert.rejects(refused.start({ containerExists: () => true }), new RegExp(`in use by another Gantry agent \\(state in ${owner.root}, pid ${child.pid}\\)`));
    assert.ok(chainsExist(owner.options.chainPrefix!), "the live agent's chains are untouched");

    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const logs: string[] = [];
    const successor = new NetworkService({ ...options, log: (m) => logs.push(m) });
    await successor.start({ containerExists: () => true });
    assert.match(sh("ip", "-d", "link", "show", "dev", owner.options.defaultBridge!), new RegExp(`alias gantry:${successor.instance}:bridge:`));
    assert.ok(logs.some((l) => new RegExp(`reclaimed bridge .*its process ${child.pid} has ended`).test(l)), logs.join("\n"));
    assert.equal(chainsExist(owner.options.chainPrefix!), false);
    await successor.uninstall();
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await b.cleanup();
    await owner.cleanup();
  }
});
