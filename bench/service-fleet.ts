// Service traffic across hosts (issue 14's benchmark): request latency and bulk throughput through a ClusterIP vs
// straight to the pod IP, from a pod on host A to a backend on host B (over the VXLAN overlay) and, for reference, to
// a backend on host A itself. The fleet is test/support/pod-fleet.ts's: two real agents in their own network
// namespaces on an underlay bridge, a real control plane, pods made with kubectl (bench only, not npm test).
//   node --import tsx bench/service-fleet.ts [requests=500] [megabytes=256] [rounds=3]
// The measuring programs are Node scripts run inside the client pod's network namespace (`nsenter --net`): the same
// packet path as the pod's own traffic (PREROUTING on host A, the proxy's DNAT, the overlay), timed with hrtime.
// Latency: new TCP connections with an HTTP GET each (busybox httpd answers), alternating ClusterIP and pod IP.
// Throughput: one TCP connection writing `megabytes` of zeros to a sink in the backend pod's namespace, timed until
// the sink has read it all and closed; rounds alternate ClusterIP and pod IP.
import { execFile, execFileSync } from "node:child_process";
import { waitFor } from "../test/support/agent";
import { startPodFleet } from "../test/support/pod-fleet";

const [nRequests = 500, megabytes = 256, rounds = 3] = process.argv.slice(2).map(Number);
const uptime = () => execFileSync("uptime", { encoding: "utf8" }).trim();
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const median = (xs: number[]) => pct(xs, 50);

function inNetns(netns: string, script: string, timeoutMs = 600_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("nsenter", [`--net=/run/netns/${netns}`, process.execPath, "-e", script], { encoding: "utf8", timeout: timeoutMs, maxBuffer: 1 << 26 }, (err, out, errOut) =>
      err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out),
    ),
  );
}

/** The named network namespace holding a pod's address (the agent names its sandboxes' namespaces). */
function podNetns(ip: string): string {
  for (const line of execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).split("\n")) {
    const name = line.split(" ")[0];
    if (!name?.startsWith("gantry-")) continue;
    try {
      if (execFileSync("ip", ["-n", name, "-4", "-o", "addr", "show"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).includes(` ${ip}/`)) return name;
    } catch {
      /* gone meanwhile */
    }
  }
  throw new Error(`no network namespace holds ${ip}`);
}

console.log(`# service traffic across hosts: ${nRequests} requests each way, ${megabytes} MB × ${rounds} rounds each way`);
console.log(`# load at start: ${uptime()}`);
const fleet = await startPodFleet("bench");
const stop = () => fleet.stop().finally(() => process.exit(1));
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => void stop());
try {
  const [a, b] = fleet.hosts;
  const ns = "bench";
  const backend = (name: string, node: string) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      nodeName: node,
      containers: [{ name: "web", image: fleet.image, imagePullPolicy: "IfNotPresent", command: ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"], ports: [{ name: "http", containerPort: 8080 }], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }],
    },
  });
  const service = (name: string) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: ns },
    spec: { selector: { app: name }, ports: [{ name: "http", port: 80, targetPort: "http" }, { name: "sink", port: 9000, targetPort: 9000 }] },
  });
  const client = { apiVersion: "v1", kind: "Pod", metadata: { name: "client", namespace: ns }, spec: { nodeName: a!.name, containers: [{ name: "sh", image: fleet.image, imagePullPolicy: "IfNotPresent", command: ["sleep", "36000"] }] } };
  await fleet.ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }, backend("remote", b!.name), backend("local", a!.name), service("remote"), service("local"), client] }));
  const pods = await waitFor("the pods ready", async () => {
    const items = JSON.parse(await fleet.ok(["get", "pods", "-n", ns, "-o", "json"])).items as { metadata: { name: string }; status: { podIP?: string; conditions?: { type: string; status: string }[] } }[];
    const ready = items.filter((p) => p.status.podIP && p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    return ready.length === 3 ? new Map(ready.map((p) => [p.metadata.name, p.status.podIP!])) : false;
  }, 120_000);
  const services = JSON.parse(await fleet.ok(["get", "services", "-n", ns, "-o", "json"])).items as { metadata: { name: string }; spec: { clusterIP: string } }[];
  const vip = (name: string) => services.find((s) => s.metadata.name === name)!.spec.clusterIP;
  const clientNs = podNetns(pods.get("client")!);
  console.log(`# client ${pods.get("client")} on ${a!.name}; remote backend ${pods.get("remote")} on ${b!.name} (ClusterIP ${vip("remote")}); local backend ${pods.get("local")} on ${a!.name} (ClusterIP ${vip("local")})`);

  // Sinks in the backends' namespaces: read everything, close when the writer is done.
  const sinks = ["remote", "local"].map((name) => {
    const child = execFile("nsenter", [`--net=/run/netns/${podNetns(pods.get(name)!)}`, process.execPath, "-e",
      `require("node:net").createServer((s) => { s.on("data", () => {}); s.on("end", () => s.end()); }).listen(9000, () => console.log("listening"));`]);
    return child;
  });
  await Promise.all(sinks.map((c) => new Promise<void>((r) => c.stdout!.once("data", () => r()))));
  await waitFor("both Services' endpoints on host A's proxy", async () => {
    const saved = execFileSync("nsenter", [`--net=/run/netns/${a!.netns}`, "iptables-save", "-t", "nat"], { encoding: "utf8" });
    return saved.includes(`-d ${vip("remote")}/32`) && saved.includes(`-d ${vip("local")}/32`);
  }, 30_000);

  for (const [where, name] of [["across hosts (A → B)", "remote"], ["same host (A → A)", "local"]] as const) {
    const [v, p] = [vip(name), pods.get(name)!];
    const latency = JSON.parse(
      await inNetns(clientNs, `
const http = require("node:http");
const get = (ip, port) => new Promise((res, rej) => { const t = process.hrtime.bigint(); http.get({ host: ip, port, path: "/", agent: false }, (r) => { r.resume(); r.on("end", () => res(Number(process.hrtime.bigint() - t) / 1e6)); }).on("error", rej); });
(async () => { const out = { vip: [], direct: [] };
  for (let i = 0; i < 20; i++) { await get(${JSON.stringify(v)}, 80); await get(${JSON.stringify(p)}, 8080); }
  for (let i = 0; i < ${nRequests}; i++) { out.vip.push(await get(${JSON.stringify(v)}, 80)); out.direct.push(await get(${JSON.stringify(p)}, 8080)); }
  console.log(JSON.stringify(out)); })();`),
    ) as { vip: number[]; direct: number[] };
    const bulk = JSON.parse(
      await inNetns(clientNs, `
const net = require("node:net");
const chunk = Buffer.alloc(1 << 20);
const send = (ip) => new Promise((res, rej) => { const s = net.connect(9000, ip); let n = 0; const t = process.hrtime.bigint();
  const pump = () => { while (n < ${megabytes}) { n++; if (!s.write(chunk)) return s.once("drain", pump); } s.end(); };
  s.on("connect", pump); s.on("data", () => {}); s.on("error", rej); s.on("close", () => res(${megabytes} / (Number(process.hrtime.bigint() - t) / 1e9))); });
(async () => { const out = { vip: [], direct: [] };
  for (let i = 0; i < ${rounds}; i++) { out.vip.push(await send(${JSON.stringify(v)})); out.direct.push(await send(${JSON.stringify(p)})); }
  console.log(JSON.stringify(out)); })();`),
    ) as { vip: number[]; direct: number[] };
    console.log(`${where}: latency through the ClusterIP p50 ${pct(latency.vip, 50).toFixed(3)} ms, p99 ${pct(latency.vip, 99).toFixed(3)} ms; straight to the pod IP p50 ${pct(latency.direct, 50).toFixed(3)} ms, p99 ${pct(latency.direct, 99).toFixed(3)} ms`);
    console.log(`${where}: throughput through the ClusterIP median ${median(bulk.vip).toFixed(0)} MB/s [${bulk.vip.map((x) => x.toFixed(0)).join(", ")}]; straight to the pod IP median ${median(bulk.direct).toFixed(0)} MB/s [${bulk.direct.map((x) => x.toFixed(0)).join(", ")}]`);
  }
  for (const c of sinks) c.kill();
  console.log(`# load at end: ${uptime()}`);
} finally {
  await fleet.stop();
}
