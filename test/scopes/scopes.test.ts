// Teams and scoped access through the REST API, against a control plane with two real agents (hosts A and B), two host
// groups (one host each) and two teams: each team's members act only in their team's group — a host outside it is a
// 404, lists show only what is inside — a narrowed API token does only what it was narrowed to, team admins manage
// their own team's members only, a custom role of one right gives that right, and a changed binding takes effect on
// the next request.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { api, createUser, signIn, strongPassword, uniqueEmail, type TestUser } from "../support/session";
import { waitFor } from "../support/agent";
import { joinFleetAgent, startFleetHost, type ExtraAgent, type FleetHost } from "../support/fleet-host";
import { io as connect, type Socket } from "socket.io-client";

let f: FleetHost;
let b: ExtraAgent;
let A: number;
let B: number;
const groups: { a: string; b: string } = { a: "", b: "" };
const teams: { payments: string; data: string } = { payments: "", data: "" };

/** A user with no fleet-wide role (`none`), signed in. */
async function noneUser(label: string): Promise<{ user: TestUser; cookie: string }> {
  const user = await createUser(f.cp, f.ownerCookie, { role: "none", email: uniqueEmail(label), password: strongPassword(), name: label });
  return { user, cookie: await signIn(f.cp, user.email, user.password) };
}

const owner = () => api(f.cp, f.ownerCookie);
const ok = <T>(r: { status: number; body: T }, status = 200): T => {
  assert.equal(r.status, status, JSON.stringify(r.body));
  return r.body;
};

/** The non-follow NDJSON logs of a container, as text lines. */
async function logLines(path: string, headers: Record<string, string>): Promise<{ status: number; lines: string[] }> {
  const res = await fetch(`${f.cp.url}${path}?tail=20`, { headers });
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, lines: [] };
  return { status: 200, lines: text.split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((l) => typeof l.line === "string").map((l) => l.line) };
}

before(async () => {
  f = await startFleetHost("sca");
  b = await joinFleetAgent(f, "scb", { name: "scope-host-b" });
  A = f.hostId;
  B = b.hostId;
  for (const [host, name] of [[A, "scope-a"], [B, "scope-b"]] as const) {
    ok(await owner().post(`/api/v1/hosts/${host}/containers`, { image: f.image, name, cmd: ["sh", "-c", `echo hello-from-${name}; sleep 300`], network: "none" }), 201);
  }
  await waitFor("both containers in the inventory", async () => (await owner().get("/api/v1/containers?name=scope-")).body?.total === 2, 30_000);
  groups.a = ok(await owner().post("/api/v1/host-groups", { name: "group-a", hostIds: [A] }), 201).id;
  groups.b = ok(await owner().post("/api/v1/host-groups", { name: "group-b" }), 201).id;
  ok(await owner().post(`/api/v1/host-groups/${groups.b}/hosts`, { hostIds: [B] }));
  teams.payments = ok(await owner().post("/api/v1/teams", { name: "payments" }), 201).id;
  teams.data = ok(await owner().post("/api/v1/teams", { name: "data" }), 201).id;
  ok(await owner().post("/api/v1/role-bindings", { teamId: teams.payments, role: "operator", hostGroupId: groups.a }), 201);
  ok(await owner().post("/api/v1/role-bindings", { teamId: teams.data, role: "operator", hostGroupId: groups.b }), 201);
});

after(async () => {
  await b?.destroy();
  await f?.destroy();
});

test("a team member with operator on group A acts on A's host, gets 404 for B's, and sees only A in lists", async () => {
  const alice = await noneUser("alice");
  ok(await owner().post(`/api/v1/teams/${teams.payments}/members`, { userId: alice.user.id }));
  const c = api(f.cp, alice.cookie);

  // What she may do, as the server says: nothing fleet-wide but her own account; operator's actions on group A.
  const me = ok(await c.get("/api/v1/me"));
  assert.ok(!me.permissions.includes("containers.read") && me.permissions.includes("me.read"), JSON.stringify(me.permissions));
  assert.ok(me.somewhere.includes("containers.manage") && me.somewhere.includes("containers.logs"), JSON.stringify(me.somewhere));
  assert.ok(!me.somewhere.includes("users.manage"));
  assert.deepEqual(me.grants.map((g: { scope: { kind: string; hostIds?: number[] } }) => [g.scope.kind, g.scope.hostIds]), [["hostGroup", [A]]]);

  const hosts = ok(await c.get("/api/v1/hosts"));
  assert.deepEqual(hosts.items.map((h: { id: number }) => h.id), [A]);
  assert.equal(hosts.counts.all, 1);
  ok(await c.get(`/api/v1/hosts/${A}`));
  assert.equal((await c.get(`/api/v1/hosts/${B}`)).status, 404);
  assert.equal((await c.get(`/api/v1/hosts/${B}/containers`)).status, 404);
  assert.equal((await c.get(`/api/v1/hosts/${B}/containers/scope-b/logs`)).status, 404);
  assert.equal((await c.post(`/api/v1/hosts/${B}/containers`, { image: f.image, name: "alice-b", cmd: ["true"], network: "none" })).status, 404);

  // Deploy and act on A.
  ok(await c.post(`/api/v1/hosts/${A}/containers`, { image: f.image, name: "alice-a", cmd: ["sleep", "30"], network: "none" }), 201);
  ok(await c.post(`/api/v1/hosts/${A}/containers/alice-a/actions`, { action: "stop", timeoutSeconds: 1 }));
  ok(await c.delete(`/api/v1/hosts/${A}/containers/alice-a?force=true`));
  const logs = await logLines(`/api/v1/hosts/${A}/containers/scope-a/logs`, { cookie: alice.cookie });
  assert.deepEqual(logs.lines, ["hello-from-scope-a"]);

  // Lists: only A's containers and hosts, in the fleet list and the search.
  const containers = ok(await c.get("/api/v1/containers?name=scope-"));
  assert.deepEqual(containers.items.map((x: { hostId: number; name: string }) => [x.hostId, x.name]), [[A, "scope-a"]]);
  const found = ok(await c.get("/api/v1/search?q=scope"));
  assert.deepEqual(found.containers.map((x: { name: string }) => x.name), ["scope-a"]);
  assert.ok(found.hosts.every((h: { id: number }) => h.id === A));
  // The owner, fleet-wide, sees both.
  assert.equal(ok(await owner().get("/api/v1/containers?name=scope-")).total, 2);

  // Nothing fleet-wide: no users, no joining hosts.
  assert.equal((await c.get("/api/v1/users")).status, 403);
  assert.equal((await c.post("/api/v1/join-tokens", {})).status, 403);
  // Her own tokens are never wider than she is.
  assert.equal((await c.post("/api/v1/tokens", { name: "wide", hostGroupIds: [groups.b] })).status, 403);
  assert.equal((await c.post("/api/v1/tokens", { name: "wide", rights: ["hosts.manage"] })).status, 403);
});

test("a token narrowed to logs on group A reads A's logs and nothing else", async () => {
  const created = ok(await owner().post("/api/v1/tokens", { name: "logs-a", rights: ["logs"], hostGroupIds: [groups.a] }), 201);
  assert.deepEqual([created.apiToken.rights, created.apiToken.hostGroupIds], [["logs"], [groups.a]]);
  const h = { authorization: `Bearer ${created.token}` };
  const c = api(f.cp);

  const logs = await logLines(`/api/v1/hosts/${A}/containers/scope-a/logs`, h);
  assert.deepEqual(logs, { status: 200, lines: ["hello-from-scope-a"] });
  const start = await c.post(`/api/v1/hosts/${A}/containers/scope-a/actions`, { action: "start" }, h);
  assert.equal(start.status, 403, JSON.stringify(start.body));
  assert.match(start.body.error?.message ?? JSON.stringify(start.body), /containers\.manage/);
  assert.equal((await logLines(`/api/v1/hosts/${B}/containers/scope-b/logs`, h)).status, 404);
  assert.equal((await c.get(`/api/v1/hosts/${A}/containers`, h)).status, 403);
  assert.equal((await c.get("/api/v1/hosts", h)).status, 403);
  assert.equal((await c.get("/api/v1/containers", h)).status, 403);

  // A bad narrowing is a 422 naming the field.
  const bad = await owner().post("/api/v1/tokens", { name: "bad", rights: ["fly"] });
  assert.equal(bad.status, 422);
  assert.match(JSON.stringify(bad.body), /rights/);
});

test("a team admin manages their own team's members only", async () => {
  const carol = await noneUser("carol");
  const dave = await noneUser("dave");
  ok(await owner().post(`/api/v1/teams/${teams.payments}/members`, { userId: carol.user.id, admin: true }));
  const c = api(f.cp, carol.cookie);

  const added = ok(await c.post(`/api/v1/teams/${teams.payments}/members`, { email: dave.user.email }));
  assert.ok(added.members.some((m: { userId: string; admin: boolean }) => m.userId === dave.user.id && !m.admin));
  // Dave now acts on A as the team does.
  ok(await api(f.cp, dave.cookie).get(`/api/v1/hosts/${A}`));
  // Making admins, another team, the team itself: not hers.
  assert.equal((await c.post(`/api/v1/teams/${teams.payments}/members`, { userId: dave.user.id, admin: true })).status, 403);
  assert.equal((await c.post(`/api/v1/teams/${teams.data}/members`, { userId: dave.user.id })).status, 404);
  assert.equal((await c.get(`/api/v1/teams/${teams.data}`)).status, 404);
  assert.equal((await c.delete(`/api/v1/teams/${teams.payments}`)).status, 403);
  assert.deepEqual(ok(await c.get("/api/v1/teams")).teams.map((t: { name: string }) => t.name), ["payments"]);
  // A plain member manages nobody.
  assert.equal((await api(f.cp, dave.cookie).delete(`/api/v1/teams/${teams.payments}/members/${carol.user.id}`)).status, 403);
  // A missing field is a 4xx naming it.
  const bad = await c.post(`/api/v1/teams/${teams.payments}/members`, {});
  assert.equal(bad.status, 422);
  assert.match(JSON.stringify(bad.body), /userId/);

  ok(await c.delete(`/api/v1/teams/${teams.payments}/members/${dave.user.id}`), 204);
  assert.equal((await api(f.cp, dave.cookie).get(`/api/v1/hosts/${A}`)).status, 403);
  // Each change left an activity record.
  const activity = ok(await owner().get("/api/v1/activity?pageSize=100"));
  const actions = JSON.stringify(activity);
  assert.match(actions, /teams\.members/);
});

test("a custom role with only logs gives logs on its group, nothing more", async () => {
  const role = ok(await owner().post("/api/v1/roles", { name: "log-reader", rights: ["logs"] }), 201);
  const erin = await noneUser("erin");
  ok(await owner().post("/api/v1/role-bindings", { userId: erin.user.id, customRoleId: role.id, hostGroupId: groups.b }), 201);
  const c = api(f.cp, erin.cookie);

  assert.deepEqual(await logLines(`/api/v1/hosts/${B}/containers/scope-b/logs`, { cookie: erin.cookie }), { status: 200, lines: ["hello-from-scope-b"] });
  assert.equal((await c.post(`/api/v1/hosts/${B}/containers/scope-b/actions`, { action: "start" })).status, 403);
  assert.equal((await c.get(`/api/v1/hosts/${B}/containers`)).status, 403);
  assert.equal((await logLines(`/api/v1/hosts/${A}/containers/scope-a/logs`, { cookie: erin.cookie })).status, 404);
  assert.equal((await c.get("/api/v1/hosts")).status, 403);

  const roles = ok(await owner().get("/api/v1/roles")).roles;
  assert.deepEqual(roles.find((r: { name: string }) => r.name === "operator").rights.includes("exec"), true);
  assert.deepEqual(roles.find((r: { name: string }) => r.name === "log-reader").rights, ["logs"]);
  const bad = await owner().post("/api/v1/roles", { name: "x", rights: ["logs", "teleport"] });
  assert.equal(bad.status, 422);
  assert.match(JSON.stringify(bad.body), /rights/);
});

test("a changed binding takes effect on the next request", async () => {
  const frank = await noneUser("frank");
  const c = api(f.cp, frank.cookie);
  assert.equal((await c.get(`/api/v1/hosts/${B}`)).status, 403);
  const binding = ok(await owner().post("/api/v1/role-bindings", { userId: frank.user.id, role: "viewer", hostGroupId: groups.b }), 201);
  ok(await c.get(`/api/v1/hosts/${B}`));
  assert.equal((await c.get(`/api/v1/hosts/${A}`)).status, 404);
  assert.equal((await c.get(`/api/v1/hosts/${B}/containers/scope-b/logs`)).status, 403);

  // The group gains host A: frank sees it at once; the binding goes: he sees nothing.
  ok(await owner().post(`/api/v1/host-groups/${groups.b}/hosts`, { hostIds: [A] }));
  ok(await c.get(`/api/v1/hosts/${A}`));
  ok(await owner().delete(`/api/v1/host-groups/${groups.b}/hosts/${A}`), 204);
  assert.equal((await c.get(`/api/v1/hosts/${A}`)).status, 404);
  ok(await owner().delete(`/api/v1/role-bindings/${binding.id}`), 204);
  assert.equal((await c.get(`/api/v1/hosts/${B}`)).status, 403);

  // A binding names what is missing.
  const bad = await owner().post("/api/v1/role-bindings", { userId: frank.user.id, role: "operator", hostGroupId: "no-such-group" });
  assert.equal(bad.status, 422);
  assert.match(JSON.stringify(bad.body), /hostGroupId/);
  const both = await owner().post("/api/v1/role-bindings", { userId: frank.user.id, role: "operator", hostGroupId: groups.a, namespace: "pay" });
  assert.equal(both.status, 422);
  assert.match(JSON.stringify(both.body), /namespace/);
});

test("live events: a member of group A's team hears A's containers and hosts, never B's, and stops hearing A when the binding goes", async () => {
  const gina = await noneUser("gina");
  const binding = ok(await owner().post("/api/v1/role-bindings", { userId: gina.user.id, role: "viewer", hostGroupId: groups.a }), 201);
  const socket: Socket = connect(`${f.cp.url}/browser`, { path: "/socket.io", transports: ["websocket"], reconnection: false, extraHeaders: { cookie: gina.cookie, origin: f.cp.url } });
  try {
    await new Promise<void>((resolve, reject) => (socket.once("connect", () => resolve()), socket.once("connect_error", reject)));
    const heard: number[] = [];
    socket.on("containers", (e: { hostId: number }) => heard.push(e.hostId));
    socket.on("host", (e: { host: { id: number } }) => heard.push(-e.host.id));
    assert.deepEqual(await socket.timeout(5000).emitWithAck("subscribe", "containers"), { ok: true });
    assert.deepEqual(await socket.timeout(5000).emitWithAck("subscribe", "hosts"), { ok: true });
    assert.deepEqual(await socket.timeout(5000).emitWithAck("subscribe", "activity"), { ok: false, error: "forbidden" });

    /** A container run and removed on each host by the owner: both hosts' inventories change, both publish. */
    const churn = async (label: string) => {
      for (const [host, name] of [[B, `${label}-b`], [A, `${label}-a`]] as const) {
        ok(await owner().post(`/api/v1/hosts/${host}/containers`, { image: f.image, name, cmd: ["true"], network: "none" }), 201);
        ok(await owner().delete(`/api/v1/hosts/${host}/containers/${name}?force=true`));
      }
    };
    await churn("gina1");
    await waitFor("an event about host A's containers", async () => heard.includes(A), 20_000);
    // Host B changed first and as often: none of its events reached her.
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(!heard.includes(B) && !heard.includes(-B), `events heard (host ids; negative: host events): ${heard.join(", ")}`);

    // The binding goes: her socket leaves A's rooms; host A's next changes do not reach her.
    ok(await owner().delete(`/api/v1/role-bindings/${binding.id}`), 204);
    await new Promise((r) => setTimeout(r, 1000));
    heard.length = 0;
    await churn("gina2");
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(heard, [], "nothing heard once the binding was removed");
  } finally {
    socket.disconnect();
  }
  // The same changes do reach someone who sees the whole fleet: the events were sent.
  const ownerSocket: Socket = connect(`${f.cp.url}/browser`, { path: "/socket.io", transports: ["websocket"], reconnection: false, extraHeaders: { cookie: f.ownerCookie, origin: f.cp.url } });
  try {
    await new Promise<void>((resolve, reject) => (ownerSocket.once("connect", () => resolve()), ownerSocket.once("connect_error", reject)));
    const heard = new Set<number>();
    ownerSocket.on("containers", (e: { hostId: number }) => heard.add(e.hostId));
    assert.deepEqual(await ownerSocket.timeout(5000).emitWithAck("subscribe", "containers"), { ok: true });
    for (const [host, name] of [[A, "own-a"], [B, "own-b"]] as const) {
      ok(await owner().post(`/api/v1/hosts/${host}/containers`, { image: f.image, name, cmd: ["true"], network: "none" }), 201);
      ok(await owner().delete(`/api/v1/hosts/${host}/containers/${name}?force=true`));
    }
    await waitFor("events about both hosts for the owner", async () => heard.has(A) && heard.has(B), 20_000);
  } finally {
    ownerSocket.disconnect();
  }
});

test("terminals follow scopes: a team member opens one in A's container, B's host does not exist for them, and leaving the team closes it", async () => {
  const hana = await noneUser("hana");
  ok(await owner().post(`/api/v1/teams/${teams.payments}/members`, { userId: hana.user.id }));
  const socket: Socket = connect(`${f.cp.url}/browser`, { path: "/socket.io", transports: ["websocket"], reconnection: false, extraHeaders: { cookie: hana.cookie, origin: f.cp.url } });
  try {
    await new Promise<void>((resolve, reject) => (socket.once("connect", () => resolve()), socket.once("connect_error", reject)));
    type Reply = { ok: boolean; execId?: string; error?: string; code?: string };
    const started = (await socket.timeout(20_000).emitWithAck("exec:start", { hostId: A, container: "scope-a", cmd: ["sh", "-c", "cat"] })) as Reply;
    assert.equal(started.ok, true, JSON.stringify(started));
    const ended = new Promise<{ error?: string }>((resolve) => socket.on("exec:end", (e: { execId: string; error?: string }) => e.execId === started.execId && resolve(e)));
    const other = (await socket.timeout(20_000).emitWithAck("exec:start", { hostId: B, container: "scope-b", cmd: ["sh"] })) as Reply;
    assert.deepEqual([other.ok, other.code], [false, "not_found"], JSON.stringify(other));

    ok(await owner().delete(`/api/v1/teams/${teams.payments}/members/${hana.user.id}`), 204);
    const end = await ended;
    assert.match(end.error ?? "", /the terminal was closed: your role \(none\) no longer allows containers\.exec on host/);
    const again = (await socket.timeout(20_000).emitWithAck("exec:start", { hostId: A, container: "scope-a", cmd: ["sh"] })) as Reply;
    assert.equal(again.ok, false);
  } finally {
    socket.disconnect();
  }
});

test("a role bound on a namespace writes the Kubernetes API's objects there and is Forbidden elsewhere", async () => {
  const ownerToken = ok(await owner().post("/api/v1/tokens", { name: "ns-owner" }), 201).token;
  const kube = (token: string) => (method: string, path: string, body?: unknown) =>
    api(f.cp).request(method, `/k8s/api/v1${path}`, body, { authorization: `Bearer ${token}` });
  for (const ns of ["pay", "ledger"]) ok(await kube(ownerToken)("POST", "/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }), 201);
  const gina = await noneUser("gina");
  ok(await owner().post("/api/v1/role-bindings", { userId: gina.user.id, role: "operator", namespace: "pay" }), 201);
  const token = ok(await api(f.cp, gina.cookie).post("/api/v1/tokens", { name: "gina" }), 201).token;
  const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { k: "v" } });

  ok(await kube(token)("POST", "/namespaces/pay/configmaps", cm("mine")), 201);
  ok(await kube(token)("GET", "/namespaces/pay/configmaps/mine"));
  const elsewhere = await kube(token)("POST", "/namespaces/ledger/configmaps", cm("theirs"));
  assert.equal(elsewhere.status, 403);
  assert.equal(elsewhere.body.reason, "Forbidden");
  assert.match(elsewhere.body.message, /namespace "ledger".*k8s\.write/);
  assert.equal((await kube(token)("GET", "/namespaces/ledger/configmaps")).status, 403);
  // kubectl auth can-i answers the same, per namespace.
  const canI = async (namespace: string) =>
    ok(
      await api(f.cp).post(
        "/k8s/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { namespace, verb: "create", group: "", resource: "configmaps" } } },
        { authorization: `Bearer ${token}` },
      ),
      201,
    ).status.allowed;
  assert.deepEqual([await canI("pay"), await canI("ledger")], [true, false]);

  // Across all namespaces she reads hers only: a list, the Namespaces and a watch leave the others out, as if absent.
  ok(await kube(ownerToken)("POST", "/namespaces/ledger/configmaps", cm("theirs")), 201);
  type Item = { metadata: { name: string; namespace?: string } };
  const listed = ok(await kube(token)("GET", "/configmaps")).items as Item[];
  assert.ok(listed.some((i) => i.metadata.name === "mine"), JSON.stringify(listed));
  assert.deepEqual([...new Set(listed.map((i) => i.metadata.namespace))], ["pay"]);
  assert.deepEqual((ok(await kube(token)("GET", "/namespaces")).items as Item[]).map((i) => i.metadata.name), ["pay"]);
  assert.ok((ok(await kube(ownerToken)("GET", "/configmaps")).items as Item[]).some((i) => i.metadata.name === "theirs"), "the owner's list has both");
  const watched = await fetch(`${f.cp.url}/k8s/api/v1/configmaps?watch=true&timeoutSeconds=2`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(watched.status, 200);
  const events = (await watched.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; object: Item });
  assert.ok(events.some((e) => e.type === "ADDED" && e.object.metadata.name === "mine"), JSON.stringify(events));
  assert.deepEqual([...new Set(events.map((e) => e.object.metadata.namespace))], ["pay"]);

  // No host of the fleet is hers: none listed, each a 404.
  assert.equal((await api(f.cp, gina.cookie).get(`/api/v1/hosts/${A}`)).status, 404);
  assert.deepEqual(ok(await api(f.cp, gina.cookie).get("/api/v1/hosts")).items, []);
});

test("stacks and Services follow namespace bindings: one deploys and lists in one's namespace; another namespace is a 404", async () => {
  const ownerToken = ok(await owner().post("/api/v1/tokens", { name: "stk-owner" }), 201).token;
  for (const ns of ["shop", "vault"]) {
    ok(await api(f.cp).request("POST", "/k8s/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }, { authorization: `Bearer ${ownerToken}` }), 201);
  }
  const compose = (svc: string) => `services:\n  ${svc}:\n    image: ${f.image}\n    command: ["sleep", "300"]\n    ports: ["8080:80"]\n`;
  ok(await owner().post("/api/v1/stacks", { name: "theirs", namespace: "vault", compose: compose("safe") }));
  const hana = await noneUser("hana");
  ok(await owner().post("/api/v1/role-bindings", { userId: hana.user.id, role: "operator", namespace: "shop" }), 201);
  const as = api(f.cp, hana.cookie);

  ok(await as.post("/api/v1/stacks/preview", { name: "mine", namespace: "shop", compose: compose("web") }));
  ok(await as.post("/api/v1/stacks", { name: "mine", namespace: "shop", compose: compose("web") }));
  for (const [path, body] of [["/api/v1/stacks", { name: "x", namespace: "vault", compose: compose("web") }], ["/api/v1/stacks/preview", { name: "x", namespace: "vault", compose: compose("web") }]] as const) {
    const r = await as.post(path, body);
    assert.equal(r.status, 404, `${path}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.error.message, /namespace vault not found/);
  }
  type Row = { namespace: string; name: string };
  assert.deepEqual((ok(await as.get("/api/v1/stacks")).items as Row[]).map((s) => `${s.namespace}/${s.name}`), ["shop/mine"]);
  assert.ok((ok(await owner().get("/api/v1/stacks")).items as Row[]).some((s) => s.namespace === "vault"), "the owner sees both");
  const services = ok(await as.get("/api/v1/services")).items as Row[];
  assert.ok(services.length > 0 && services.every((s) => s.namespace === "shop"), JSON.stringify(services));
  assert.equal((await as.get("/api/v1/services?namespace=vault")).status, 404);
  assert.equal((await as.get("/api/v1/stacks?namespace=vault")).status, 404);
  assert.equal((await as.get("/api/v1/services/vault/safe")).status, 404);
  ok(await owner().delete("/api/v1/stacks/vault/theirs"));
  ok(await as.delete("/api/v1/stacks/shop/mine"));
});
