// Cluster DNS through the agent's real embedded DNS server over UDP: the network engine serves DNS on an address of
// its own (as on the pod bridge's gateway) with the service table's cluster names, and forwards other names to an
// upstream (a second real DnsServer on loopback standing in for the host's resolver). Queried with Node's resolver
// (c-ares): A for services (ClusterIP and headless), endpoint hostnames, SRV of named ports, pod A records,
// ExternalName's CNAME, NXDOMAIN inside cluster.local, and forwarding outside it.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Resolver as DnsClient } from "node:dns/promises";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomInt } from "node:crypto";
import { DnsServer, TYPE_A } from "@/agent/network/dns";
import { NetworkService } from "@/agent/network/network-service";
import { ServiceTable } from "@/agent/services/service-table";
import { resolveClusterName } from "@/agent/services/cluster-dns";
import type { AgentService } from "@/lib/protocol/services";

const table = new ServiceTable();
const svc = (name: string, extra: Partial<AgentService>): AgentService => ({
  namespace: "shop",
  name,
  uid: `uid-${name}`,
  type: "ClusterIP",
  clusterIP: null,
  sessionAffinity: "None",
  affinityTimeoutSeconds: 10800,
  publishNotReadyAddresses: false,
  ports: [],
  endpoints: [],
  ...extra,
});
const r = table.apply({
  full: true,
  revision: 1,
  clusterDomain: "cluster.local",
  serviceCIDR: "10.96.0.0/12",
  removed: [],
  services: [
    svc("web", { clusterIP: "10.96.0.10", ports: [{ name: "http", protocol: "TCP", port: 80 }] }),
    svc("db", {
      ports: [{ name: "pg", protocol: "TCP", port: 5432 }],
      endpoints: [
        { ip: "10.244.1.5", ready: true, hostname: "db-0", nodeName: "a", podName: "db-0", ports: { pg: 5432 } },
        { ip: "10.244.2.6", ready: true, hostname: "db-1", nodeName: "b", podName: "db-1", ports: { pg: 5433 } },
        { ip: "10.244.2.7", ready: false, hostname: "db-2", nodeName: "b", podName: "db-2", ports: { pg: 5432 } },
      ],
    }),
    svc("mail", { type: "ExternalName", externalName: "smtp.example.test" }),
  ],
});
assert.ok(r.ok);

// The upstream: a real DnsServer answering one outside name.
const upstreamPort = randomInt(20000, 30000);
const upstream = new DnsServer("127.0.0.1", ({ name, type }) => (name === "example.test" && type === TYPE_A ? { a: ["192.0.2.10"] } : "nxdomain"), () => {}, upstreamPort);
await upstream.listen();
const root = mkdtempSync(join(tmpdir(), "gantry-cdns-"));
const dnsPort = randomInt(30000, 40000);
const networks = new NetworkService({ root, dnsPort, dnsUpstreams: [`127.0.0.1:${upstreamPort}`], clusterNames: ({ name, type }) => resolveClusterName(table, name, type) });
await networks.serveDns("127.0.0.1");
after(async () => {
  await networks.close();
  await upstream.close();
  rmSync(root, { recursive: true, force: true });
});

const client = new DnsClient({ timeout: 2000, tries: 1 });
client.setServers([`127.0.0.1:${dnsPort}`]);
const nx = (e: NodeJS.ErrnoException) => e.code === "ENOTFOUND";

test("a Service's name is its ClusterIP; a headless Service's is its ready endpoints' addresses", async () => {
  assert.deepEqual(await client.resolve4("web.shop.svc.cluster.local"), ["10.96.0.10"]);
  assert.deepEqual((await client.resolve4("db.shop.svc.cluster.local")).sort(), ["10.244.1.5", "10.244.2.6"]);
  assert.deepEqual(await client.resolve4("db-1.db.shop.svc.cluster.local"), ["10.244.2.6"]);
  await assert.rejects(client.resolve4("db-2.db.shop.svc.cluster.local"), nx, "a not-ready endpoint has no name");
});

test("SRV of a named port: the service, or each endpoint of a headless one with its own port", async () => {
  assert.deepEqual(await client.resolveSrv("_http._tcp.web.shop.svc.cluster.local"), [{ name: "web.shop.svc.cluster.local", port: 80, priority: 0, weight: 100 }]);
  const srv = (await client.resolveSrv("_pg._tcp.db.shop.svc.cluster.local")).map((s) => `${s.name}:${s.port}`).sort();
  assert.deepEqual(srv, ["db-0.db.shop.svc.cluster.local:5432", "db-1.db.shop.svc.cluster.local:5433"]);
  await assert.rejects(client.resolveSrv("_pg._udp.db.shop.svc.cluster.local"), nx);
});

test("pod A records, ExternalName as a CNAME, NXDOMAIN inside the cluster domain", async () => {
  assert.deepEqual(await client.resolve4("10-244-1-5.shop.pod.cluster.local"), ["10.244.1.5"]);
  assert.deepEqual(await client.resolveCname("mail.shop.svc.cluster.local"), ["smtp.example.test"]);
  for (const name of ["nope.shop.svc.cluster.local", "web.other.svc.cluster.local", "web.shop.svc.cluster.local.shop.svc.cluster.local", "x.cluster.local"]) {
    await assert.rejects(client.resolve4(name), nx, name);
  }
});

test("names outside the cluster domain are forwarded upstream as before", async () => {
  assert.deepEqual(await client.resolve4("example.test"), ["192.0.2.10"]);
  await assert.rejects(client.resolve4("missing.example.test"), nx);
});
