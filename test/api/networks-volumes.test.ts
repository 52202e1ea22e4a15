// Networks, volumes and join tokens through the REST API, against a real control plane and agent: a network with a
// chosen subnet, a container connected (its address in that subnet, seen by the container itself) and disconnected,
// removal refused while in use; a volume a container writes into, with its size and user, removal refused while in
// use, prune of anonymous and then named ones; a join token naming its host, listed, revoked and refused; bad input a
// 4xx naming the field; viewers read and may not change; the activity record says each change in words.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { api, userSession } from "../support/session";
import { waitFor } from "../support/agent";
import { startFleetHost, type FleetHost } from "../support/fleet-host";

let f: FleetHost;
let viewer: string;
let operator: string;
let hostName: string;
let SUBNET = "";
let GATEWAY = "";
let PREFIX = "";

/** A /24 for the test's own network, in a 10.x/16 no route uses, taken from the top of the range (agents' ranges are
 * taken from the bottom: lib test/support/docker-cli.ts freeSubnets). */
function freeTestSubnet(): string {
  const used = new Set([...execFileSync("ip", ["-4", "route"], { encoding: "utf8" }).matchAll(/^10\.(\d+)\./gm)].map((m) => m[1]));
  for (let b = 249; b >= 150; b--) if (!used.has(String(b))) return `10.${b}.5.0/24`;
  throw new Error("no free 10.x.0.0/16 for the test's network");
}

before(async () => {
  f = await startFleetHost("gnv");
  SUBNET = freeTestSubnet();
  PREFIX = SUBNET.replace(/\.0\/24$/, ".");
  GATEWAY = `${PREFIX}1`;
  viewer = (await userSession(f.cp, f.ownerCookie, "viewer")).cookie;
  operator = (await userSession(f.cp, f.ownerCookie, "operator")).cookie;
  hostName = (await api(f.cp, viewer).get(`/api/v1/hosts/${f.hostId}`)).body.name;
});

after(async () => {
  await f?.destroy();
});

/** `docker exec` through the agent's own Docker API (the test reads what the container sees). */
function dockerExec(container: string, cmd: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("/usr/local/bin/docker", ["exec", container, ...cmd], { env: { ...process.env, DOCKER_HOST: `unix://${join(f.agent.root, "docker.sock")}` } }, (e, out, err) =>
      e ? reject(new Error(`${e.message}\n${err}`)) : resolve(String(out)),
    ),
  );
}

async function activityTexts(): Promise<string[]> {
  const r = await api(f.cp, f.ownerCookie).get(`/api/v1/activity?pageSize=100`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items.map((i: { text: string }) => i.text);
}

test("networks: create with a subnet, connect a running container, disconnect, remove; viewers only read", async () => {
  const c = api(f.cp, operator);
  const base = `/api/v1/hosts/${f.hostId}/networks`;
  const created = await c.post(base, { name: "nv-net", subnet: SUBNET, labels: { team: "api" } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.name, "nv-net");
  assert.equal(created.body.subnet, SUBNET);
  assert.equal(created.body.gateway, GATEWAY);
  assert.deepEqual(created.body.labels, { team: "api" });
  assert.equal((await c.post(base, { name: "nv-net" })).status, 409, "a second network with the same name");

  const list = await api(f.cp, viewer).get(base);
  assert.equal(list.status, 200, JSON.stringify(list.body));
  const names = list.body.map((n: { name: string }) => n.name);
  for (const n of ["bridge", "host", "none", "nv-net"]) assert.ok(names.includes(n), `${n} in ${names}`);
  assert.equal(list.body.find((n: { name: string }) => n.name === "bridge").builtin, true);
  assert.equal(list.body.find((n: { name: string }) => n.name === "nv-net").builtin, false);
  assert.equal((await api(f.cp, viewer).post(base, { name: "viewer-net" })).status, 403);

  const run = await c.post(`/api/v1/hosts/${f.hostId}/containers`, { image: f.image, name: "nv-app", cmd: ["sleep", "600"] });
  assert.equal(run.status, 201, JSON.stringify(run.body));
  const connected = await c.post(`${base}/nv-net/connect`, { container: "nv-app", aliases: ["app"] });
  assert.equal(connected.status, 200, JSON.stringify(connected.body));
  assert.deepEqual({ network: connected.body.network, container: connected.body.container }, { network: "nv-net", container: "nv-app" });
  const withApp = (await c.get(base)).body.find((n: { name: string }) => n.name === "nv-net");
  const member = withApp.containers.find((x: { name: string }) => x.name === "nv-app");
  assert.ok(member, JSON.stringify(withApp));
  assert.ok(member.ipv4.startsWith(PREFIX), member.ipv4);
  // The container itself has the address on a new interface.
  assert.match(await dockerExec("nv-app", ["ip", "-4", "addr"]), new RegExp(`inet ${member.ipv4.replace(/\./g, "\\.")}/24`));

  const inUse = await c.delete(`${base}/nv-net`);
  assert.equal(inUse.status, 409, JSON.stringify(inUse.body));
  assert.match(inUse.body.error.message, /active endpoints/);
  const bridge = await c.delete(`${base}/bridge`);
  assert.ok(bridge.status >= 400 && bridge.status < 500, JSON.stringify(bridge.body));
  assert.match(bridge.body.error.message, /pre-defined network/);

  assert.equal((await c.post(`${base}/nv-net/disconnect`, { container: "nv-app" })).status, 200);
  assert.equal((await dockerExec("nv-app", ["ip", "-4", "addr"])).includes(`inet ${PREFIX}`), false);
  assert.deepEqual((await c.get(base)).body.find((n: { name: string }) => n.name === "nv-net").containers, []);
  const removed = await c.delete(`${base}/nv-net`);
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  assert.equal((await c.get(base)).body.some((n: { name: string }) => n.name === "nv-net"), false);
  assert.equal((await c.delete(`${base}/nv-net`)).status, 404);

  const texts = await activityTexts();
  const who = /^operator-/;
  const mine = texts.filter((t) => who.test(t));
  for (const expected of [
    `created network nv-net (${SUBNET}) on host ${hostName}`,
    `connected container nv-app to network nv-net on host ${hostName}`,
    `disconnected container nv-app from network nv-net on host ${hostName}`,
    `removed network nv-net on host ${hostName}`,
    `tried to remove network nv-net on host ${hostName} — failed (conflict)`,
    `ran container nv-app from ${f.image} on host ${hostName}`,
  ]) {
    assert.ok(mine.some((t) => t.endsWith(` ${expected}`)), `"${expected}" in ${JSON.stringify(mine, null, 1)}`);
  }
});

test("volumes: a container's data gives the volume its size and user; removal refused while in use; prune", async () => {
  const c = api(f.cp, operator);
  const base = `/api/v1/hosts/${f.hostId}/volumes`;
  const created = await c.post(base, { name: "nv-data", labels: { keep: "yes" } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(
    { name: created.body.name, driver: created.body.driver, labels: created.body.labels, sizeBytes: created.body.sizeBytes, containers: created.body.containers },
    { name: "nv-data", driver: "local", labels: { keep: "yes" }, sizeBytes: 0, containers: [] },
  );
  const run = await c.post(`/api/v1/hosts/${f.hostId}/containers`, {
    image: f.image,
    name: "nv-writer",
    cmd: ["sh", "-c", "head -c 5000 /dev/zero > /data/blob && sleep 600"],
    network: "none",
    volumes: [{ source: "nv-data", target: "/data" }],
  });
  assert.equal(run.status, 201, JSON.stringify(run.body));
  const listed = await waitFor("the volume's size", async () => {
    const r = await api(f.cp, viewer).get(base);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const v = r.body.find((x: { name: string }) => x.name === "nv-data");
    return v?.sizeBytes === 5000 ? v : undefined;
  });
  assert.deepEqual(listed.containers.map((x: { name: string }) => x.name), ["nv-writer"]);
  assert.equal((await api(f.cp, viewer).delete(`${base}?name=nv-data`)).status, 403);

  const inUse = await c.delete(`${base}?name=nv-data`);
  assert.equal(inUse.status, 409, JSON.stringify(inUse.body));
  assert.match(inUse.body.error.message, /in use/);

  // Prune: anonymous volumes only by default; named ones with all; never one in use.
  await c.post(base, { name: "nv-spare" });
  const first = await c.post(`${base}/prune`, {});
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.deleted.includes("nv-spare"), false, "a named volume is kept without all");
  const all = await c.post(`${base}/prune`, { all: true });
  assert.equal(all.status, 200, JSON.stringify(all.body));
  assert.ok(all.body.deleted.includes("nv-spare"), JSON.stringify(all.body));
  assert.equal(all.body.deleted.includes("nv-data"), false, "never one in use");
  assert.equal(typeof all.body.spaceReclaimedBytes, "number");

  assert.equal((await c.delete(`/api/v1/hosts/${f.hostId}/containers/nv-writer?force=true`)).status, 200);
  const removed = await c.delete(`${base}?name=nv-data`);
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  assert.equal((await c.get(base)).body.some((x: { name: string }) => x.name === "nv-data"), false);

  const texts = (await activityTexts()).filter((t) => t.startsWith("operator-"));
  for (const expected of [
    `created volume nv-data on host ${hostName}`,
    `tried to remove volume nv-data on host ${hostName} — failed (conflict)`,
    `removed volume nv-data on host ${hostName}`,
    `pruned unused volumes on host ${hostName} (1 volume: nv-spare,`,
    `removed container nv-writer on host ${hostName}`,
  ]) {
    assert.ok(texts.some((t) => t.includes(` ${expected}`)), `"${expected}" in ${JSON.stringify(texts, null, 1)}`);
  }
});

test("bad input is a 4xx naming the field, never a 500", async () => {
  const c = api(f.cp, operator);
  const nets = `/api/v1/hosts/${f.hostId}/networks`;
  const vols = `/api/v1/hosts/${f.hostId}/volumes`;
  const cases: Array<[string, string, unknown, number, RegExp]> = [
    ["POST", nets, { name: "x", subnet: "10.1.2.300/24" }, 422, /subnet: a subnet in IPv4 CIDR notation/],
    ["POST", nets, { name: "x", subnet: "banana" }, 422, /subnet/],
    ["POST", nets, { name: "x", gateway: "10.1.2.1" }, 422, /gateway: a gateway needs a subnet/],
    ["POST", nets, { name: "-bad" }, 422, /name: a network name starts with a letter or digit/],
    ["POST", nets, { name: "x", mtu: 1500 }, 422, /mtu|Unrecognized/i],
    ["POST", nets, { name: "x", subnet: "10.1.7.1/24" }, 400, /host bits set/],
    ["POST", `${nets}/no-such-net/connect`, {}, 422, /container/],
    ["POST", `${nets}/no-such-net/connect`, { container: "nope" }, 404, /nope|not found/i],
    ["POST", vols, { name: "a" }, 422, /name: a volume name has at least 2 characters/],
    ["POST", vols, { name: "ok-name", driver: "nfs" }, 422, /driver/],
    ["POST", vols, { name: "ok-name", labels: { "": "x" } }, 422, /labels/],
    ["DELETE", vols, undefined, 422, /name/],
    ["DELETE", `${vols}?name=../etc`, undefined, 422, /name/],
    ["DELETE", `${vols}?name=no-such-volume`, undefined, 404, /no such volume/],
    ["POST", `${vols}/prune`, { all: "yes" }, 422, /all/],
    ["GET", `/api/v1/hosts/424242/volumes`, undefined, 404, /host/],
  ];
  for (const [method, path, body, status, message] of cases) {
    const r = await c.request(method, path, body);
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
    assert.match(r.body.error.message, message, `${method} ${path}`);
  }
  // A refused request's row keeps its path as sent (a NUL too): the record still reads, names looked up only for ids.
  const owner = api(f.cp, f.ownerCookie);
  assert.equal((await owner.delete("/api/v1/tokens/a%00b")).status, 400);
  assert.equal((await owner.delete(`/api/v1/hosts/${f.hostId}/networks/a%00b`)).status, 400);
  const activity = await owner.get("/api/v1/activity?pageSize=20");
  assert.equal(activity.status, 200, JSON.stringify(activity.body));
});

test("join tokens: a named token names its host; outstanding ones are listed; a revoked one is refused", async () => {
  const c = api(f.cp, f.ownerCookie);
  const named = await c.post("/api/v1/join-tokens", { hostName: "edge 7", ttlMinutes: 30 });
  assert.equal(named.status, 201, JSON.stringify(named.body));
  assert.equal(named.body.hostName, "edge 7");
  assert.equal(named.body.command, `gantry-agent --server ${f.cp.url} --token ${named.body.token}`, "the command's shape is unchanged");
  const plain = await c.post("/api/v1/join-tokens");
  assert.equal(plain.status, 201);
  assert.equal(plain.body.hostName, null);
  assert.equal((await c.post("/api/v1/join-tokens", { hostName: "!!" })).status, 422);
  assert.match((await c.post("/api/v1/join-tokens", { hostName: "!!" })).body.error.message, /hostName/);

  const outstanding = await c.get("/api/v1/join-tokens");
  assert.equal(outstanding.status, 200, JSON.stringify(outstanding.body));
  const ids = outstanding.body.joinTokens.map((t: { id: string }) => t.id);
  assert.ok(ids.includes(named.body.id) && ids.includes(plain.body.id), JSON.stringify(outstanding.body));
  const row = outstanding.body.joinTokens.find((t: { id: string }) => t.id === named.body.id);
  assert.equal(row.state, "outstanding");
  assert.equal(row.hostName, "edge 7");
  assert.equal(row.createdBy.email, f.owner.email);
  assert.equal(JSON.stringify(outstanding.body).includes(named.body.token), false, "the token itself is never listed");
  assert.equal((await api(f.cp, operator).get("/api/v1/join-tokens")).status, 403);

  // Joining with the named token (the agents' join endpoint, as gantry-agent calls it) makes a host of that name.
  const facts = {
    hostname: "machine-hostname",
    os: { id: "debian", name: "Debian", version: "12", prettyName: "Debian 12" },
    kernel: "6.1",
    arch: "x86_64",
    cpus: 2,
    memoryBytes: 1 << 30,
    disk: { path: "/", totalBytes: 1 << 30, freeBytes: 1 << 29 },
    cgroupVersion: "v2",
    engineVersion: null,
    agentVersion: "0.1.0",
  };
  const joined = await api(f.cp).post("/api/v1/agents/join", { token: named.body.token, facts });
  assert.equal(joined.status, 201, JSON.stringify(joined.body));
  assert.equal(joined.body.name, "edge 7");
  assert.equal((await c.get(`/api/v1/hosts/${joined.body.hostId}`)).body.name, "edge 7");
  const all = (await c.get("/api/v1/join-tokens?status=all")).body.joinTokens;
  assert.equal(all.find((t: { id: string }) => t.id === named.body.id).state, "used");
  assert.equal(all.find((t: { id: string }) => t.id === named.body.id).hostId, joined.body.hostId);
  assert.equal((await c.get("/api/v1/join-tokens")).body.joinTokens.some((t: { id: string }) => t.id === named.body.id), false, "used: no longer outstanding");
  const usedRevoke = await c.delete(`/api/v1/join-tokens/${named.body.id}`);
  assert.equal(usedRevoke.status, 409);
  assert.match(usedRevoke.body.error.message, /already used by host \d+: revoke the host/);

  const revoked = await c.delete(`/api/v1/join-tokens/${plain.body.id}`);
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
  assert.equal(revoked.body.joinToken.state, "revoked");
  assert.equal((await c.delete(`/api/v1/join-tokens/${plain.body.id}`)).status, 200, "revoking twice is harmless");
  const refused = await api(f.cp).post("/api/v1/agents/join", { token: plain.body.token, facts });
  assert.equal(refused.status, 410, JSON.stringify(refused.body));
  assert.match(refused.body.error.message, /join token was revoked at/);
  assert.equal((await c.delete("/api/v1/join-tokens/nosuchtoken")).status, 404);
  assert.equal((await c.delete("/api/v1/join-tokens/bad!id")).status, 400);

  const texts = (await activityTexts()).filter((t) => t.startsWith(f.owner.email));
  assert.ok(texts.includes(`${f.owner.email} created a join token for host edge 7 (valid 30 min)`), JSON.stringify(texts, null, 1));
  assert.ok(texts.some((t) => t.startsWith(`${f.owner.email} revoked a join token (created `)), JSON.stringify(texts, null, 1));
  await c.post(`/api/v1/hosts/${joined.body.hostId}/revoke`);
});
