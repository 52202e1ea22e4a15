// The service proxy's cost: rule update time with 1,000 Services × 10 endpoints, and request latency through a
// ClusterIP vs straight to the backend, on one host (network namespaces this script makes: bench only, not npm test).
//   node --import tsx bench/service-proxy.ts [services=1000] [endpoints=10] [requests=500]
// Update time: a full sync (empty kernel, then again over the same rules: what a reconnection costs), one service
// changed (an incremental sync: the shared chains and that service's chains), and — the peer, run in the same process —
// the same one-service change written as a full rewrite, which is what kube-proxy's iptables mode did on every change
// before MinimizeIPTablesRestore (Kubernetes 1.26, KEP-3453). Latency: a client pod makes new TCP connections with HTTP
// GETs (busybox httpd answers), alternating between the ClusterIP (its dispatch rule after every other service's, the
// worst place in the linear chain) and the backend's pod IP.
import { execFileSync } from "node:child_process";
import { AgentServices } from "../agent/services/agent-services";
import type { AgentService } from "../lib/protocol/services";
import { execIn, makeServiceHost } from "../test/support/service-netns";

const [nServices = 1000, nEndpoints = 10, nRequests = 500] = process.argv.slice(2).map(Number);
const uptime = () => execFileSync("uptime", { encoding: "utf8" }).trim();
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f = (ms: number) => `${ms.toFixed(1)} ms`;

console.log(`# service proxy bench: ${nServices} services × ${nEndpoints} endpoints, ${nRequests} requests each way`);
console.log(`# load at start: ${uptime()}`);
const h = makeServiceHost("bench");
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => process.exit(1)); // the namespaces go at exit
const agent = new AgentServices({ prefix: h.prefix, netns: h.hostPath, log: (m) => console.log(`# ${m}`) });
try {
  const backend = h.pod(11);
  const client = h.pod(20);
  await h.httpd(backend, "ok");

  const make = (i: number, ready = true): AgentService => ({
    namespace: "bench",
    name: `s${i}`,
    uid: `u${i}`,
    type: i % 10 === 0 ? "NodePort" : "ClusterIP",
    clusterIP: `10.97.${i >> 8}.${i & 255}`,
    sessionAffinity: "None",
    affinityTimeoutSeconds: 10800,
    publishNotReadyAddresses: false,
    ports: [{ name: "http", protocol: "TCP", port: 80, ...(i % 10 === 0 ? { nodePort: 30000 + (i % 2000) } : {}) }],
    endpoints: Array.from({ length: nEndpoints }, (_, j) => ({
      ip: `10.244.${(i * nEndpoints + j) >> 8 & 255}.${(i * nEndpoints + j) & 255}`,
      ready: ready || j > 0,
      nodeName: "n",
      podName: `p${i}-${j}`,
      ports: { http: 8080 },
    })),
  });
  const web: AgentService = {
    ...make(nServices),
    name: "web",
    type: "ClusterIP",
    clusterIP: "10.98.0.10",
    ports: [{ name: "http", protocol: "TCP", port: 80 }],
    endpoints: [{ ip: backend.ip, ready: true, nodeName: "n", podName: "web", ports: { http: 80 } }],
  };
  const all = [...Array.from({ length: nServices }, (_, i) => make(i)), web];
  let revision = 0;
  const sync = async (full: boolean, services: AgentService[]) => {
    revision = full ? 1 : revision + 1;
    const ack = agent.sync({ full, revision, clusterDomain: "cluster.local", serviceCIDR: "10.96.0.0/12", services, removed: [] });
    if (!ack.ok) throw new Error(ack.error);
    await agent.flushed();
    return agent.lastSync!;
  };

  const first = await sync(true, all);
  console.log(`full sync, empty kernel: ${f(first.ms)} (${first.lines} lines, ${first.written} per-service chains)`);
  const again: number[] = [];
  for (let k = 0; k < 3; k++) again.push((await sync(true, all)).ms);
  console.log(`full sync over the same rules (a reconnection): p50 ${f(pct(again, 50))}, max ${f(Math.max(...again))} (3 runs)`);
  const rules = execFileSync("ip", ["netns", "exec", h.host, "iptables-save"], { encoding: "utf8", maxBuffer: 1 << 28 }).split("\n").filter((l) => l.startsWith("-A ")).length;
  console.log(`rules in the kernel: ${rules}`);

  const inc: number[] = [];
  let lines = 0;
  for (let k = 0; k < 30; k++) {
    const i = (k * 37) % nServices;
    const s = await sync(false, [make(i, k % 2 === 1)]); // one endpoint of one service goes not ready / ready again
    inc.push(s.ms);
    lines = s.lines;
  }
  console.log(`one service changed (incremental): p50 ${f(pct(inc, 50))}, p99 ${f(pct(inc, 99))} (30 changes, ${lines} lines each)`);

  const peer: number[] = [];
  for (let k = 0; k < 5; k++) {
    const i = (k * 53) % nServices;
    all[i] = make(i, k % 2 === 1);
    peer.push((await sync(true, all)).ms); // the whole ruleset written for one change
  }
  console.log(`peer — one service changed, written as a full rewrite (kube-proxy iptables before 1.26): p50 ${f(pct(peer, 50))} (5 changes)`);
  console.log(`ratio full-rewrite / incremental (p50): ${(pct(peer, 50) / pct(inc, 50)).toFixed(1)}×`);

  // Latency: new connections, alternating targets, from a pod on the same host.
  const script = `
const http = require("node:http");
const get = (ip) => new Promise((res, rej) => { const t = process.hrtime.bigint(); http.get({ host: ip, port: 80, path: "/", agent: false }, (r) => { r.resume(); r.on("end", () => res(Number(process.hrtime.bigint() - t) / 1e6)); }).on("error", rej); });
(async () => { const out = { vip: [], direct: [] };
  for (let i = 0; i < 20; i++) { await get("10.98.0.10"); await get(${JSON.stringify(backend.ip)}); }
  for (let i = 0; i < ${nRequests}; i++) { out.vip.push(await get("10.98.0.10")); out.direct.push(await get(${JSON.stringify(backend.ip)})); }
  console.log(JSON.stringify(out)); })();`;
  const r = await execIn(client.ns, process.execPath, ["-e", script], 600_000);
  if (r.code !== 0) throw new Error(`latency client failed: ${r.stderr}`);
  const lat = JSON.parse(r.stdout) as { vip: number[]; direct: number[] };
  console.log(`request latency through the ClusterIP (behind ${nServices} other services' rules): p50 ${lat.vip.length && pct(lat.vip, 50).toFixed(3)} ms, p99 ${pct(lat.vip, 99).toFixed(3)} ms`);
  console.log(`request latency straight to the pod IP:                              p50 ${pct(lat.direct, 50).toFixed(3)} ms, p99 ${pct(lat.direct, 99).toFixed(3)} ms`);
  console.log(`# load at end: ${uptime()}`);
} finally {
  agent.close();
  await agent.proxy.removeAll().catch(() => {});
  h.cleanup();
}
