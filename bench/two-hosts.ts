// Two real hosts for the orchestration benchmarks (bench/pod-start.ts, bench/host-failover.ts): a test bridge with two
// network namespaces (test/support/netns.ts), a real agent in each (entered with nsenter --net only, so it can run
// containers), joined to one control plane that listens on the bridge, each host renamed to a Node of its own and the
// busybox image pulled on both from a local registry reached through a forwarder on the bridge address. Also: the
// real kubectl over https with an operator's token, raw API calls and watches that stamp each event with the time it
// arrived, and a way to kill an agent, cut its link and bring it back.
import { execFile, execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestNetwork, type TestNetwork } from "../test/support/netns.ts";
import { startRegistry } from "../test/support/registry.ts";
import { makeImage, makeLayer, pushImage } from "../test/support/images.ts";
import { freePort, startControlPlane, type ControlPlane } from "../test/support/control-plane.ts";
import { mintJoinToken, startAgent, uninstallAgent, waitFor, type AgentProcess } from "../test/support/agent.ts";
import { GANTRY_RUNTIME } from "../test/support/bundle.ts";
import { api, setupOwner, signIn, userSession } from "../test/support/session.ts";
import { fullBusyboxEntries, networkingEnv, testNetworking } from "../test/support/docker-cli.ts";
import { kube, kubeEndpoint, mintToken, type Kube, type KubeEndpoint } from "../test/k8s/support.ts";
import { DOCKER_CLI, type Cleanups } from "./support.ts";

export interface BenchHost {
  node: string;
  hostId: number;
  netns: string;
  address: string;
  root: string;
  agent: AgentProcess;
  env: Record<string, string>;
  /** Starts the agent again (after a kill) on its root with its stored credential; resolves once it is connected. */
  restart(): Promise<void>;
  /** The namespace's only link down or up (the host cut off from the control plane; its agent and pods keep running). */
  link(up: boolean): void;
}

export interface TwoHosts {
  cp: ControlPlane;
  k: Kube;
  endpoint: KubeEndpoint;
  token: string;
  image: string;
  hosts: [BenchHost, BenchHost];
  cookie: string;
}

/** `cpEnv`: more of the control plane's configuration (heartbeat grace, node sync interval). */
export async function startTwoHosts(cleanups: Cleanups, opts: { cpEnv?: Record<string, string>; agentEnv?: Record<string, string> } = {}): Promise<TwoHosts> {
  const work = mkdtempSync(join(tmpdir(), "gantry-bench-two-hosts-"));
  cleanups.push("remove the work directory", () => rmSync(work, { recursive: true, force: true }));
  const netw: TestNetwork = createTestNetwork(`10.219.${randomInt(1, 250)}`, 2);
  cleanups.push("remove the test network", () => netw.destroy());

  const registry = await startRegistry("open");
  cleanups.push("stop the registry", () => registry.stop());
  await pushImage(registry.host, "busybox", "latest", makeImage([await makeLayer(fullBusyboxEntries())], { cmd: ["sh"] }));
  const regHost = await forward(cleanups, netw.gateway, registry.host);
  const image = `${regHost}/busybox:latest`;

  const port = await freePort();
  const publicUrl = `http://${netw.gateway}:${port}`;
  const cp = await startControlPlane({ port, env: { HOST: "0.0.0.0", GANTRY_PUBLIC_URL: publicUrl, ...opts.cpEnv } });
  cleanups.push("stop the control plane", () => cp.destroy());
  const owner = await setupOwner(cp);
  const cookie = await signIn(cp, owner.email, owner.password);
  const endpoint = await kubeEndpoint(cp);
  cleanups.push("close the kubectl endpoint", () => endpoint.close());
  const token = await mintToken(cp, (await userSession(cp, cookie, "operator")).cookie);
  const k = kube(endpoint, token);

  const hosts: BenchHost[] = [];
  for (const [i, h] of netw.hosts.entries()) {
    const root = join(work, `agent-${i}`, "root");
    const env = {
      GANTRY_RUNTIME,
      GANTRY_INSECURE_REGISTRIES: regHost,
      // Heartbeats as an installed agent sends them (every 10 s), not the tests' 500 ms.
      GANTRY_HEARTBEAT_INTERVAL_MS: "10000",
      ...networkingEnv(testNetworking(`gb${"ab"[i]}`)),
      ...opts.agentEnv,
    };
    const { token: join_ } = await mintJoinToken(cp.url, cookie);
    const agent = startAgent({ root, netns: h.netns, serverUrl: publicUrl, token: join_, env });
    const host: BenchHost = {
      node: `bench-${"ab"[i]}-${process.pid}`,
      hostId: 0,
      netns: h.netns,
      address: h.address,
      root,
      agent,
      env,
      async restart() {
        host.agent = startAgent({ root, netns: h.netns, serverUrl: publicUrl, env });
        await host.agent.waitForOutput(`connected to ${publicUrl}`, 60_000);
      },
      link(up) {
        execFileSync("ip", ["-n", h.netns, "link", "set", "eth0", up ? "up" : "down"]);
        // Back up, the namespace's route to the bridge comes with the address; nothing else to restore.
      },
    };
    cleanups.push(`remove what agent ${i} made`, async () => {
      await host.agent.stop();
      await uninstallAgent(root, { ...env, GANTRY_DOCKER_SOCKET: join(root, "docker.sock") });
    });
    await agent.waitForOutput(/joined .* as host (\d+)/, 60_000);
    host.hostId = Number(/joined .* as host (\d+)/.exec(agent.output())![1]);
    const renamed = await api(cp, cookie).patch(`/api/v1/hosts/${host.hostId}`, { name: host.node });
    if (renamed.status !== 200) throw new Error(`renaming host ${host.hostId}: ${renamed.status} ${JSON.stringify(renamed.body)}`);
    await waitFor(`host ${host.hostId} online`, async () => (await api(cp, cookie).get(`/api/v1/hosts/${host.hostId}`)).body?.status === "online", 60_000);
    await docker(root, ["pull", "-q", image]);
    hosts.push(host);
  }
  await waitFor("both Nodes Ready", async () => {
    const r = await k.run(["get", "nodes", ...hosts.map((h) => h.node), "--no-headers"]);
    return r.code === 0 && r.stdout.trim().split("\n").every((l) => l.split(/\s+/)[1] === "Ready");
  }, 60_000, 250);
  return { cp, k, endpoint, token, image, hosts: hosts as [BenchHost, BenchHost], cookie };
}

export function docker(root: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(DOCKER_CLI, args, { env: { ...process.env, DOCKER_HOST: `unix://${join(root, "docker.sock")}` }, maxBuffer: 64 * 1024 * 1024 }, (e, o, err) => (e ? reject(new Error(String(err))) : resolve(String(o)))),
  );
}

/** A TCP forwarder on the bridge address to the loopback registry, so both namespaces can pull from it. */
async function forward(cleanups: Cleanups, listenHost: string, target: string): Promise<string> {
  const [thost, tport] = target.split(":");
  const open = new Set<net.Socket>();
  const server = net.createServer((a) => {
    const b = net.connect(Number(tport), thost);
    for (const s of [a, b]) {
      open.add(s);
      s.on("close", () => open.delete(s));
    }
    a.pipe(b).pipe(a);
    a.on("error", () => b.destroy());
    b.on("error", () => a.destroy());
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, listenHost, r));
  // Connections kept alive (the registry's) would hold close() forever: they are cut.
  cleanups.push("stop the registry forwarder", () => new Promise<void>((r) => (server.close(() => r()), open.forEach((s) => s.destroy()))));
  return `${listenHost}:${port}`;
}

/** JSON over https to the Kubernetes API with the bench's token. */
export function kubeRequest(w: TwoHosts, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const base = new URL(w.endpoint.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(new URL(base.pathname + path, base), {
      method,
      ca: [w.endpoint.certificate],
      headers: { authorization: `Bearer ${w.token}`, ...(payload ? { "content-type": "application/json" } : {}) },
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        try {
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text });
        }
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

export interface Stamped {
  at: number;
  type: string;
  object: any;
}

/** A watch whose every event carries the client's clock (ms, performance.now() based on Date.now()) when it arrived. */
export function stampedWatch(w: TwoHosts, path: string, onEvent?: (e: Stamped) => void) {
  const events: Stamped[] = [];
  const base = new URL(w.endpoint.server);
  const req = httpsRequest(new URL(base.pathname + path, base), { method: "GET", ca: [w.endpoint.certificate], headers: { authorization: `Bearer ${w.token}` } });
  let buffered = "";
  req.on("response", (res) => {
    res.setEncoding("utf8");
    res.on("data", (d: string) => {
      const at = Date.now();
      buffered += d;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        const e = { at, ...(JSON.parse(line) as { type: string; object: any }) };
        events.push(e);
        onEvent?.(e);
      }
    });
  });
  req.on("error", () => {});
  req.end();
  return { events, close: () => req.destroy() };
}

export const podReady = (p: any) => p?.status?.conditions?.some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True") === true;
