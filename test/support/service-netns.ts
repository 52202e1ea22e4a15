// A host for the service proxy, made of network namespaces: "host" (where the proxy's rules go) with a pod bridge
// (10.R.0.1/24) and a link to "outside" (10.R.1.1 ↔ 10.R.1.2, the host's default route), pods on the bridge (each
// its own namespace with eth0 and a default route to the bridge's gateway), and programs run inside any of them.
// Everything is made for this run only (unique names, a 10.R range no route on this machine touches) and removed
// by `cleanup()`, also at process exit.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes, randomInt } from "node:crypto";

const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

export interface Pod {
  ns: string;
  ip: string;
}

export interface ServiceHost {
  /** Namespace names and the host namespace's path (for ServiceProxy's `netns`). */
  host: string;
  hostPath: string;
  outside: string;
  /** "10.R": this run's range. */
  net: string;
  gateway: string;
  /** The host's address on its link to "outside" (a node address for NodePorts). */
  hostAddress: string;
  /** A chain prefix unique to this run. */
  prefix: string;
  /** A pod on the bridge: its own namespace and address 10.R.0.<n>. */
  pod(n: number): Pod;
  /** busybox httpd in the pod answering "<name>\n" on `port` (waits until it listens). */
  httpd(pod: Pod, name: string, port?: number): Promise<void>;
  /** A UDP server in the pod answering each datagram with "<name>". */
  udpEcho(pod: Pod, name: string, port: number): Promise<void>;
  /** `curl -sS -m 2` from a namespace (busybox-static's wget crashes here): the body, or the error text (prefixed "ERR "). */
  get(ns: string, url: string, timeoutSeconds?: number): Promise<string>;
  /** A TCP connection from a namespace: "connected", or the error's code (ECONNREFUSED, ETIMEDOUT…) and how long it took. */
  connect(ns: string, ip: string, port: number): Promise<{ result: string; ms: number }>;
  /** One UDP datagram from a namespace: the answer or "ERR …". */
  udp(ns: string, ip: string, port: number): Promise<string>;
  cleanup(): void;
}

export function execIn(ns: string, cmd: string, args: string[], timeoutMs = 5000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("ip", ["netns", "exec", ns, cmd, ...args], { encoding: "utf8", timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

export function makeServiceHost(label: string): ServiceHost {
  const tag = `${process.pid}`.slice(-4) + randomBytes(2).toString("hex");
  const routes = sh("ip", "-4", "route", "show", "table", "all");
  let second = randomInt(150, 250);
  for (let i = 0; i < 100 && routes.includes(`10.${second}.`); i++) second = randomInt(150, 250);
  const net = `10.${second}`;
  const name = (s: string) => `gsv${tag}-${s}`;
  const host = name("h");
  const outside = name("x");
  const namespaces = [host, outside];
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), `gantry-svc-${label}-`));
  sh("ip", "netns", "add", host);
  sh("ip", "netns", "add", outside);
  const inHost = (...args: string[]) => sh("ip", "-n", host, ...args);
  inHost("link", "set", "lo", "up");
  inHost("link", "add", "pbr", "type", "bridge");
  inHost("addr", "add", `${net}.0.1/24`, "dev", "pbr");
  inHost("link", "set", "pbr", "up");
  inHost("link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", outside);
  inHost("addr", "add", `${net}.1.1/24`, "dev", "up0");
  inHost("link", "set", "up0", "up");
  inHost("route", "add", "default", "via", `${net}.1.2`);
  sh("ip", "-n", outside, "link", "set", "lo", "up");
  sh("ip", "-n", outside, "addr", "add", `${net}.1.2/24`, "dev", "eth0");
  sh("ip", "-n", outside, "link", "set", "eth0", "up");
  sh("ip", "netns", "exec", host, "sysctl", "-qw", "net.ipv4.ip_forward=1");

  const cleanup = () => {
    for (const c of children) c.kill("SIGKILL");
    for (const ns of namespaces) {
      try {
        sh("ip", "netns", "del", ns);
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
    process.off("exit", cleanup);
  };
  process.on("exit", cleanup);

  const waitListening = async (pod: Pod, port: number, udp: boolean) => {
    for (let i = 0; i < 100; i++) {
      const out = sh("ip", "netns", "exec", pod.ns, "ss", udp ? "-lnu" : "-lnt");
      if (new RegExp(`[:.]${port}\\s`).test(out)) return;
      await new Promise((r) => setTimeout(r, 30));
    }
    throw new Error(`nothing listens on ${pod.ip}:${port}`);
  };

  return {
    host,
    hostPath: `/run/netns/${host}`,
    outside,
    net,
    gateway: `${net}.0.1`,
    hostAddress: `${net}.1.1`,
    prefix: `GS${tag.toUpperCase()}`,
    pod(n) {
      const ns = name(`p${n}`);
      sh("ip", "netns", "add", ns);
      namespaces.push(ns);
      const ip = `${net}.0.${n}`;
      inHost("link", "add", `v${n}`, "type", "veth", "peer", "name", "eth0", "netns", ns);
      inHost("link", "set", `v${n}`, "master", "pbr", "up");
      // Hairpin on the pod's port (the CNI bridge plugin's hairpinMode, kubelet's default): with bridge netfilter, a
      // pod's packet DNATed back to the same pod leaves through the port it came in on.
      inHost("link", "set", "dev", `v${n}`, "type", "bridge_slave", "hairpin", "on");
      sh("ip", "-n", ns, "link", "set", "lo", "up");
      sh("ip", "-n", ns, "addr", "add", `${ip}/24`, "dev", "eth0");
      sh("ip", "-n", ns, "link", "set", "eth0", "up");
      sh("ip", "-n", ns, "route", "add", "default", "via", `${net}.0.1`);
      return { ns, ip };
    },
    async httpd(pod, text, port = 80) {
      const root = join(dir, `${pod.ns}-${port}`);
      mkdirSync(root, { recursive: true });
      writeFileSync(join(root, "index.html"), `${text}\n`);
      const child = spawn("ip", ["netns", "exec", pod.ns, "busybox", "httpd", "-f", "-p", String(port), "-h", root], { stdio: "ignore" });
      children.push(child);
      await waitListening(pod, port, false);
    },
    async udpEcho(pod, text, port) {
      const script = `const s=require("node:dgram").createSocket("udp4");s.on("message",(m,r)=>s.send(${JSON.stringify(text)},r.port,r.address));s.bind(${port});`;
      const child = spawn("ip", ["netns", "exec", pod.ns, process.execPath, "-e", script], { stdio: "ignore" });
      children.push(child);
      await waitListening(pod, port, true);
    },
    async get(ns, url, timeoutSeconds = 2) {
      const r = await execIn(ns, "curl", ["-sS", "-m", String(timeoutSeconds), url]);
      return r.code === 0 ? r.stdout.trim() : `ERR ${r.stderr.trim()}`;
    },
    async connect(ns, ip, port) {
      const script = `const t=Date.now();const s=require("node:net").connect({host:${JSON.stringify(ip)},port:${port},timeout:3000});s.on("connect",()=>{console.log("connected "+(Date.now()-t));process.exit(0)});s.on("timeout",()=>{console.log("ETIMEDOUT "+(Date.now()-t));process.exit(0)});s.on("error",(e)=>{console.log(e.code+" "+(Date.now()-t));process.exit(0)});`;
      const r = await execIn(ns, process.execPath, ["-e", script]);
      const [result = `ERR ${r.stderr.trim()}`, ms = "NaN"] = r.stdout.trim().split(" ");
      return { result, ms: Number(ms) };
    },
    async udp(ns, ip, port) {
      const script = `const s=require("node:dgram").createSocket("udp4");const t=setTimeout(()=>{console.log("ERR timeout");process.exit(0)},1500);s.on("message",(m)=>{console.log(String(m));clearTimeout(t);process.exit(0)});s.send("hi",${port},${JSON.stringify(ip)});`;
      const r = await execIn(ns, process.execPath, ["-e", script]);
      return r.stdout.trim() || `ERR ${r.stderr.trim()}`;
    },
    cleanup,
  };
}
