// A fleet for tests of the cluster network (issue 14): a test underlay (a bridge in the root namespace and one network
// namespace per host, test/support/netns.ts), a real control plane listening on the bridge, a registry holding
// busybox there too, and a real agent per host started inside its namespace (`nsenter --net`), joined with a token
// under a name of its own (the namespaces share this machine's hostname) — so each is a Node with its own pod CIDR
// and the hosts reach each other over the VXLAN overlay. kubectl talks to the control plane (test/k8s/support.ts).
// `stop()` stops the agents, uninstalls what each made in its namespace, and removes everything.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { rmSync } from "node:fs";
import { startControlPlane, freePort, type ControlPlane } from "./control-plane";
import { setupOwner, signIn, api } from "./session";
import { startAgent, waitFor, type AgentProcess } from "./agent";
import { createTestNetwork, type TestNetwork } from "./netns";
import { startRegistry, type TestRegistry } from "./registry";
import { pushBusybox, testNetworking, networkingEnv } from "./docker-cli";
import { GANTRY_RUNTIME } from "./bundle";
import { kube, kubeEndpoint, mintToken, type Kube, type KubeEndpoint } from "../k8s/support";

export interface FleetHost {
  agent: AgentProcess;
  /** The agent's environment beyond the test process's (its bridge, chains, registry): the same for a restart. */
  env: Record<string, string>;
  netns: string;
  /** Its address on the underlay. */
  address: string;
  hostId: number;
  /** Its host (and Node) name. */
  name: string;
}

export interface PodFleet {
  net: TestNetwork;
  cp: ControlPlane;
  registry: TestRegistry;
  /** busybox in the registry, as a pod's image. */
  image: string;
  /** Where the agents reach the control plane: on the underlay bridge. */
  publicUrl: string;
  cookie: string;
  k: Kube;
  hosts: FleetHost[];
  /** kubectl that must succeed: its stdout (a failure fails the test with kubectl's output). */
  ok(args: string[], stdin?: string): Promise<string>;
  /** A command in a host's network namespace (ip, iptables-save, curl…): its stdout; throws on failure. */
  inNs(netns: string, cmd: string, ...args: string[]): string;
  /** The control plane stopped and started again on its data and port; signs in again. */
  restartControlPlane(): Promise<void>;
  /** The host's agent started again (after `agent.kill()` or `stop()`): same root, namespace and environment. */
  restartAgent(host: FleetHost): Promise<void>;
  stop(): Promise<void>;
}

/** `label`: a word naming the test's hosts (`<label>-a-123456`) and chains. */
export async function startPodFleet(label: string, hostCount = 2): Promise<PodFleet> {
  const net = createTestNetwork(`10.214.${randomInt(1, 250)}`, hostCount);
  const hosts: FleetHost[] = [];
  let cp: ControlPlane | undefined;
  let registry: TestRegistry | undefined;
  let ep: KubeEndpoint | undefined;
  const roots: string[] = [];
  const stop = async () => {
    await ep?.close();
    // The hosts share nothing: each is stopped and uninstalled at the same time as the others.
    await Promise.all(hosts.map(async (h) => {
      await h.agent.stop();
      // uninstall runs in the agent's namespace: its bridges, overlay device and chains are there. Best effort: the
      // namespace goes below anyway.
      await new Promise<void>((resolve) =>
        execFile("nsenter", [`--net=/run/netns/${h.netns}`, process.execPath, "bin/gantry-agent.mjs", "uninstall", "--root", h.agent.root], {
          env: { ...process.env, ...h.env, GANTRY_DOCKER_SOCKET: `${h.agent.root}/docker.sock` },
          timeout: 120_000,
        }, () => resolve()),
      );
      await h.agent.destroy();
    }));
    for (const r of roots) rmSync(r, { recursive: true, force: true });
    await registry?.stop();
    await cp?.destroy();
    net.destroy();
  };
  try {
    const port = await freePort();
    const publicUrl = `http://${net.gateway}:${port}`;
    const cpEnv = { HOST: "0.0.0.0", GANTRY_PUBLIC_URL: publicUrl };
    // Both started at once; whichever came up is stopped by stop() when the other failed.
    const [started, served] = await Promise.allSettled([startControlPlane({ port, env: cpEnv }), startRegistry("open", undefined, { address: net.gateway })]);
    if (started.status === "fulfilled") cp = started.value;
    if (served.status === "fulfilled") registry = served.value;
    if (started.status === "rejected") throw started.reason;
    if (served.status === "rejected") throw served.reason;
    const [first, reg] = [started.value, served.value];
    // Plain http to the test registry on the bridge, for this test's push and every agent.
    process.env.GANTRY_INSECURE_REGISTRIES = reg.host;
    const image = await pushBusybox(reg.host);
    const owner = await setupOwner(first);
    let cookie = await signIn(first, owner.email, owner.password);
    ep = await kubeEndpoint(first);
    const k = kube(ep, await mintToken(first, cookie));
    // The hosts join at once (each its own token and name); `hosts` keeps the order of the network's hosts.
    const agents: AgentProcess[] = [];
    const joined = await Promise.allSettled(net.hosts.map(async (h, i) => {
      const minted = await api(first, cookie).post("/api/v1/join-tokens", { hostName: `${label}-${"abcdefgh"[i]}-${randomInt(1e6)}` });
      assert.equal(minted.status, 201, JSON.stringify(minted.body));
      const env = { GANTRY_RUNTIME, GANTRY_INSECURE_REGISTRIES: reg.host, ...networkingEnv(testNetworking(label.slice(0, 3))) };
      const agent = startAgent({ serverUrl: publicUrl, token: minted.body.token as string, netns: h.netns, env });
      agents[i] = agent;
      await agent.waitForOutput(/joined .* as host (\d+)/, 60_000);
      const hostId = Number(/as host (\d+)/.exec(agent.output())![1]);
      const name = (await api(first, cookie).get(`/api/v1/hosts/${hostId}`)).body.name as string;
      return { agent, env, netns: h.netns, address: h.address, hostId, name };
    }));
    for (const [i, j] of joined.entries()) {
      if (j.status === "fulfilled") hosts.push(j.value);
      else if (agents[i]) await agents[i]!.destroy(); // (stop() tears down only the hosts that joined)
    }
    const failed = joined.find((j) => j.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    // Every Node Ready with its pod CIDR and no taint keeping pods off: a Node is not-ready until its first heartbeat,
    // and a Deployment applied before that lands wholly on the hosts that were.
    await waitFor("every Node Ready, untainted, with a pod CIDR", async () => {
      const r = await k.run(["get", "nodes", "-o", "json"]);
      if (r.code !== 0) throw new Error(r.stderr);
      type N = { metadata: { name: string }; spec: { podCIDR?: string; taints?: { key: string; effect: string }[] }; status?: { conditions?: { type: string; status: string }[] } };
      const nodes = JSON.parse(r.stdout).items as N[];
      const unfit = nodes.map((n) => {
        const ready = n.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "Unknown";
        const taints = (n.spec.taints ?? []).filter((t) => t.effect !== "PreferNoSchedule").map((t) => `${t.key}:${t.effect}`);
        return ready === "True" && n.spec.podCIDR && taints.length === 0 ? "" : `${n.metadata.name} Ready=${ready} podCIDR=${n.spec.podCIDR ?? "none"} taints=[${taints.join(",")}]`;
      }).filter(Boolean);
      if (nodes.length !== hosts.length || unfit.length) throw new Error(`${nodes.length}/${hosts.length} Nodes; ${unfit.join("; ")}`);
      return true;
    }, 60_000);
    const fleet: PodFleet = {
      net,
      cp: first,
      registry: reg,
      image,
      publicUrl,
      get cookie() {
        return cookie;
      },
      k,
      hosts,
      async ok(args, stdin) {
        const r = await k.run(args, { stdin });
        assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
        return r.stdout;
      },
      inNs: (netns, cmd, ...args) => execFileSync("nsenter", [`--net=/run/netns/${netns}`, cmd, ...args], { encoding: "utf8" }),
      async restartControlPlane() {
        await cp!.stop();
        cp = fleet.cp = await startControlPlane({ dataDir: cp!.dataDir, port: cp!.port, env: cpEnv });
        cookie = await waitFor("signing in again", () => signIn(cp!, owner.email, owner.password), 30_000);
      },
      async restartAgent(host) {
        await host.agent.stop();
        const root = host.agent.root;
        // The first process made the root (and would remove it when destroyed): the fleet removes it at the end.
        roots.push(root);
        host.agent = startAgent({ serverUrl: publicUrl, root, netns: host.netns, env: host.env });
        await host.agent.waitForOutput(/connected to /, 60_000);
      },
      stop,
    };
    return fleet;
  } catch (e) {
    await stop();
    throw e;
  }
}
