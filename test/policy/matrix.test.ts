// Role × action matrix: every /api/v1 route and every browser socket event, called by each role and by nobody, must
// answer exactly as lib/auth/policy.ts says. The table below must name every route handler that exists — a new
// route without a row fails the first test, so nothing ships unchecked.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { io as connect } from "socket.io-client";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { createUser, setupOwner, signIn, strongPassword, uniqueEmail, userSession, api, type Role } from "../support/session";
import { REPO_ROOT } from "../support/bundle";
import { FAKE_FACTS } from "../support/fake-agent";
import { PERMISSIONS, ROLES, type Action } from "@/lib/auth/policy";

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

interface Row {
  method: Method;
  /** The route file's path under app/api/v1, with [param] segments. */
  route: string;
  /** What to call: params filled with values that pass authorization but touch nothing real (unknown ids). */
  path: string;
  body?: unknown;
  /** The policy action the route requires; "public" routes have their own authentication (or none by design). */
  permission: Action | "public";
}

const ROWS: Row[] = [
  { method: "GET", route: "hosts", path: "/api/v1/hosts", permission: "hosts.read" },
  { method: "GET", route: "hosts/[id]", path: "/api/v1/hosts/999999", permission: "hosts.read" },
  { method: "PATCH", route: "hosts/[id]", path: "/api/v1/hosts/999999", body: { name: "renamed" }, permission: "hosts.update" },
  { method: "DELETE", route: "hosts/[id]", path: "/api/v1/hosts/999999", permission: "hosts.revoke" },
  { method: "POST", route: "hosts/[id]/revoke", path: "/api/v1/hosts/999999/revoke", permission: "hosts.revoke" },
  { method: "POST", route: "hosts/[id]/drain", path: "/api/v1/hosts/999999/drain", body: {}, permission: "hosts.drain" },
  { method: "POST", route: "hosts/[id]/rotate-credential", path: "/api/v1/hosts/999999/rotate-credential", permission: "hosts.rotate" },
  { method: "PUT", route: "hosts/[id]/cordon", path: "/api/v1/hosts/999999/cordon", permission: "hosts.drain" },
  { method: "DELETE", route: "hosts/[id]/cordon", path: "/api/v1/hosts/999999/cordon", permission: "hosts.drain" },
  { method: "POST", route: "hosts/ssh", path: "/api/v1/hosts/ssh", body: {}, permission: "hosts.install" },
  { method: "GET", route: "host-install-jobs/[id]", path: "/api/v1/host-install-jobs/nosuchjob", permission: "hosts.install" },
  { method: "POST", route: "host-install-jobs/[id]/confirm-host-key", path: "/api/v1/host-install-jobs/nosuchjob/confirm-host-key", body: {}, permission: "hosts.install" },
  { method: "POST", route: "host-install-jobs/[id]/cancel", path: "/api/v1/host-install-jobs/nosuchjob/cancel", permission: "hosts.install" },
  { method: "POST", route: "join-tokens", path: "/api/v1/join-tokens", body: {}, permission: "hosts.join" },
  { method: "GET", route: "join-tokens", path: "/api/v1/join-tokens", permission: "hosts.join" },
  { method: "DELETE", route: "join-tokens/[id]", path: "/api/v1/join-tokens/nosuchtoken", permission: "hosts.join" },
  { method: "GET", route: "metrics/targets", path: "/api/v1/metrics/targets", permission: "metrics.read" },
  { method: "GET", route: "me", path: "/api/v1/me", permission: "me.read" },
  { method: "PATCH", route: "me", path: "/api/v1/me", body: {}, permission: "me.update" },
  { method: "GET", route: "users", path: "/api/v1/users", permission: "users.read" },
  { method: "POST", route: "users", path: "/api/v1/users", body: {}, permission: "users.manage" },
  { method: "PATCH", route: "users/[id]", path: "/api/v1/users/no-such-user", body: { name: "x" }, permission: "users.manage" },
  { method: "GET", route: "tokens", path: "/api/v1/tokens", permission: "tokens.manage" },
  { method: "POST", route: "tokens", path: "/api/v1/tokens", body: {}, permission: "tokens.manage" },
  { method: "DELETE", route: "tokens/[id]", path: "/api/v1/tokens/no-such-token", permission: "tokens.manage" },
  { method: "GET", route: "sessions", path: "/api/v1/sessions", permission: "me.read" },
  { method: "DELETE", route: "sessions/[id]", path: "/api/v1/sessions/no-such-session", permission: "me.update" },
  { method: "GET", route: "sso", path: "/api/v1/sso", permission: "users.read" },
  { method: "PUT", route: "sso", path: "/api/v1/sso", body: {}, permission: "users.manage" },
  { method: "PUT", route: "sso/group-mappings", path: "/api/v1/sso/group-mappings", body: {}, permission: "users.manage" },
  { method: "GET", route: "activity", path: "/api/v1/activity", permission: "activity.read" },
  { method: "GET", route: "audit/export", path: "/api/v1/audit/export", permission: "activity.read" },
  { method: "GET", route: "audit/verify", path: "/api/v1/audit/verify", permission: "activity.read" },
  { method: "GET", route: "teams", path: "/api/v1/teams", permission: "teams.read" },
  { method: "POST", route: "teams", path: "/api/v1/teams", body: {}, permission: "users.manage" },
  { method: "GET", route: "teams/[id]", path: "/api/v1/teams/no-such-team", permission: "teams.read" },
  { method: "PATCH", route: "teams/[id]", path: "/api/v1/teams/no-such-team", body: { name: "x" }, permission: "users.manage" },
  { method: "DELETE", route: "teams/[id]", path: "/api/v1/teams/no-such-team", permission: "users.manage" },
  { method: "POST", route: "teams/[id]/members", path: "/api/v1/teams/no-such-team/members", body: { userId: "nobody" }, permission: "teams.members" },
  { method: "DELETE", route: "teams/[id]/members/[userId]", path: "/api/v1/teams/no-such-team/members/nobody", permission: "teams.members" },
  { method: "GET", route: "host-groups", path: "/api/v1/host-groups", permission: "users.read" },
  { method: "POST", route: "host-groups", path: "/api/v1/host-groups", body: {}, permission: "users.manage" },
  { method: "GET", route: "host-groups/[id]", path: "/api/v1/host-groups/no-such-group", permission: "users.read" },
  { method: "PATCH", route: "host-groups/[id]", path: "/api/v1/host-groups/no-such-group", body: { name: "x" }, permission: "users.manage" },
  { method: "DELETE", route: "host-groups/[id]", path: "/api/v1/host-groups/no-such-group", permission: "users.manage" },
  { method: "POST", route: "host-groups/[id]/hosts", path: "/api/v1/host-groups/no-such-group/hosts", body: { hostIds: [999999] }, permission: "users.manage" },
  { method: "DELETE", route: "host-groups/[id]/hosts/[hostId]", path: "/api/v1/host-groups/no-such-group/hosts/999999", permission: "users.manage" },
  { method: "GET", route: "role-bindings", path: "/api/v1/role-bindings", permission: "users.read" },
  { method: "POST", route: "role-bindings", path: "/api/v1/role-bindings", body: {}, permission: "users.manage" },
  { method: "DELETE", route: "role-bindings/[id]", path: "/api/v1/role-bindings/no-such-binding", permission: "users.manage" },
  { method: "GET", route: "roles", path: "/api/v1/roles", permission: "users.read" },
  { method: "POST", route: "roles", path: "/api/v1/roles", body: {}, permission: "users.manage" },
  { method: "PATCH", route: "roles/[id]", path: "/api/v1/roles/no-such-role", body: {}, permission: "users.manage" },
  { method: "DELETE", route: "roles/[id]", path: "/api/v1/roles/no-such-role", permission: "users.manage" },

  { method: "GET", route: "openapi.json", path: "/api/v1/openapi.json", permission: "public" },
  { method: "GET", route: "containers", path: "/api/v1/containers", permission: "containers.read" },
  { method: "GET", route: "hosts/[id]/containers", path: "/api/v1/hosts/999999/containers", permission: "containers.read" },
  { method: "POST", route: "hosts/[id]/containers", path: "/api/v1/hosts/999999/containers", body: { image: "busybox" }, permission: "containers.run" },
  // Reaching into the host (a bind mount, the host's network) needs containers.host-access on top: asked before the host is.
  { method: "POST", route: "hosts/[id]/containers", path: "/api/v1/hosts/999999/containers", body: { image: "busybox", volumes: [{ source: "/srv", target: "/srv" }] }, permission: "containers.host-access" },
  { method: "POST", route: "hosts/[id]/containers", path: "/api/v1/hosts/999999/containers", body: { image: "busybox", network: "host" }, permission: "containers.host-access" },
  { method: "GET", route: "hosts/[id]/containers/[cid]", path: "/api/v1/hosts/999999/containers/abc", permission: "containers.read" },
  { method: "DELETE", route: "hosts/[id]/containers/[cid]", path: "/api/v1/hosts/999999/containers/abc", permission: "containers.manage" },
  { method: "POST", route: "hosts/[id]/containers/[cid]/actions", path: "/api/v1/hosts/999999/containers/abc/actions", body: { action: "stop" }, permission: "containers.manage" },
  // Recreate stops, renames and removes the original (containers.manage) and runs its replacement (containers.run, the
  // same rights for every built-in role); a bind mount in its spec needs containers.host-access as a run's does.
  { method: "POST", route: "hosts/[id]/containers/[cid]/recreate", path: "/api/v1/hosts/999999/containers/abc/recreate", body: { image: "busybox" }, permission: "containers.manage" },
  { method: "POST", route: "hosts/[id]/containers/[cid]/recreate", path: "/api/v1/hosts/999999/containers/abc/recreate", body: { image: "busybox", volumes: [{ source: "/srv", target: "/srv" }] }, permission: "containers.host-access" },
  { method: "GET", route: "hosts/[id]/containers/[cid]/logs", path: "/api/v1/hosts/999999/containers/abc/logs", permission: "containers.logs" },
  { method: "POST", route: "hosts/[id]/images/pull", path: "/api/v1/hosts/999999/images/pull", body: { ref: "busybox" }, permission: "images.manage" },
  { method: "GET", route: "hosts/[id]/images", path: "/api/v1/hosts/999999/images", permission: "images.read" },
  { method: "DELETE", route: "hosts/[id]/images", path: "/api/v1/hosts/999999/images?ref=busybox", permission: "images.manage" },
  { method: "POST", route: "hosts/[id]/images/prune", path: "/api/v1/hosts/999999/images/prune", body: {}, permission: "images.manage" },
  { method: "POST", route: "hosts/[id]/images/tag", path: "/api/v1/hosts/999999/images/tag", body: { source: "a", target: "b" }, permission: "images.manage" },
  { method: "GET", route: "hosts/[id]/networks", path: "/api/v1/hosts/999999/networks", permission: "containers.read" },
  { method: "POST", route: "hosts/[id]/networks", path: "/api/v1/hosts/999999/networks", body: { name: "matrix-net" }, permission: "containers.manage" },
  { method: "DELETE", route: "hosts/[id]/networks/[network]", path: "/api/v1/hosts/999999/networks/matrix-net", permission: "containers.manage" },
  { method: "POST", route: "hosts/[id]/networks/[network]/connect", path: "/api/v1/hosts/999999/networks/matrix-net/connect", body: { container: "abc" }, permission: "containers.manage" },
  { method: "POST", route: "hosts/[id]/networks/[network]/disconnect", path: "/api/v1/hosts/999999/networks/matrix-net/disconnect", body: { container: "abc" }, permission: "containers.manage" },
  { method: "GET", route: "hosts/[id]/volumes", path: "/api/v1/hosts/999999/volumes", permission: "containers.read" },
  { method: "POST", route: "hosts/[id]/volumes", path: "/api/v1/hosts/999999/volumes", body: { name: "matrix-vol" }, permission: "containers.manage" },
  { method: "DELETE", route: "hosts/[id]/volumes", path: "/api/v1/hosts/999999/volumes?name=matrix-vol", permission: "containers.manage" },
  { method: "POST", route: "hosts/[id]/volumes/prune", path: "/api/v1/hosts/999999/volumes/prune", body: {}, permission: "containers.manage" },
  { method: "GET", route: "hosts/[id]/metrics", path: "/api/v1/hosts/999999/metrics", permission: "hosts.read" },
  { method: "GET", route: "hosts/[id]/events", path: "/api/v1/hosts/999999/events", permission: "hosts.read" },
  { method: "GET", route: "services", path: "/api/v1/services", permission: "k8s.read" },
  { method: "GET", route: "search", path: "/api/v1/search?q=web", permission: "hosts.read" },
  { method: "GET", route: "services/[namespace]/[name]", path: "/api/v1/services/default/no-such-service", permission: "k8s.read" },
  { method: "GET", route: "stacks", path: "/api/v1/stacks", permission: "k8s.read" },
  { method: "POST", route: "stacks", path: "/api/v1/stacks", body: {}, permission: "k8s.write" },
  { method: "POST", route: "stacks/preview", path: "/api/v1/stacks/preview", body: {}, permission: "k8s.write" },
  { method: "GET", route: "stacks/[namespace]/[name]", path: "/api/v1/stacks/default/no-such-stack", permission: "k8s.read" },
  { method: "DELETE", route: "stacks/[namespace]/[name]", path: "/api/v1/stacks/default/no-such-stack", permission: "k8s.write" },
  { method: "POST", route: "namespaces/[namespace]/secrets/[name]/reveal", path: "/api/v1/namespaces/default/secrets/no-such-secret/reveal", body: { key: "password" }, permission: "k8s.secrets.read" },
  // Public by design: first-run setup (refuses once a user exists) and agent join (authenticated by the join token).
  { method: "GET", route: "setup", path: "/api/v1/setup", permission: "public" },
  { method: "POST", route: "setup", path: "/api/v1/setup", body: {}, permission: "public" },
  { method: "POST", route: "agents/join", path: "/api/v1/agents/join", body: {}, permission: "public" },
];

/** The Kubernetes API under /k8s (API tokens as bearer tokens): a call, and every right it needs. Writes are dry runs
 * or name objects that do not exist, so allowed roles are answered (201, 200 or 404) without changing anything. */
const K8S_ROWS: Array<{ method: Method; path: string; body?: unknown; contentType?: string; permissions: Action[] }> = [
  { method: "GET", path: "/k8s/api", permissions: ["k8s.read"] },
  { method: "GET", path: "/k8s/api/v1", permissions: ["k8s.read"] },
  { method: "GET", path: "/k8s/apis", permissions: ["k8s.read"] },
  { method: "GET", path: "/k8s/openapi/v3", permissions: ["k8s.read"] },
  { method: "GET", path: "/k8s/api/v1/namespaces", permissions: ["k8s.read"] },
  { method: "GET", path: "/k8s/api/v1/namespaces/default", permissions: ["k8s.read"] },
  { method: "GET", path: "/k8s/api/v1/nodes", permissions: ["k8s.read"] },
  { method: "GET", path: "/k8s/api/v1/configmaps", permissions: ["k8s.read"] },
  { method: "GET", path: "/k8s/api/v1/namespaces/default/configmaps", permissions: ["k8s.read"] },
  { method: "GET", path: "/k8s/api/v1/namespaces/default/configmaps/none", permissions: ["k8s.read"] },
  { method: "GET", path: "/k8s/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1", permissions: ["k8s.read"] },
  { method: "GET", path: "/k8s/api/v1/namespaces/default/events", permissions: ["k8s.read"] },
  {
    method: "POST",
    path: "/k8s/api/v1/namespaces/default/configmaps?dryRun=All",
    body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "matrix" } },
    permissions: ["k8s.write"],
  },
  { method: "POST", path: "/k8s/api/v1/namespaces?dryRun=All", body: { apiVersion: "v1", kind: "Namespace", metadata: { name: "matrix" } }, permissions: ["k8s.write"] },
  { method: "PUT", path: "/k8s/api/v1/namespaces/default/configmaps/none", body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "none" } }, permissions: ["k8s.write"] },
  { method: "PATCH", path: "/k8s/api/v1/namespaces/default/configmaps/none", body: { data: { a: "b" } }, contentType: "application/merge-patch+json", permissions: ["k8s.write"] },
  { method: "DELETE", path: "/k8s/api/v1/namespaces/default/configmaps/none", permissions: ["k8s.write"] },
  { method: "DELETE", path: "/k8s/api/v1/namespaces/default/configmaps?dryRun=All", permissions: ["k8s.write"] },
  { method: "DELETE", path: "/k8s/api/v1/namespaces/none", permissions: ["k8s.write"] },
  { method: "GET", path: "/k8s/api/v1/secrets", permissions: ["k8s.secrets.read"] },
  { method: "GET", path: "/k8s/api/v1/namespaces/default/secrets", permissions: ["k8s.secrets.read"] },
  { method: "GET", path: "/k8s/api/v1/namespaces/default/secrets/none", permissions: ["k8s.secrets.read"] },
  { method: "GET", path: "/k8s/api/v1/namespaces/default/secrets?watch=true&timeoutSeconds=1", permissions: ["k8s.secrets.read"] },
  // A write answers with the whole secret, so it needs the right to read secrets as well as to write.
  {
    method: "POST",
    path: "/k8s/api/v1/namespaces/default/secrets?dryRun=All",
    body: { apiVersion: "v1", kind: "Secret", metadata: { name: "matrix" }, stringData: { a: "b" } },
    permissions: ["k8s.write", "k8s.secrets.read", "k8s.secrets.write"],
  },
  { method: "DELETE", path: "/k8s/api/v1/namespaces/default/secrets/none", permissions: ["k8s.write", "k8s.secrets.read", "k8s.secrets.write"] },
  // The pod streams are upgrades: a plain request is refused (400) once its rights are granted.
  { method: "POST", path: "/k8s/api/v1/namespaces/default/pods/none/exec?command=true&stdout=true", permissions: ["k8s.read", "containers.exec"] },
  { method: "POST", path: "/k8s/api/v1/namespaces/default/pods/none/attach?stdout=true", permissions: ["k8s.read", "containers.exec"] },
  { method: "POST", path: "/k8s/api/v1/namespaces/default/pods/none/portforward", permissions: ["k8s.read", "containers.port-forward"] },
];

/** Browser socket events: [event, argument, action it needs]. Every event a browser socket listens to (server/browser-*.ts)
 * has a row here or in SESSION_EVENTS — a new event without one fails the test below. */
const SOCKET_EVENTS: Array<{ event: string; arg: unknown; permission: Action }> = [
  { event: "subscribe", arg: "hosts", permission: "hosts.read" },
  { event: "subscribe", arg: "containers", permission: "containers.read" },
  { event: "subscribe", arg: "activity", permission: "activity.read" },
  // One install job's live steps (hosts added over SSH).
  { event: "install-job.subscribe", arg: "nosuchjob", permission: "hosts.install" },
  // Allowed roles get past the policy and are told the host does not exist; the others are refused as forbidden.
  { event: "exec:start", arg: { hostId: 999999, container: "abc", cmd: ["sh"] }, permission: "containers.exec" },
  { event: "stream:open", arg: { hostId: 999999, spec: { kind: "logs", id: "abc" } }, permission: "containers.logs" },
  { event: "stream:open", arg: { hostId: 999999, spec: { kind: "stats", id: "abc" } }, permission: "containers.read" },
  { event: "stream:open", arg: { hostId: 999999, spec: { kind: "image.pull", ref: "busybox" } }, permission: "images.manage" },
  { event: "kube:watch", arg: { group: "apps", version: "v1", plural: "deployments" }, permission: "k8s.read" },
  // Secrets are listed to every reader, their values withheld (test/server/browser-kube-watch.test.ts).
  { event: "kube:watch", arg: { group: "", version: "v1", plural: "secrets", namespace: "default" }, permission: "k8s.read" },
];

/** Events that act only on a session or stream the same socket opened (by its id), asked again against the live actor
 * on the host it was opened on: no host or namespace of their own to name. */
const SESSION_EVENTS = ["exec:input", "exec:resize", "exec:close", "stream:close", "kube:unwatch", "disconnect"];

function routeFiles(dir = join(REPO_ROOT, "app/api/v1")): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...routeFiles(p));
    else if (e === "route.ts") out.push(p);
  }
  return out;
}

test("the matrix names every route handler under app/api/v1", () => {
  const existing = new Set<string>();
  for (const file of routeFiles()) {
    const route = relative(join(REPO_ROOT, "app/api/v1"), file).replace(/\/?route\.ts$/, "");
    for (const m of readFileSync(file, "utf8").matchAll(/export\s+(?:const|async function|function)\s+(GET|POST|PUT|PATCH|DELETE)\b/g)) {
      existing.add(`${m[1]} ${route}`);
    }
  }
  const covered = new Set(ROWS.map((r) => `${r.method} ${r.route}`));
  const missing = [...existing].filter((k) => !covered.has(k));
  const stale = [...covered].filter((k) => !existing.has(k));
  assert.deepEqual(missing, [], `routes without a matrix row: ${missing.join(", ")}`);
  assert.deepEqual(stale, [], `matrix rows for routes that no longer exist: ${stale.join(", ")}`);
});

test("the matrix names every event a browser socket listens to", () => {
  const existing = new Set<string>();
  for (const file of readdirSync(join(REPO_ROOT, "server")).filter((f) => /^browser-.*\.ts$/.test(f))) {
    for (const m of readFileSync(join(REPO_ROOT, "server", file), "utf8").matchAll(/\bsocket\.on\("([^"]+)"/g)) existing.add(m[1]!);
  }
  const covered = new Set([...SOCKET_EVENTS.map((e) => e.event), ...SESSION_EVENTS]);
  assert.deepEqual([...existing].filter((e) => !covered.has(e)), [], "socket events without a matrix row");
  assert.deepEqual([...covered].filter((e) => !existing.has(e)), [], "matrix rows for socket events that no longer exist");
});

let cp: ControlPlane;
const cookies = new Map<Role, string>();

before(async () => {
  cp = await startControlPlane();
  const owner = await setupOwner(cp);
  const ownerCookie = await signIn(cp, owner.email, owner.password);
  cookies.set("owner", ownerCookie);
  for (const role of ["admin", "operator", "viewer", "none"] as const) cookies.set(role, (await userSession(cp, ownerCookie, role)).cookie);
});

after(async () => {
  await cp?.destroy();
});

test("every role gets exactly what the policy grants on every route; nobody signed in gets 401", async () => {
  const failures: string[] = [];
  for (const row of ROWS.filter((r) => r.permission !== "public")) {
    const anon = await api(cp).request(row.method, row.path, row.body);
    if (anon.status !== 401) failures.push(`anonymous ${row.method} ${row.path} → ${anon.status}, want 401`);
    for (const role of ROLES) {
      const allowed = (PERMISSIONS[row.permission as Action] as readonly string[]).includes(role);
      const r = await api(cp, cookies.get(role)).request(row.method, row.path, row.body);
      const denied = r.status === 401 || r.status === 403;
      if (allowed === denied) failures.push(`${role} ${row.method} ${row.path} → ${r.status} (${JSON.stringify(r.body)}), want ${allowed ? "allowed" : "403"}`);
      if (!allowed && r.status !== 403) failures.push(`${role} ${row.method} ${row.path} → ${r.status}, a denial must be 403`);
      if (r.status >= 500) failures.push(`${role} ${row.method} ${row.path} → ${r.status}: a server error`);
    }
  }
  assert.deepEqual(failures, []);
});

test("public routes answer without a session and never with a server error", async () => {
  for (const row of ROWS.filter((r) => r.permission === "public")) {
    const r = await api(cp).request(row.method, row.path, row.body);
    assert.ok(r.status < 500, `${row.method} ${row.path} → ${r.status}`);
    assert.notEqual(r.status, 403);
  }
  // Setup is closed once an owner exists, whoever asks.
  const again = await api(cp, cookies.get("viewer")).post("/api/v1/setup", { name: "X", email: "x@example.test", password: "long-enough-password" });
  assert.equal(again.status, 409);
});

test("every role's API token gets exactly what the policy grants on every Kubernetes API call; no token or a bad one is 401", async () => {
  const tokens = new Map<Role, string>();
  for (const role of ROLES) {
    const r = await api(cp, cookies.get(role)).post("/api/v1/tokens", { name: `matrix-${role}` });
    assert.equal(r.status, 201);
    tokens.set(role, r.body.token);
  }
  const call = (row: (typeof K8S_ROWS)[number], token?: string) =>
    api(cp).request(row.method, row.path, row.body, {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(row.contentType ? { "content-type": row.contentType } : {}),
    });
  const failures: string[] = [];
  for (const row of K8S_ROWS) {
    for (const token of [undefined, "gat_" + "x".repeat(43)]) {
      const anon = await call(row, token);
      if (anon.status !== 401 || anon.body?.kind !== "Status") failures.push(`${token ? "bad token" : "no token"} ${row.method} ${row.path} → ${anon.status}, want a 401 Status`);
    }
    for (const role of ROLES) {
      const allowed = row.permissions.every((p) => (PERMISSIONS[p] as readonly string[]).includes(role));
      const r = await call(row, tokens.get(role));
      if (allowed && (r.status === 401 || r.status === 403 || r.status >= 500)) failures.push(`${role} ${row.method} ${row.path} → ${r.status} ${JSON.stringify(r.body)}, want allowed`);
      if (!allowed) {
        const missing = row.permissions.find((p) => !(PERMISSIONS[p] as readonly string[]).includes(role))!;
        if (r.status !== 403 || r.body?.reason !== "Forbidden" || !String(r.body?.message).includes(missing))
          failures.push(`${role} ${row.method} ${row.path} → ${r.status} ${JSON.stringify(r.body)}, want a 403 Status naming ${missing}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  // What kube-apiserver shows anyone: its version.
  assert.equal((await api(cp).get("/k8s/version")).status, 200);
});

test("every role gets exactly what the policy grants on every browser socket event; nobody signed in cannot connect", async () => {
  const anon = connect(`${cp.url}/browser`, { transports: ["websocket"], reconnection: false });
  const refused = await new Promise<string>((resolve) => {
    anon.on("connect", () => resolve("connected"));
    anon.on("connect_error", (e) => resolve(e.message));
  });
  anon.close();
  assert.match(refused, /unauthorized/);

  for (const role of ROLES) {
    const socket = connect(`${cp.url}/browser`, { transports: ["websocket"], reconnection: false, extraHeaders: { cookie: cookies.get(role)! } });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.on("connect", () => resolve());
        socket.on("connect_error", reject);
      });
      for (const ev of SOCKET_EVENTS) {
        const allowed = (PERMISSIONS[ev.permission] as readonly string[]).includes(role);
        const reply = (await socket.timeout(5000).emitWithAck(ev.event, ev.arg)) as { ok: boolean; error?: string };
        const denied = !reply.ok && /forbidden|unauthorized/.test(reply.error ?? "");
        assert.equal(!denied, allowed, `${role} ${ev.event}(${JSON.stringify(ev.arg)}) → ${JSON.stringify(reply)}`);
        if (ev.event === "subscribe" || ev.event === "install-job.subscribe") assert.equal(reply.ok, allowed);
      }
    } finally {
      socket.close();
    }
  }
});

// The scope dimension: a user whose only rights are operator on host group A and operator on the namespace team-a.
// Host B (in group B) does not exist for them — every host-scoped route, and every socket event that names a host,
// answers for B exactly as for a host id nobody has — while on A they get what a fleet-wide operator gets; in the
// namespace team-b every Kubernetes API call is Forbidden, in team-a it is answered as an operator's. The rows are the
// matrix's own (every route under hosts/[id], every namespaced Kubernetes call, every event with a host or a
// namespace), so a route or event added there is held to its scopes too.
interface ScopeWorld {
  A: number;
  B: number;
  scopedCookie: string;
  scopedToken: string;
  operatorToken: string;
}
let world: ScopeWorld | undefined;
const NO_HOST = 999999;

/** Two hosts joined with real join tokens and no agent behind them (each answers as an offline host does). */
async function scopeWorld(): Promise<ScopeWorld> {
  if (world) return world;
  const owner = api(cp, cookies.get("owner"));
  const ok = <T>(r: { status: number; body: T }, status = 200): T => {
    assert.equal(r.status, status, JSON.stringify(r.body));
    return r.body;
  };
  const join = async (name: string): Promise<number> => {
    const { token } = ok(await owner.post("/api/v1/join-tokens", { hostName: name }), 201) as { token: string };
    return (ok(await api(cp).post("/api/v1/agents/join", { token, facts: { ...FAKE_FACTS, hostname: name } }), 201) as { hostId: number }).hostId;
  };
  const A = await join("scope-matrix-a");
  const B = await join("scope-matrix-b");
  const groupA = (ok(await owner.post("/api/v1/host-groups", { name: "matrix-group-a", hostIds: [A] }), 201) as { id: string }).id;
  ok(await owner.post("/api/v1/host-groups", { name: "matrix-group-b", hostIds: [B] }), 201);
  const user = await createUser(cp, cookies.get("owner")!, { role: "none", email: uniqueEmail("scoped"), password: strongPassword(), name: "scoped" });
  ok(await owner.post("/api/v1/role-bindings", { userId: user.id, role: "operator", hostGroupId: groupA }), 201);
  ok(await owner.post("/api/v1/role-bindings", { userId: user.id, role: "operator", namespace: "team-a" }), 201);
  const scopedCookie = await signIn(cp, user.email, user.password);
  const scopedToken = (ok(await api(cp, scopedCookie).post("/api/v1/tokens", { name: "scoped" }), 201) as { token: string }).token;
  const operatorToken = (ok(await api(cp, cookies.get("operator")).post("/api/v1/tokens", { name: "scope-operator" }), 201) as { token: string }).token;
  const ownerToken = (ok(await owner.post("/api/v1/tokens", { name: "scope-owner" }), 201) as { token: string }).token;
  const kube = (path: string, body: unknown) => api(cp).request("POST", path, body, { authorization: `Bearer ${ownerToken}` });
  for (const ns of ["team-a", "team-b"]) ok(await kube("/k8s/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }), 201);
  world = { A, B, scopedCookie, scopedToken, operatorToken };
  return world;
}

/** An answer with one host id written as another: the same answer, whichever host it was about. */
const asHost = (body: unknown, from: number, to: number) => JSON.stringify(body ?? null).replaceAll(String(from), String(to));
const code = (body: unknown) => (body as { error?: { code?: string } } | null)?.error?.code;

test("scopes: every host-scoped route answers for another group's host as for a host that does not exist, and on one's own as an operator's", async () => {
  const { A, B, scopedCookie } = await scopeWorld();
  const hostRows = ROWS.filter((r) => r.route.startsWith("hosts/[id]"));
  assert.ok(hostRows.length > 20, "the matrix's host-scoped rows");
  const failures: string[] = [];
  const scoped = api(cp, scopedCookie);
  const operator = api(cp, cookies.get("operator"));
  for (const row of hostRows) {
    assert.ok(row.path.includes(`/hosts/${NO_HOST}`), `${row.method} ${row.route}: its path names host ${NO_HOST}`);
    const on = (host: number) => row.path.replace(`/hosts/${NO_HOST}`, `/hosts/${host}`);
    const label = `${row.method} ${row.route} ${JSON.stringify(row.body ?? "")}`;
    const none = await scoped.request(row.method, row.path, row.body);
    const other = await scoped.request(row.method, on(B), row.body);
    if (other.status !== none.status || asHost(other.body, B, NO_HOST) !== asHost(none.body, NO_HOST, NO_HOST))
      failures.push(`${label}: B's host → ${other.status} ${JSON.stringify(other.body)}; a host that does not exist → ${none.status} ${JSON.stringify(none.body)}`);
    // Where one may do the action somewhere (operator's rights, on group A), a host outside one's scopes is a 404.
    if ((PERMISSIONS[row.permission as Action] as readonly string[]).includes("operator") && other.status !== 404) failures.push(`${label}: B's host → ${other.status}, want 404`);
    const mine = await scoped.request(row.method, on(A), row.body);
    const fleet = await operator.request(row.method, on(A), row.body);
    if (mine.status !== fleet.status || code(mine.body) !== code(fleet.body))
      failures.push(`${label}: A's host → ${mine.status} ${JSON.stringify(mine.body)}; a fleet-wide operator → ${fleet.status} ${JSON.stringify(fleet.body)}`);
  }
  assert.deepEqual(failures, []);
});

test("scopes: every REST route in a namespace answers for another namespace as for one that does not exist, and in one's own as an operator's", async () => {
  const { scopedCookie } = await scopeWorld();
  const nsRows = ROWS.filter((r) => r.route.includes("[namespace]"));
  assert.ok(nsRows.length >= 4, "the matrix's routes in a namespace");
  const failures: string[] = [];
  const scoped = api(cp, scopedCookie);
  const operator = api(cp, cookies.get("operator"));
  for (const row of nsRows) {
    assert.ok(row.path.includes("/default/"), `${row.method} ${row.route}: its path names the namespace default`);
    const at = (ns: string) => row.path.replace("/default/", `/${ns}/`);
    const label = `${row.method} ${row.route}`;
    const none = await scoped.request(row.method, at("no-such-namespace"), row.body);
    const other = await scoped.request(row.method, at("team-b"), row.body);
    if (other.status !== none.status || JSON.stringify(other.body).replaceAll("team-b", "no-such-namespace") !== JSON.stringify(none.body))
      failures.push(`${label}: team-b → ${other.status} ${JSON.stringify(other.body)}; a namespace that does not exist → ${none.status} ${JSON.stringify(none.body)}`);
    if ((PERMISSIONS[row.permission as Action] as readonly string[]).includes("operator") && other.status !== 404) failures.push(`${label}: team-b → ${other.status}, want 404`);
    const mine = await scoped.request(row.method, at("team-a"), row.body);
    const fleet = await operator.request(row.method, at("team-a"), row.body);
    if (mine.status !== fleet.status || code(mine.body) !== code(fleet.body))
      failures.push(`${label}: team-a → ${mine.status} ${JSON.stringify(mine.body)}; a fleet-wide operator → ${fleet.status} ${JSON.stringify(fleet.body)}`);
  }
  assert.deepEqual(failures, []);
});

test("scopes: every namespaced Kubernetes API call is Forbidden in another namespace and answered as an operator's in one's own", async () => {
  const { scopedToken, operatorToken } = await scopeWorld();
  const inNamespace = K8S_ROWS.filter((r) => r.path.includes("/namespaces/default/"));
  assert.ok(inNamespace.length > 10, "the matrix's namespaced Kubernetes rows");
  const call = (method: Method, path: string, body: unknown, contentType: string | undefined, token: string) =>
    api(cp).request(method, path, body, { authorization: `Bearer ${token}`, ...(contentType ? { "content-type": contentType } : {}) });
  const failures: string[] = [];
  for (const row of inNamespace) {
    const at = (ns: string) => row.path.replace("/namespaces/default/", `/namespaces/${ns}/`);
    const label = `${row.method} ${row.path}`;
    const theirs = await call(row.method, at("team-b"), row.body, row.contentType, scopedToken);
    // Refused in the policy module's words (describe()): whose rights — a role and bindings, which this token (of a
    // user with no fleet-wide role, not narrowed) does not narrow.
    if (theirs.status !== 403 || theirs.body?.reason !== "Forbidden" || !/ in the namespace "team-b": your role \(none\) and bindings does not allow /.test(String(theirs.body?.message)))
      failures.push(`${label} in team-b → ${theirs.status} ${JSON.stringify(theirs.body)}, want a 403 Status naming the namespace in the policy's words`);
    const mine = await call(row.method, at("team-a"), row.body, row.contentType, scopedToken);
    const fleet = await call(row.method, at("team-a"), row.body, row.contentType, operatorToken);
    if (mine.status !== fleet.status || mine.body?.reason !== fleet.body?.reason)
      failures.push(`${label} in team-a → ${mine.status} ${JSON.stringify(mine.body)}; a fleet-wide operator → ${fleet.status} ${JSON.stringify(fleet.body)}`);
  }
  // kubectl auth can-i answers as the calls do, in the same words.
  const review = (namespace: string) =>
    call("POST", "/k8s/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { namespace, verb: "create", group: "", resource: "configmaps" } } }, undefined, scopedToken);
  assert.deepEqual((await review("team-a")).body.status, { allowed: true });
  assert.deepEqual((await review("team-b")).body.status, { allowed: false, reason: "your role (none) and bindings does not allow k8s.write" });
  // Discovery is what kubectl asks before anything else: whoever may read somewhere reads it, as kube-apiserver's
  // system:discovery role lets every signed-in user.
  for (const row of K8S_ROWS.filter((r) => /^\/k8s\/(api|apis|api\/v1|openapi\/v3)$/.test(r.path))) {
    const r = await call(row.method, row.path, row.body, row.contentType, scopedToken);
    if (r.status !== 200) failures.push(`discovery ${row.path} → ${r.status} ${JSON.stringify(r.body)}, want 200`);
  }
  assert.deepEqual(failures, []);
});

test("scopes: a socket event that names another group's host is answered as for a host that does not exist; one in another namespace is refused", async () => {
  const { A, B, scopedCookie } = await scopeWorld();
  const open = async (cookie: string) => {
    const socket = connect(`${cp.url}/browser`, { transports: ["websocket"], reconnection: false, extraHeaders: { cookie } });
    await new Promise<void>((resolve, reject) => {
      socket.on("connect", () => resolve());
      socket.on("connect_error", reject);
    });
    return socket;
  };
  const scoped = await open(scopedCookie);
  const operator = await open(cookies.get("operator")!);
  type Reply = { ok: boolean; error?: string; code?: string };
  const emit = async (socket: typeof scoped, ev: string, arg: unknown) => (await socket.timeout(5000).emitWithAck(ev, arg)) as Reply;
  const failures: string[] = [];
  try {
    const hostEvents = SOCKET_EVENTS.filter((e) => typeof e.arg === "object" && e.arg !== null && "hostId" in e.arg);
    assert.ok(hostEvents.length >= 4, "the matrix's events that name a host");
    for (const ev of hostEvents) {
      const on = (host: number) => ({ ...(ev.arg as object), hostId: host });
      const label = `${ev.event}(${JSON.stringify(ev.arg)})`;
      const none = await emit(scoped, ev.event, on(NO_HOST));
      const other = await emit(scoped, ev.event, on(B));
      if (other.ok || other.code !== "not_found" || asHost(other, B, NO_HOST) !== asHost(none, NO_HOST, NO_HOST))
        failures.push(`${label}: B's host → ${JSON.stringify(other)}; a host that does not exist → ${JSON.stringify(none)}`);
      const mine = await emit(scoped, ev.event, on(A));
      const fleet = await emit(operator, ev.event, on(A));
      if (mine.ok !== fleet.ok || mine.code !== fleet.code) failures.push(`${label}: A's host → ${JSON.stringify(mine)}; a fleet-wide operator → ${JSON.stringify(fleet)}`);
    }
    const namespaceEvents = SOCKET_EVENTS.filter((e) => typeof e.arg === "object" && e.arg !== null && "namespace" in e.arg);
    assert.ok(namespaceEvents.length >= 1, "the matrix's events that name a namespace");
    for (const ev of namespaceEvents) {
      const at = (namespace: string) => ({ ...(ev.arg as object), namespace });
      const label = `${ev.event}(${JSON.stringify(ev.arg)})`;
      const theirs = await emit(scoped, ev.event, at("team-b"));
      if (theirs.ok || !/forbidden/i.test(theirs.error ?? "")) failures.push(`${label} in team-b → ${JSON.stringify(theirs)}, want refused`);
      const mine = await emit(scoped, ev.event, at("team-a"));
      const fleet = await emit(operator, ev.event, at("team-a"));
      if (mine.ok !== fleet.ok) failures.push(`${label} in team-a → ${JSON.stringify(mine)}; a fleet-wide operator → ${JSON.stringify(fleet)}`);
    }
  } finally {
    scoped.close();
    operator.close();
  }
  assert.deepEqual(failures, []);
});
