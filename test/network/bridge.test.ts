// The network engine against the real kernel: namespaces made with `ip netns add` stand in for containers. Two of
// them on a user-defined network ping each other and resolve each other by name and alias through the embedded DNS
// server; a published port answers on 127.0.0.1 and on the bridge address and stops when detached; none gives only
// lo; connect/disconnect moves eth1 and the default route; network create/ls/inspect/rm rules. Every namespace,
// link and rule is removed afterwards, also on failure.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { mkdirSync, writeFileSync, rmSync } from "node:fs";
import { makeWorld, sh, shAsync, waitForOutput } from "./helpers";

const world = makeWorld("bridge");
after(() => world.cleanup());

const svc = world.service;
const S = world.options.defaultSubnet!.split(".").slice(0, 2).join("."); // "10.x": this run's own range
let started = false;
async function ready() {
  if (!started) {
    await svc.start({ containerExists: () => true });
    started = true;
  }
}

const linkNames = (ns: string) => (JSON.parse(sh("ip", "-n", ns, "-j", "link", "show")) as { ifname: string; flags: string[] }[]);
const defaultRoute = (ns: string) => sh("ip", "-n", ns, "route", "show", "default").trim();

const nxdomain = (e: Error & { stdout?: string; stderr?: string }) => /NXDOMAIN/.test(`${e.stdout}${e.stderr}`);

function connectAndRead(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let data = "";
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer from ${host}:${port}`));
    }, 5000);
    sock.on("data", (d) => (data += d));
    sock.on("end", () => {
      clearTimeout(timer);
      resolve(data);
    });
    sock.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

test("two containers on a user-defined network reach each other by address, name and alias", async () => {
  await ready();
  const network = await svc.create("appnet", { labels: { tier: "test" } });
  assert.match(network.bridge!, /^gtr-[0-9a-f]{11}$/);
  assert.ok(sh("ip", "-j", "link", "show", "dev", network.bridge!).includes(network.bridge!), "the bridge exists");

  const a = world.netns("a");
  const b = world.netns("b");
  const idA = world.containerId();
  const idB = world.containerId();
  const epA = await svc.attach(idA, a.path, "appnet", { containerName: "alpha" });
  const epB = await svc.attach(idB, b.path, "appnet", { containerName: "beta", aliases: ["db"] });
  assert.equal(epA.ifName, "eth0");
  assert.equal(epA.gateway, network.gateway);
  assert.notEqual(epA.ipv4, epB.ipv4);
  assert.deepEqual(epB.dnsNames, ["beta", "db", idB.slice(0, 12)]);

  const inA = linkNames(a.name);
  assert.deepEqual(inA.map((l) => l.ifname).sort(), ["eth0", "lo"]);
  assert.ok(inA.every((l) => l.flags.includes("UP")), "lo and eth0 are up");
  assert.match(sh("ip", "-n", a.name, "-4", "addr", "show", "dev", "eth0"), new RegExp(`inet ${epA.ipv4!.replace(/\./g, "\\.")}/24`));
  assert.equal(defaultRoute(a.name).split(" ").slice(0, 3).join(" "), `default via ${network.gateway}`);

  sh("ip", "netns", "exec", a.name, "busybox", "ping", "-c1", "-W2", epB.ipv4!);
  sh("ip", "netns", "exec", b.name, "busybox", "ping", "-c1", "-W2", epA.ipv4!);

  // Resolution through the resolv.conf the lifecycle would write (ip netns exec mounts /etc/netns/<ns>/resolv.conf).
  const resolv = await svc.resolvConfFor(idA);
  assert.match(resolv, new RegExp(`^nameserver ${network.gateway!.replace(/\./g, "\\.")}$`, "m"));
  const tuned = await svc.resolvConfFor(idA, { dns: ["10.0.0.9"], dnsSearch: ["corp.test"], dnsOptions: ["ndots:2", "timeout:1"] });
  assert.deepEqual(tuned.split("\n").filter((l) => l && !l.startsWith("#")), [
    `nameserver ${network.gateway}`,
    "search corp.test",
    "options ndots:2 timeout:1",
  ], "on a user network the embedded server stays the nameserver");
  mkdirSync(`/etc/netns/${a.name}`, { recursive: true });
  try {
    writeFileSync(`/etc/netns/${a.name}/resolv.conf`, resolv);
    const beta = await shAsync("ip", "netns", "exec", a.name, "busybox", "nslookup", "beta");
    assert.match(beta, new RegExp(`Address: ${epB.ipv4!.replace(/\./g, "\\.")}`));
    const alias = await shAsync("ip", "netns", "exec", a.name, "busybox", "nslookup", "DB");
    assert.match(alias, new RegExp(`Address: ${epB.ipv4!.replace(/\./g, "\\.")}`), "aliases resolve, case-insensitively");
    const short = await shAsync("ip", "netns", "exec", a.name, "busybox", "nslookup", idB.slice(0, 12));
    assert.match(short, new RegExp(`Address: ${epB.ipv4!.replace(/\./g, "\\.")}`), "the short id resolves");
    await shAsync("ip", "netns", "exec", a.name, "busybox", "ping", "-c1", "-W2", "beta");
    await assert.rejects(shAsync("ip", "netns", "exec", a.name, "busybox", "nslookup", "nosuchcontainer"), nxdomain);
  } finally {
    rmSync(`/etc/netns/${a.name}`, { recursive: true, force: true });
  }

  // A container on another network does not see these names.
  const other = await svc.create("othernet");
  const c = world.netns("c");
  const idC = world.containerId();
  const epC = await svc.attach(idC, c.path, "othernet", { containerName: "gamma" });
  const fromOther = await shAsync("ip", "netns", "exec", c.name, "busybox", "nslookup", "gamma", other.gateway!);
  assert.match(fromOther, new RegExp(`Address: ${epC.ipv4!.replace(/\./g, "\\.")}`));
  await assert.rejects(shAsync("ip", "netns", "exec", c.name, "busybox", "nslookup", "beta", other.gateway!), nxdomain);
  assert.throws(() => sh("ip", "netns", "exec", c.name, "busybox", "ping", "-c1", "-W1", epA.ipv4!), "networks are isolated from each other");

  const inspected = await svc.inspect("appnet");
  assert.deepEqual(Object.keys(inspected.containers).sort(), [idA, idB].sort());
  assert.equal(inspected.containers[idB].name, "beta");
  assert.equal(inspected.labels.tier, "test");

  await assert.rejects(svc.remove("appnet"), /has active endpoints/);
  await svc.detach(idA, "appnet");
  assert.throws(() => sh("ip", "link", "show", "dev", epA.hostVeth!), "the host end is gone");
  assert.deepEqual(linkNames(a.name).map((l) => l.ifname), ["lo"], "detach removed the veth");
  await svc.detach(idB, "appnet");
  await svc.detach(idC, "othernet");
  await svc.remove("appnet");
  await svc.remove(other.id.slice(0, 12));
  assert.throws(() => sh("ip", "link", "show", "dev", network.bridge!), "the bridge went with the network");
  await assert.rejects(svc.inspect("appnet"), /network appnet not found/);
});

test("a published port answers on 127.0.0.1 and on the bridge address, and stops when detached", async () => {
  await ready();
  const ns = world.netns("web");
  const id = world.containerId();
  const ep = await svc.attach(id, ns.path, "bridge", {
    containerName: "web",
    ports: [
      { hostIp: "0.0.0.0", hostPort: 0, containerPort: 8080, protocol: "tcp" },
      { hostIp: "127.0.0.1", hostPort: 0, containerPort: 8081, protocol: "tcp" },
    ],
  });
  const [pub, local] = ep.ports;
  const hostResolv = sh("cat", "/etc/resolv.conf");
  assert.ok(!/nameserver 127\./.test(await svc.resolvConfFor(id)), "no loopback resolver inside a namespace");
  assert.equal((await svc.resolvConfFor(id)).match(/^nameserver .*/gm)?.join(), hostResolv.match(/^nameserver (?!127\.).*/gm)?.join());
  const custom = await svc.resolvConfFor(id, { dns: ["10.0.0.9"], dnsSearch: ["corp.test"] });
  assert.deepEqual(custom.match(/^(nameserver|search) .*/gm), ["nameserver 10.0.0.9", "search corp.test"]);
  await assert.rejects(svc.resolvConfFor(id, { dns: ["dns.example"] }), /invalid --dns server/);
  assert.ok(pub.hostPort > 0 && local.hostPort > 0 && pub.hostPort !== local.hostPort, `ephemeral ports chosen: ${pub.hostPort}, ${local.hostPort}`);
  assert.deepEqual(svc.portsOf(id), ep.ports);

  const server = world.spawnIn(ns.name, process.execPath, [
    "-e",
    `const net = require("node:net");
     let n = 0;
     for (const port of [8080, 8081]) net.createServer((s) => s.end("hello from " + port)).listen(port, "${ep.ipv4}", () => ++n === 2 && console.log("ready"));`,
  ]);
  await waitForOutput(server, /ready/);

  assert.equal(await connectAndRead("127.0.0.1", pub.hostPort), "hello from 8080");
  const bridge = (await svc.inspect("bridge")).gateway!;
  assert.equal(await connectAndRead(bridge, pub.hostPort), "hello from 8080");
  assert.equal(await connectAndRead("127.0.0.1", local.hostPort), "hello from 8081");
  await assert.rejects(connectAndRead(bridge, local.hostPort), "a port published on 127.0.0.1 is not reachable on other addresses");

  // Hairpin: a neighbour on the same bridge reaches the published port through the bridge address.
  const neighbour = world.netns("neighbour");
  const nId = world.containerId();
  await svc.attach(nId, neighbour.path, "bridge", { containerName: "neighbour" });
  const viaHost = await shAsync("ip", "netns", "exec", neighbour.name, process.execPath, "-e", `
    const s = require("node:net").connect(${pub.hostPort}, "${bridge}");
    let d = ""; s.on("data", (x) => (d += x)); s.on("end", () => console.log(d));
    s.setTimeout(5000, () => { console.log("timeout"); process.exit(1); });`);
  assert.equal(viaHost.trim(), "hello from 8080");
  await svc.detach(nId, "bridge");

  const rules = await svc.listedRules();
  const dnat = rules.nat.filter((r) => r.includes("-j DNAT"));
  assert.equal(dnat.length, 2, dnat.join("\n"));
  assert.ok(dnat.some((r) => r.includes(`--dport ${pub.hostPort}`) && r.includes(`--to-destination ${ep.ipv4}:8080`)));
  assert.ok(dnat.some((r) => r.includes("-d 127.0.0.1/32") && r.includes(`--dport ${local.hostPort}`)));
  const subnet = (await svc.inspect("bridge")).subnet!;
  assert.ok(rules.nat.some((r) => r.includes(`-s ${subnet} ! -o ${world.options.defaultBridge}`) && r.endsWith("MASQUERADE")), "outbound NAT exists");
  assert.equal(sh("sysctl", "-n", "net.ipv4.ip_forward").trim(), "1");
  assert.equal(sh("cat", `/proc/sys/net/ipv4/conf/${world.options.defaultBridge}/route_localnet`).trim(), "1");

  // A host port taken is refused with Docker's words, and nothing is left half-made.
  const ns2 = world.netns("web2");
  const id2 = world.containerId();
  await assert.rejects(
    svc.attach(id2, ns2.path, "bridge", { containerName: "web2", ports: [{ hostIp: "0.0.0.0", hostPort: pub.hostPort, containerPort: 80, protocol: "tcp" }] }),
    new RegExp(`Bind for 0.0.0.0:${pub.hostPort} failed: port is already allocated`),
  );
  assert.deepEqual(linkNames(ns2.name).map((l) => l.ifname), ["lo"], "the failed attach left no interface");
  assert.equal(svc.endpointsOf(id2).length, 0);

  await svc.detach(id, "bridge");
  const after = await svc.listedRules();
  assert.equal(after.nat.filter((r) => r.includes("-j DNAT")).length, 0, "detach removed the DNAT rules");
  await assert.rejects(connectAndRead("127.0.0.1", pub.hostPort));
  server.kill();
});

test("UDP ports publish too", async () => {
  await ready();
  const ns = world.netns("udp");
  const id = world.containerId();
  const ep = await svc.attach(id, ns.path, "bridge", { containerName: "dns", ports: [{ hostIp: "127.0.0.1", hostPort: 0, containerPort: 5353, protocol: "udp" }] });
  const server = world.spawnIn(ns.name, process.execPath, [
    "-e",
    `const s = require("node:dgram").createSocket("udp4");
     s.on("message", (m, r) => s.send("echo " + m, r.port, r.address));
     s.bind(5353, "${ep.ipv4}", () => console.log("ready"));`,
  ]);
  await waitForOutput(server, /ready/);
  const dgram = await import("node:dgram");
  const client = dgram.createSocket("udp4");
  const reply = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no UDP answer")), 5000);
    client.on("message", (m) => {
      clearTimeout(timer);
      resolve(m.toString());
    });
    client.send("ping", ep.ports[0].hostPort, "127.0.0.1");
  });
  client.close();
  assert.equal(reply, "echo ping");
  server.kill();
  await svc.detach(id, "bridge");
});

test("--network none gives only lo; host records the container without a namespace", async () => {
  await ready();
  const ns = world.netns("none");
  const id = world.containerId();
  const ep = await svc.attach(id, ns.path, "none", { containerName: "loner" });
  assert.equal(ep.ipv4, null);
  const links = linkNames(ns.name);
  assert.deepEqual(links.map((l) => l.ifname), ["lo"]);
  assert.ok(links[0].flags.includes("UP"), "lo is up");
  assert.equal(sh("ip", "-n", ns.name, "route", "show").trim(), "");
  await assert.rejects(svc.attach(id, ns.path, "bridge", { containerName: "loner" }), /private \(none\) mode/);
  assert.equal(svc.netnsPathOf(id), ns.path);
  assert.match(await svc.hostsFileFor(id, { hostname: "loner" }), /^127\.0\.0\.1\tlocalhost$/m);
  await svc.detach(id, "none");

  const hostId = world.containerId();
  await svc.attach(hostId, null, "host", { containerName: "onhost" });
  assert.equal(await svc.resolvConfFor(hostId), sh("cat", "/etc/resolv.conf"));
  assert.equal(sh("readlink", svc.netnsPathOf(hostId)), sh("readlink", "/proc/self/ns/net"), "container:<host-mode container> is the host's namespace");
  assert.throws(() => svc.netnsPathOf(world.containerId()), /network namespace of container .* not found/);
  await assert.rejects(svc.attach(hostId, ns.path, "bridge", { containerName: "onhost" }), /host network/);
  await assert.rejects(
    svc.attach(world.containerId(), ns.path, "host", { containerName: "x", ports: [{ hostIp: "0.0.0.0", hostPort: 80, containerPort: 80, protocol: "tcp" }] }),
    /cannot be published/,
  );
  await svc.detach(hostId, "host");
});

test("connect a second network: eth1, one default route, which moves when the first is disconnected", async () => {
  await ready();
  const front = await svc.create("front", { subnet: `${S}.200.0/24`, gateway: `${S}.200.254` });
  assert.equal(front.gateway, `${S}.200.254`);
  const ns = world.netns("multi");
  const id = world.containerId();
  const e0 = await svc.attach(id, ns.path, "bridge", { containerName: "multi" });
  const e1 = await svc.attach(id, ns.path, "front", { containerName: "multi", ipv4: `${S}.200.42` });
  assert.equal(e0.ifName, "eth0");
  assert.equal(e1.ifName, "eth1");
  assert.equal(e1.ipv4, `${S}.200.42`);
  assert.match(defaultRoute(ns.name), new RegExp(`^default via ${e0.gateway!.replace(/\./g, "\\.")} dev eth0`));
  assert.deepEqual(svc.endpointsOf(id).map((e) => e.networkName), ["bridge", "front"]);
  assert.match(await svc.hostsFileFor(id, { hostname: "multi" }), new RegExp(`^${e0.ipv4!.replace(/\./g, "\\.")}\\tmulti$`, "m"));

  await assert.rejects(svc.attach(id, ns.path, "front", { containerName: "multi" }), /already exists in network front/);
  const other = world.netns("taken");
  await assert.rejects(svc.attach(world.containerId(), other.path, "front", { containerName: "t", ipv4: `${S}.200.42` }), /Address already in use/);
  await assert.rejects(svc.attach(world.containerId(), other.path, "bridge", { containerName: "t", ipv4: e0.ipv4! }), /user configured subnets/);
  await assert.rejects(svc.attach(world.containerId(), other.path, "front", { containerName: "t", ipv4: `${S}.203.1` }), /not a usable address/);

  // An interface the engine did not make already holds the next name: the engine takes the one after.
  const crowded = world.netns("crowded");
  sh("ip", "-n", crowded.name, "link", "add", "eth0", "type", "veth", "peer", "name", "other0");
  const e2 = await svc.attach(world.containerId(), crowded.path, "front", { containerName: "crowded" });
  assert.equal(e2.ifName, "eth1");
  assert.match(defaultRoute(crowded.name), /dev eth1/);

  await svc.detach(id, "bridge");
  assert.match(defaultRoute(ns.name), new RegExp(`^default via ${S.replace(".", "\\.")}\\.200\\.254 dev eth1`));
  await assert.rejects(svc.detach(id, "bridge"), /is not connected to the network bridge/);
  await svc.detachAll(id);
  assert.deepEqual(linkNames(ns.name).map((l) => l.ifname), ["lo"]);
  await assert.rejects(svc.remove("front"), /has active endpoints/);
  await svc.detachAll(e2.containerId);
  await svc.remove("front");
});

test("network create/ls/rm validation", async () => {
  await ready();
  const names = (await svc.list()).map((n) => n.name);
  for (const builtin of ["bridge", "host", "none"]) assert.ok(names.includes(builtin), `${builtin} exists`);
  await assert.rejects(svc.remove("bridge"), /pre-defined network and cannot be removed/);
  await assert.rejects(svc.remove("none"), /pre-defined network/);
  await assert.rejects(svc.create(""), /network name is required/);
  await assert.rejects(svc.create("x1", { driver: "overlay" }), /plugin "overlay" not found/);
  await assert.rejects(svc.create("x1", { subnet: `${S}.201.1/24` }), /has host bits set \(did you mean 10\.\d+\.201\.0\/24\?\)/);
  await assert.rejects(svc.create("x1", { subnet: "300.1.1.0/24" }), /invalid subnet/);
  await assert.rejects(svc.create("x1", { subnet: `${S}.201.0/24`, gateway: `${S}.202.1` }), /not a usable address of subnet/);
  await assert.rejects(svc.create("x1", { subnet: world.options.defaultSubnet }), /Pool overlaps/);
  const made = await svc.create("lsnet", { labels: { team: "a" } });
  await assert.rejects(svc.create("lsnet"), /network with name lsnet already exists/);
  assert.deepEqual((await svc.list({ label: ["team=a"] })).map((n) => n.name), ["lsnet"]);
  assert.deepEqual((await svc.list({ label: ["team=b"] })).map((n) => n.name), []);
  assert.deepEqual((await svc.list({ type: ["custom"] })).map((n) => n.name), ["lsnet"]);
  assert.deepEqual((await svc.list({ id: [made.id.slice(0, 6)] })).map((n) => n.name), ["lsnet"]);
  assert.deepEqual(await svc.prune(), ["lsnet"]);
  assert.equal((await svc.list({ type: ["custom"] })).length, 0);
});
