// The pod network across hosts (issue 14): three agents, each in its own network namespace on an underlay bridge this
// test makes, join one control plane. Each host gets its own /24 of the cluster CIDR (Node spec.podCIDR, kept across a
// control-plane restart); a pod on host A reaches a pod on host B by its pod IP over the VXLAN overlay, and B's server
// sees A's pod IP (nothing masqueraded inside the cluster CIDR). A host revoked from the fleet leaves every other host's
// overlay (its route and FDB entry gone), and the others still reach each other.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { waitFor } from "../support/agent";
import { api } from "../support/session";
import { startPodFleet, type PodFleet } from "../support/pod-fleet";
import { podDeviceNames } from "@/agent/network/overlay";

let fleet: PodFleet;
let image: string;

before(async () => {
  fleet = await startPodFleet("podnet", 3);
  image = fleet.image;
});

after(async () => {
  await fleet?.stop();
});

const ok = (args: string[], stdin?: string) => fleet.ok(args, stdin);
const inNs = (netns: string, cmd: string, ...args: string[]) => fleet.inNs(netns, cmd, ...args);

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

test("each host gets its own /24 of the cluster CIDR as Node spec.podCIDR, and keeps it across a control-plane restart", async () => {
  const cidrs = await waitFor("both Nodes with a podCIDR", async () => {
    const m = await nodeCIDRs();
    return fleet.hosts.every((a) => m.has(a.name)) ? m : undefined;
  }, 30_000);
  const [a, b, c] = fleet.hosts.map((x) => cidrs.get(x.name)!);
  assert.match(a!, /^\d+\.\d+\.\d+\.0\/24$/);
  assert.equal(new Set([a, b, c]).size, 3, "distinct ranges");
  assert.equal(a!.split(".").slice(0, 2).join("."), b!.split(".").slice(0, 2).join("."), "both from the cluster CIDR");

  await fleet.restartControlPlane();
  await waitFor("both hosts back online", async () => {
    for (const x of fleet.hosts) if ((await api(fleet.cp, fleet.cookie).get(`/api/v1/hosts/${x.hostId}`)).body?.status !== "online") return false;
    return true;
  }, 60_000);
  const again = await nodeCIDRs();
  assert.equal(again.get(fleet.hosts[0]!.name), a);
  assert.equal(again.get(fleet.hosts[1]!.name), b);
  assert.equal(again.get(fleet.hosts[2]!.name), c);
});

test("a pod on host A reaches a pod on host B by its pod IP across the overlay, and B sees A's pod IP", async () => {
  const [a, b] = fleet.hosts;
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
    const r = await fleet.k.run(["exec", "peer-a", "--", "sh", "-c", `printf 'GET /cgi-bin/peer HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${pb.status.podIP} 8080`]);
    last = r.stderr + r.stdout;
    const body = /\r?\n\r?\n([\s\S]*)$/.exec(r.stdout)?.[1]?.trim();
    return r.code === 0 && r.stdout.startsWith("HTTP/1.") && body ? body : undefined;
  }, 30_000).catch((e) => {
    const state = fleet.hosts.map((x) => `${x.name}:\n${inNs(x.netns, "ip", "-4", "route")}${inNs(x.netns, "ip", "-d", "link", "show")}${inNs(x.netns, "bridge", "fdb", "show")}${inNs(x.netns, "ip", "neigh")}${inNs(x.netns, "iptables-save")}\n${x.agent.output().slice(-3000)}`);
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

test("a host revoked from the fleet disappears from every other host's overlay; the others keep theirs", async () => {
  const [a, b, c] = fleet.hosts;
  const cidrs = await nodeCIDRs();
  const cidrB = cidrs.get(b!.name)!;
  const cidrC = cidrs.get(c!.name)!;
  const overlay = (host: typeof a) => {
    const dev = podDeviceNames(host!.env).vxlan;
    try {
      return { routes: inNs(host!.netns, "ip", "-4", "route", "show"), fdb: inNs(host!.netns, "bridge", "fdb", "show", "dev", dev) };
    } catch {
      return { routes: "", fdb: "" }; // the device is gone with its last peer
    }
  };
  await waitFor("all three hosts in each other's overlay", async () => {
    const onA = overlay(a);
    const onB = overlay(b);
    return onA.routes.includes(cidrC) && onB.routes.includes(cidrC) && onA.fdb.includes(`dst ${c!.address} `) && onB.fdb.includes(`dst ${c!.address} `);
  }, 20_000);
  const r = await api(fleet.cp, fleet.cookie).post(`/api/v1/hosts/${c!.hostId}/revoke`, {});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await waitFor("host C's route and FDB entry gone from hosts A and B", async () => {
    const onA = overlay(a);
    const onB = overlay(b);
    return !onA.routes.includes(cidrC) && !onB.routes.includes(cidrC) && !onA.fdb.includes(`dst ${c!.address} `) && !onB.fdb.includes(`dst ${c!.address} `);
  }, 20_000);
  const onA = overlay(a);
  assert.ok(onA.routes.includes(cidrB), `host A still routes host B's range ${cidrB}:\n${onA.routes}`);
  assert.ok(onA.fdb.includes(`dst ${b!.address} `), `host A still forwards to host B:\n${onA.fdb}`);
});
