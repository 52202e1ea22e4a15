// services.sync over the agent's real link: a socket.io server playing the control plane's side of the protocol sends
// a full set, a delta, a delta after a gap and a payload that does not parse; the agent's answers say what the control
// plane must do (a refused message leaves the table as it was), and the ClusterIP sent answers from a real server in a
// network namespace behind the rules.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as SocketServer, type Socket } from "socket.io";
import { AGENT_NAMESPACE, SOCKET_PATH, type Ack } from "@/lib/protocol";
import type { AgentService, ServicesSync } from "@/lib/protocol/services";
import { AgentLink } from "@/agent/link";
import { systemClock } from "@/agent/clock";
import { AgentServices } from "@/agent/services/agent-services";
import { makeServiceHost } from "../support/service-netns";

const h = makeServiceHost("link");
const services = new AgentServices({ prefix: h.prefix, netns: h.hostPath, log: () => {} });
const backend = h.pod(11);
const client = h.pod(20);
await h.httpd(backend, "hello from b11");

const http = createServer();
const io = new SocketServer(http, { path: SOCKET_PATH, serveClient: false });
let agentSocket: Socket | null = null;
const connected = new Promise<Socket>((resolve) => {
  io.of(AGENT_NAMESPACE).on("connection", (socket) => {
    socket.on("hello", (_m, ack) => ack({ ok: true }));
    socket.on("heartbeat", (_m, ack) => ack({ ok: true }));
    agentSocket = socket;
    resolve(socket);
  });
});
await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
const link = new AgentLink({
  serverUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
  credential: "gch_" + "D".repeat(43),
  facts: async () => ({}) as never,
  heartbeatIntervalMs: 60_000,
  clock: systemClock,
  random: Math.random,
  log: () => {},
  services,
});
const running = link.run();
after(async () => {
  link.stop();
  await running;
  io.close();
  http.close();
  services.close();
  await services.proxy.removeAll().catch(() => {});
  h.cleanup();
});

const web: AgentService = {
  namespace: "shop",
  name: "web",
  uid: "u1",
  type: "ClusterIP",
  clusterIP: "10.96.0.10",
  sessionAffinity: "None",
  affinityTimeoutSeconds: 10800,
  publishNotReadyAddresses: false,
  ports: [{ name: "", protocol: "TCP", port: 80 }],
  endpoints: [{ ip: backend.ip, ready: true, nodeName: "a", podName: "web-1", ports: { "": 80 } }],
};
const msg = (m: Partial<ServicesSync> & { revision: number }): ServicesSync => ({ full: false, clusterDomain: "cluster.local", serviceCIDR: "10.96.0.0/12", services: [], removed: [], ...m });
const send = async (payload: unknown) => (await (await connected).timeout(5000).emitWithAck("services.sync", payload)) as Ack;

test("the agent takes services.sync on its link: full, then deltas in order; a gap or a bad field is refused", async () => {
  assert.deepEqual(await send(msg({ full: true, revision: 1, services: [web] })), { ok: true });
  await services.flushed();
  assert.equal(await h.get(client.ns, "http://10.96.0.10/"), "hello from b11");

  const gap = await send(msg({ revision: 3, removed: ["shop/web"] }));
  assert.equal(gap.ok, false);
  assert.match(String((gap as { error?: string }).error), /revision gap: expected revision 2, got 3/);
  assert.ok(services.table.get("shop/web"), "a refused delta changes nothing");

  const bad = await send(msg({ revision: 2, services: [{ ...web, ports: [{ name: "", protocol: "TCP", port: 70000 }] }] }));
  assert.equal(bad.ok, false);
  assert.match(String((bad as { error?: string }).error), /services\.0\.ports\.0\.port/);

  assert.deepEqual(await send(msg({ revision: 2, removed: ["shop/web"] })), { ok: true });
  await services.flushed();
  assert.equal(services.table.size, 0);
  assert.match(await h.get(client.ns, "http://10.96.0.10/", 0.5), /^ERR /);
  assert.ok(agentSocket);
});
