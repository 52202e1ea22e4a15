// The service proxy against the real kernel: the agent's services.sync handler is fed AgentService data, its rules
// go into a "host" network namespace, and real servers (busybox httpd, a UDP echo) in pod namespaces on the host's
// bridge are the endpoints. Requests are made with curl from a pod, from the host itself and from outside.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentServices } from "@/agent/services/agent-services";
import type { AgentService, ServiceEndpoint } from "@/lib/protocol/services";
import { makeServiceHost, type Pod } from "../support/service-netns";
import { REPO_ROOT } from "@/agent/version";

const h = makeServiceHost("proxy");
const logs: string[] = [];
let agent = new AgentServices({ prefix: h.prefix, netns: h.hostPath, log: (m) => logs.push(m) });
after(async () => {
  await agent.proxy.removeAll().catch(() => {});
  h.cleanup();
});

const b1 = h.pod(11);
const b2 = h.pod(12);
const b3 = h.pod(13);
const client = h.pod(20);
await Promise.all([h.httpd(b1, "b1"), h.httpd(b2, "b2"), h.httpd(b3, "b3")]);

const ep = (pod: Pod, ready = true, ports: Record<string, number> = { http: 80 }): ServiceEndpoint => ({
  ip: pod.ip,
  ready,
  nodeName: "node-a",
  podName: `pod-${pod.ip.split(".").at(-1)}`,
  ports,
});

function service(name: string, clusterIP: string, endpoints: ServiceEndpoint[], extra: Partial<AgentService> = {}): AgentService {
  return {
    namespace: "shop",
    name,
    uid: `uid-${name}`,
    type: "ClusterIP",
    clusterIP,
    sessionAffinity: "None",
    affinityTimeoutSeconds: 10800,
    publishNotReadyAddresses: false,
    ports: [{ name: "http", protocol: "TCP", port: 80 }],
    endpoints,
    ...extra,
  };
}

let revision = 0;
async function send(msg: { full?: boolean; services?: AgentService[]; removed?: string[] }) {
  const full = msg.full ?? false;
  revision = full ? 1 : revision + 1;
  const ack = agent.sync({ full, revision, clusterDomain: "cluster.local", serviceCIDR: "10.96.0.0/12", services: msg.services ?? [], removed: msg.removed ?? [] });
  assert.deepEqual(ack, { ok: true }, JSON.stringify(ack));
  await agent.flushed();
  assert.ok(agent.lastSync, `no sync ran: ${logs.join("\n")}`);
}

async function answers(ns: string, url: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await h.get(ns, url));
  return out;
}

const WEB = "10.96.0.10";
const OTHER = "10.96.0.11";

/** Packet counters of the rules in a chain (iptables-save -c), which a rewrite of the chain resets. */
function counters(chain: string): number {
  const saved = execFileSync("ip", ["netns", "exec", h.host, "iptables-save", "-c", "-t", "nat"], { encoding: "utf8" });
  let sum = 0;
  for (const m of saved.matchAll(new RegExp(`^\\[(\\d+):\\d+\\] -A ${chain} `, "gm"))) sum += Number(m[1]);
  return sum;
}

function chainsNow(): string[] {
  const saved = execFileSync("ip", ["netns", "exec", h.host, "iptables-save"], { encoding: "utf8" });
  return [...saved.matchAll(/^:(\S+) /gm)].map((m) => m[1]!).filter((c) => c.startsWith(`${h.prefix}-`));
}

test("a ClusterIP reaches its ready endpoints only, spread at random, from a pod and from the host", async () => {
  await send({
    full: true,
    services: [service("web", WEB, [ep(b1), ep(b2), ep(b3, false)]), service("other", OTHER, [ep(b3)])],
  });
  const seen = await answers(client.ns, `http://${WEB}/`, 30);
  assert.deepEqual([...new Set(seen)].sort(), ["b1", "b2"], seen.join(","));
  assert.ok(seen.filter((s) => s === "b1").length >= 4 && seen.filter((s) => s === "b2").length >= 4, `both get a share: ${seen}`);
  const fromHost = await answers(h.host, `http://${WEB}/`, 10);
  assert.ok(fromHost.every((a) => a === "b1" || a === "b2"), `from the host itself (OUTPUT): ${fromHost}`);
  assert.equal(await h.get(client.ns, `http://${OTHER}/`), "b3");
});

test("a delta rewrites only the changed service's chains; a removed endpoint gets no request", async () => {
  const otherChain = agent.proxy.serviceChainOf(service("other", OTHER, []), "http");
  for (let i = 0; i < 3; i++) await h.get(client.ns, `http://${OTHER}/`);
  const before = counters(otherChain);
  assert.ok(before >= 3, `other's chain counted its packets: ${before}`);
  await send({ services: [service("web", WEB, [ep(b1), ep(b3, false)])] });
  assert.equal(agent.lastSync!.full, false);
  assert.equal(counters(otherChain), before, "other's chain was not rewritten (its counters were kept)");
  const seen = await answers(client.ns, `http://${WEB}/`, 15);
  assert.deepEqual([...new Set(seen)], ["b1"], seen.join(","));
});

test("a NodePort answers on the host's address from outside and on 127.0.0.1 on the host", async () => {
  await send({ services: [service("edge", "10.96.0.12", [ep(b2)], { type: "NodePort", ports: [{ name: "http", protocol: "TCP", port: 80, nodePort: 30080 }] })] });
  assert.equal(await h.get(h.outside, `http://${h.hostAddress}:30080/`), "b2");
  assert.equal(await h.get(h.host, `http://127.0.0.1:30080/`), "b2");
  assert.equal(await h.get(client.ns, `http://${h.gateway}:30080/`), "b2", "a pod through its gateway's address");
});

test("ClientIP affinity keeps a client on one endpoint", async () => {
  await send({ services: [service("sticky", "10.96.0.13", [ep(b1), ep(b2), ep(b3)], { sessionAffinity: "ClientIP", affinityTimeoutSeconds: 60 })] });
  const seen = await answers(client.ns, "http://10.96.0.13/", 12);
  assert.equal(new Set(seen).size, 1, seen.join(","));
  assert.match(seen[0]!, /^b[123]$/);
});

test("hairpin: a pod reaching a service that lands on itself is answered", async () => {
  await send({ services: [service("self", "10.96.0.14", [ep(b1)])] });
  assert.equal(await h.get(b1.ns, "http://10.96.0.14/"), "b1");
});

test("a service with no ready endpoints refuses connections at once", async () => {
  await send({ services: [service("empty", "10.96.0.15", [ep(b2, false)], { type: "NodePort", ports: [{ name: "http", protocol: "TCP", port: 80, nodePort: 30081 }] })] });
  for (const [ns, ip, port] of [[client.ns, "10.96.0.15", 80], [h.host, "10.96.0.15", 80], [h.outside, h.hostAddress, 30081]] as const) {
    const r = await h.connect(ns, ip, port);
    assert.equal(r.result, "ECONNREFUSED", `${ns} → ${ip}:${port}: ${JSON.stringify(r)}`);
    assert.ok(r.ms < 1000, `refused at once, not after a timeout (${r.ms} ms)`);
  }
});

test("UDP services reach UDP endpoints", async () => {
  await Promise.all([h.udpEcho(b1, "u1", 5353), h.udpEcho(b2, "u2", 5353)]);
  const dns = service("dns", "10.96.0.16", [ep(b1, true, { dns: 5353 }), ep(b2, true, { dns: 5353 })], { ports: [{ name: "dns", protocol: "UDP", port: 53 }] });
  await send({ services: [dns] });
  const seen = new Set<string>();
  for (let i = 0; i < 14 && seen.size < 2; i++) seen.add(await h.udp(client.ns, "10.96.0.16", 53));
  assert.deepEqual([...seen].sort(), ["u1", "u2"]);
  await send({ services: [{ ...dns, endpoints: [ep(b1, true, { dns: 5353 })] }] });
  for (let i = 0; i < 4; i++) assert.equal(await h.udp(client.ns, "10.96.0.16", 53), "u1");
});

test("a deleted Service's chains go, and its address stops answering", async () => {
  const webChains = agent.proxy.chainsOf(service("web", WEB, [ep(b1)]));
  assert.ok(webChains.every((c) => chainsNow().includes(c)));
  await send({ removed: ["shop/web"] });
  const now = chainsNow();
  assert.deepEqual(webChains.filter((c) => now.includes(c)), []);
  assert.match(await h.get(client.ns, `http://${WEB}/`, 0.5), /^ERR /);
});

test("after a crash, the first full sync removes the chains nothing wants any more", async () => {
  const otherChains = agent.proxy.chainsOf(service("other", OTHER, [ep(b3)]));
  assert.ok(otherChains.length && otherChains.every((c) => chainsNow().includes(c)));
  agent.close();
  agent = new AgentServices({ prefix: h.prefix, netns: h.hostPath, log: (m) => logs.push(m) }); // a restarted agent
  const refused = agent.sync({ full: false, revision: 7, clusterDomain: "cluster.local", serviceCIDR: "10.96.0.0/12", services: [], removed: [] });
  assert.equal(refused.ok, false, "a delta before any full set is a gap");
  await send({ full: true, services: [service("web", WEB, [ep(b2)])] });
  const now = chainsNow();
  assert.deepEqual(otherChains.filter((c) => now.includes(c)), [], "the stale service's chains are gone");
  assert.equal(await h.get(client.ns, `http://${WEB}/`), "b2");
  assert.match(await h.get(client.ns, `http://${OTHER}/`, 0.5), /^ERR /);
});

test("gantry-agent uninstall removes every chain and jump of the proxy", async () => {
  assert.ok(chainsNow().length > 0);
  const root = mkdtempSync(join(tmpdir(), "gantry-svc-uninstall-"));
  rmSync(root, { recursive: true }); // no state: the uninstall still finds the chains by their names
  execFileSync("nsenter", [`--net=${h.hostPath}`, "--", process.execPath, "--import", "tsx", join(REPO_ROOT, "agent/main.ts"), "uninstall", "--root", root], {
    env: { ...process.env, GANTRY_CHAIN_PREFIX: h.prefix, GANTRY_BRIDGE: `gb${h.prefix.slice(-6).toLowerCase()}`, GANTRY_DOCKER_SOCKET: join(root, "none.sock") },
    cwd: REPO_ROOT,
    stdio: "pipe",
  });
  const listed = await agent.proxy.listed();
  assert.deepEqual(listed, { chains: [], rules: [] });
  const saved = execFileSync("ip", ["netns", "exec", h.host, "iptables-save"], { encoding: "utf8" });
  assert.ok(!saved.includes(h.prefix), saved);
});

test("a payload that does not parse is refused naming the field", () => {
  const r = agent.sync({ full: true, revision: 1, clusterDomain: "cluster.local", serviceCIDR: "10.96.0.0/12", services: [{ ...service("x", "300.1.1.1", []) }], removed: [] });
  assert.equal(r.ok, false);
  assert.match((r as { error: string }).error, /services\.0\.clusterIP/);
});
