// The pod network across hosts (issue 14): two agents, each in its own network namespace on an underlay bridge this
// test makes, join one control plane. Each host gets its own /24 of the cluster CIDR (Node spec.podCIDR, kept across a
// control-plane restart); a pod on host A reaches a pod on host B by its pod IP over the VXLAN overlay, and B's server
// sees A's pod IP (nothing masqueraded inside the cluster CIDR). A host revoked from the fleet leaves the other host's
// overlay (its route and FDB entry gone).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { startControlPlane, freePort, type ControlPlane } from "../support/control-plane";
import { setupOwner, signIn, api } from "../support/session";
import { startAgent, waitFor, type AgentProcess } from "../support/agent";
import { createTestNetwork, type TestNetwork } from "../support/netns";
import { startRegistry, type TestRegistry } from "../support/registry";
import { pushBusybox, testNetworking, networkingEnv } from "../support/docker-cli";
import { GANTRY_RUNTIME } from "../support/bundle";
import { kube, kubeEndpoint, mintToken, type Kube, type KubeEndpoint } from "../k8s/support";
import { podDeviceNames } from "@/agent/network/overlay";

let net: TestNetwork;
let cp: ControlPlane;
let registry: TestRegistry;
let ep: KubeEndpoint;
let k: Kube;
let cookie: string;
/** The owner's email and password: signed in again after the control plane's restart. */
let owner_: [string, string];
let image: string;
let publicUrl: string;
const cpEnv: Record<string, string> = {};
const agents: { agent: AgentProcess; env: Record<string, string>; netns: string; address: string; hostId: number; name: string }[] = [];

before(async () => {
  net = createTestNetwork(`10.214.${randomInt(1, 250)}`, 2);
  const port = await freePort();
  publicUrl = `http://${net.gateway}:${port}`;
  Object.assign(cpEnv, { HOST: "0.0.0.0", GANTRY_PUBLIC_URL: publicUrl });
  [cp, registry] = await Promise.all([startControlPlane({ port, env: cpEnv }), startRegistry("open", undefined, { address: net.gateway })]);
  // Plain http to the test registry on the bridge, for this test's push and both agents.
  process.env.GANTRY_INSECURE_REGISTRIES = registry.host;
  image = await pushBusybox(registry.host);
  const owner = await setupOwner(cp);
  owner_ = [owner.email, owner.password];
  cookie = await signIn(cp, owner.email, owner.password);
  ep = await kubeEndpoint(cp);
  k = kube(ep, await mintToken(cp, cookie));
  for (const [i, host] of net.hosts.entries()) {
    // Named apart (both namespaces share this machine's hostname): each is a Node of its own.
    const minted = await api(cp, cookie).post("/api/v1/join-tokens", { hostName: `podnet-${"ab"[i]}-${randomInt(1e6)}` });
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    const token = minted.body.token as string;
    const env = { GANTRY_RUNTIME, GANTRY_INSECURE_REGISTRIES: registry.host, ...networkingEnv(testNetworking("gpo")) };
    const agent = startAgent({ serverUrl: publicUrl, token, netns: host.netns, env });
    await agent.waitForOutput(/joined .* as host (\d+)/, 60_000);
    const hostId = Number(/as host (\d+)/.exec(agent.output())![1]);
    const name = (await api(cp, cookie).get(`/api/v1/hosts/${hostId}`)).body.name as string;
    agents.push({ agent, env, netns: host.netns, address: host.address, hostId, name });
  }
});

after(async () => {
  await ep?.close();
  for (const a of agents) {
    await a.agent.stop();
    // uninstall runs in the agent's namespace: its bridges, overlay device and chains are there.
    await new Promise<void>((r) => {
      try {
        execFileSync("nsenter", [`--net=/run/netns/${a.netns}`, process.execPath, "bin/gantry-agent.mjs", "uninstall", "--root", a.agent.root], {
          env: { ...process.env, ...a.env, GANTRY_DOCKER_SOCKET: `${a.agent.root}/docker.sock` },
          stdio: "ignore",
          timeout: 120_000,
        });
      } catch {
        /* best effort: the namespace goes below anyway */
      }
      r();
    });
    await a.agent.destroy();
  }
  await registry?.stop();
  await cp?.destroy();
  net?.destroy();
});

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await k.run(args, { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function nodeCIDRs(): Promise<Map<string, string>> {
  const nodes = JSON.parse(await ok(["get", "nodes", "-o", "json"])).items as { metadata: { name: string }; spec: { podCIDR?: string; podCIDRs?: string[] } }[];
  const out = new Map<string, string>();
  for (const n of nodes) {
    if (n.spec.podCIDR) {
      assert.deepEqual(n.spec.podCIDRs, [n.spec.podCIDR], "podCIDRs holds the one range");
      out.set(n.metadata.name, n.spec.podCIDR);
    }
  }
  return out;
}

const inNs = (netns: string, cmd: string, ...args: string[]) => execFileSync("nsenter", [`--net=/run/netns/${netns}`, cmd, ...args], { encoding: "utf8" });

test("each host gets its own /24 of the cluster CIDR as Node spec.podCIDR, and keeps it across a control-plane restart", async () => {
  const cidrs = await waitFor("both Nodes with a podCIDR", async () => {
    const m = await nodeCIDRs();
    return agents.every((a) => m.has(a.name)) ? m : undefined;
  }, 30_000);
  const [a, b] = agents.map((x) => cidrs.get(x.name)!);
  assert.match(a!, /^\d+\.\d+\.\d+\.0\/24$/);
  assert.notEqual(a, b, "distinct ranges");
  assert.equal(a!.split(".").slice(0, 2).join("."), b!.split(".").slice(0, 2).join("."), "both from the cluster CIDR");

  await cp.stop();
  cp = await startControlPlane({ dataDir: cp.dataDir, port: cp.port, env: cpEnv });
  await waitFor("both hosts back online", async () => {
    cookie = await signIn(cp, ...owner_);
    for (const x of agents) if ((await api(cp, cookie).get(`/api/v1/hosts/${x.hostId}`)).body?.status !== "online") return false;
    return true;
  }, 60_000);
  const again = await nodeCIDRs();
  assert.equal(again.get(agents[0]!.name), a);
  assert.equal(again.get(agents[1]!.name), b);
});

test("a pod on host A reaches a pod on host B by its pod IP across the overlay, and B sees A's pod IP", async () => {
  const [a, b] = agents;
  const server = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "peer-b" },
    spec: {
      nodeName: b!.name,
      containers: [
        {
          name: "web",
          image,
          imagePullPolicy: "IfNotPresent",
          command: ["sh", "-c", "mkdir -p /www/cgi-bin && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho \"$REMOTE_ADDR\"\\n' > /www/cgi-bin/peer && chmod +x /www/cgi-bin/peer && exec httpd -f -p 8080 -h /www"],
          ports: [{ containerPort: 8080 }],
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
        },
      ],
    },
  };
  const client = { apiVersion: "v1", kind: "Pod", metadata: { name: "peer-a" }, spec: { nodeName: a!.name, containers: [{ name: "sh", image, imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] }] } };
  await ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: [server, client] }));
  const ready = async (name: string) =>
    waitFor(`pod ${name} running with an IP`, async () => {
      const p = JSON.parse(await ok(["get", "pod", name, "-o", "json"]));
      return p.status?.phase === "Running" && p.status.podIP && p.status.conditions?.some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True") ? p : undefined;
    }, 60_000);
  const [pb, pa] = [await ready("peer-b"), await ready("peer-a")];
  const cidrs = await nodeCIDRs();
  const inRange = (ip: string, cidr: string) => ip.startsWith(cidr.replace(/0\/24$/, ""));
  assert.ok(inRange(pa.status.podIP, cidrs.get(a!.name)!), `pod A's IP ${pa.status.podIP} is from host A's range ${cidrs.get(a!.name)}`);
  assert.ok(inRange(pb.status.podIP, cidrs.get(b!.name)!), `pod B's IP ${pb.status.podIP} is from host B's range ${cidrs.get(b!.name)}`);

  let last = "";
  const seen = await waitFor("pod A's request answered by pod B", async () => {
    // (busybox-static's wget crashes on an address literal here: nc speaks the request instead.)
    const r = await k.run(["exec", "peer-a", "--", "sh", "-c", `printf 'GET /cgi-bin/peer HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${pb.status.podIP} 8080`]);
    last = r.stderr + r.stdout;
    const body = /\r?\n\r?\n([\s\S]*)$/.exec(r.stdout)?.[1]?.trim();
    return r.code === 0 && r.stdout.startsWith("HTTP/1.") && body ? body : undefined;
  }, 30_000).catch((e) => {
    const state = agents.map((x) => `${x.name}:\n${inNs(x.netns, "ip", "-4", "route")}${inNs(x.netns, "ip", "-d", "link", "show")}${inNs(x.netns, "bridge", "fdb", "show")}${inNs(x.netns, "ip", "neigh")}${inNs(x.netns, "iptables-save")}\n${x.agent.output().slice(-3000)}`);
    throw new Error(`${(e as Error).message}\nlast try: ${last}\n${state.join("\n")}`);
  });
  // (busybox httpd listens on IPv6 and writes an IPv4 peer as [::ffff:a.b.c.d].)
  assert.equal(seen.replace(/^\[::ffff:(.*)\]$/, "$1"), pa.status.podIP, "B's server sees A's pod IP: not masqueraded");

  // The overlay as flannel's vxlan backend has it, on host A: B's range routed via B's .0 on the vxlan device, its
  // VTEP MAC in the FDB pointing at B's underlay address.
  const dev = podDeviceNames(a!.env).vxlan;
  const routes = inNs(a!.netns, "ip", "-4", "route", "show", "dev", dev);
  assert.match(routes, new RegExp(`^${cidrs.get(b!.name)!.replace(/\./g, "\\.")} via ${cidrs.get(b!.name)!.replace(/\/24$/, "").replace(/\./g, "\\.")} onlink`, "m"));
  const fdb = inNs(a!.netns, "bridge", "fdb", "show", "dev", dev);
  assert.match(fdb, new RegExp(`dst ${b!.address.replace(/\./g, "\\.")} self permanent`));
  const mtu = JSON.parse(inNs(a!.netns, "ip", "-j", "link", "show", "dev", dev))[0].mtu;
  assert.equal(mtu, 1450, "the underlay's 1500 less VXLAN's 50");
});

test("a host revoked from the fleet disappears from the other host's overlay", async () => {
  const [a, b] = agents;
  const cidrB = (await nodeCIDRs()).get(b!.name)!;
  const dev = podDeviceNames(a!.env).vxlan;
  const r = await api(cp, cookie).post(`/api/v1/hosts/${b!.hostId}/revoke`, {});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await waitFor("host B's route and FDB entry gone from host A", async () => {
    let routes = "";
    let fdb = "";
    try {
      routes = inNs(a!.netns, "ip", "-4", "route", "show", cidrB);
      fdb = inNs(a!.netns, "bridge", "fdb", "show", "dev", dev);
    } catch {
      /* the device is gone with its last peer */
    }
    return !routes.trim() && !fdb.includes(`dst ${b!.address} `);
  }, 20_000);
});

