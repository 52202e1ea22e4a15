// The fuzz pass: random, malformed and oversized input to every /api/v1 route and method (the catalogue in
// lib/openapi/routes.ts, path parameters filled with real, unknown and malformed ids) and to every event of the browser
// socket (server/browser-gateway.ts, browser-streams.ts, browser-exec.ts), as an owner, so the handlers behind the
// policy check run. Commands reach a real agent in a network namespace with no route out (what it would pull fails at
// once) and an offline host. Asserted: no 5xx, every socket event with an acknowledgement answered without an
// "internal" error, the socket still connected, and afterwards the control plane still healthy and serving a normal
// request. Deterministic: GANTRY_FUZZ_SEED=<n> replays a run (the seed is printed); the default seed is fixed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { io as connect, type Socket } from "socket.io-client";
import { API_ROUTES, type ApiRoute, type Method } from "@/lib/openapi/routes";
import { startControlPlane, freePort, type ControlPlane } from "../support/control-plane";
import { api, setupOwner, signIn, createUser } from "../support/session";
import { mintJoinToken, startAgent, waitFor, type AgentProcess } from "../support/agent";
import { createTestNetwork, type TestNetwork } from "../support/netns";
import { Rng, queryLike, randomJson, randomString, shapedLike } from "../support/fuzz";

const SEED = Number(process.env.GANTRY_FUZZ_SEED ?? 20261207);
const ROUNDS = Number(process.env.GANTRY_FUZZ_ROUNDS ?? 30); // requests per route and method (GANTRY_FUZZ_ROUNDS=150 for a longer hunt)
const SOCKET_ROUNDS = ROUNDS * 3; // payloads per socket event
const CONCURRENCY = 4;

let net: TestNetwork;
let cp: ControlPlane;
let bearer: string;
let cookie: string;
const agents: AgentProcess[] = [];
const ids = { online: 0, offline: 0, victimUser: "", victimToken: "", ownToken: "" };

before(async () => {
  net = createTestNetwork(`10.215.${randomInt(1, 250)}`, 1);
  const port = await freePort();
  const publicUrl = `http://${net.gateway}:${port}`;
  cp = await startControlPlane({ port, env: { HOST: "0.0.0.0", GANTRY_PUBLIC_URL: publicUrl } });
  const owner = await setupOwner(cp);
  cookie = await signIn(cp, owner.email, owner.password);
  const token = await api(cp, cookie).post("/api/v1/tokens", { name: "fuzz owner" });
  bearer = token.body.token;
  ids.ownToken = token.body.apiToken.id;
  ids.victimToken = (await api(cp, cookie).post("/api/v1/tokens", { name: "fuzz victim" })).body.apiToken.id;
  ids.victimUser = (await createUser(cp, cookie, { role: "operator" })).id;

  // Two hosts in the namespace (no route out of it): one stays connected, one joins and stops (offline).
  const join = async () => {
    const { token } = await mintJoinToken(cp.url, cookie);
    const a = startAgent({ serverUrl: publicUrl, token, netns: net.hosts[0]!.netns });
    agents.push(a);
    await a.waitForOutput("connected to");
    return { agent: a, id: Number(/joined \S+ as host (\d+)/.exec(a.output())![1]) };
  };
  const online = await join();
  const offline = await join();
  await offline.agent.stop();
  ids.online = online.id;
  ids.offline = offline.id;
});

after(async () => {
  await Promise.all(agents.map((a) => a.destroy()));
  await cp?.destroy();
  net?.destroy();
});

interface Failure {
  what: string;
  detail: string;
}

const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

/** Path parameters: real ids, unknown ones and malformed ones; destructive routes never get the connected host. */
function paramValue(route: ApiRoute, name: string, rng: Rng): string {
  const malformed = ["0", "-1", "abc", "1.5", "1e3", " 1", "9999999999", "99999999999999999999", "%00", "%2e%2e", "a".repeat(300), randomString(rng, 20, false)];
  if (name === "cid") return rng.pick(["fuzz", "0".repeat(64), "f".repeat(12), randomString(rng, 40, false), "a".repeat(257), "..", "%2F"]);
  if (route.path.startsWith("/users/")) return rng.pick([ids.victimUser, "cm00000000000000000000000", ...malformed]);
  if (route.path.startsWith("/tokens/")) return rng.pick([ids.victimToken, "cm00000000000000000000000", ...malformed]);
  const destructive = route.method === "delete" && route.path === "/hosts/{id}" || route.path.endsWith("/revoke");
  const real = destructive ? [ids.offline] : [ids.online, ids.online, ids.offline];
  return String(rng.chance(0.5) ? rng.pick(real) : rng.chance(0.2) ? 999_999 : rng.pick(malformed));
}

function urlFor(route: ApiRoute, rng: Rng, query?: URLSearchParams): string {
  // A lone surrogate cannot be percent-encoded; what reaches a server in its place is U+FFFD.
  const encode = (v: string) => encodeURIComponent(Array.from(v, (ch) => (ch.length === 1 && ch >= "\ud800" && ch <= "\udfff" ? "\ufffd" : ch)).join(""));
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encode(paramValue(route, name, rng)).replace(/%25/g, rng.chance(0.5) ? "%" : "%25"));
  const q = query?.toString();
  return `${cp.url}/api/v1${path}${q ? `?${q}` : ""}`;
}

/** One request's body and content type: mostly shaped after the route's schema, sometimes anything at all. */
function bodyFor(route: ApiRoute, rng: Rng): { body?: string | Uint8Array; type?: string } {
  const r = rng.next();
  if (r < 0.6) return { body: JSON.stringify(shapedLike(route.body, rng) ?? null), type: "application/json" };
  if (r < 0.72) return { body: JSON.stringify(randomJson(rng, 3)), type: "application/json" };
  if (r < 0.78) {
    const deep = rng.int(1000, 30_000);
    return { body: rng.pick(["{", "[1,", '{"a":}', "\u0000", "nul", '{"a":1}{"b":2}', "\ufeff{}", "[".repeat(deep) + "]".repeat(deep), '{"a":'.repeat(deep) + "1" + "}".repeat(deep)]), type: "application/json" };
  }
  if (r < 0.83) return { body: JSON.stringify({ big: "x".repeat(rng.int(65_000, 1_100_000)) }), type: "application/json" };
  if (r < 0.88) return { body: new Uint8Array(Array.from({ length: rng.int(0, 64) }, () => rng.int(0, 255))), type: "application/octet-stream" };
  if (r < 0.94) return { body: "", type: rng.pick(["application/json", "text/plain"]) };
  return {};
}

async function send(method: string, url: string, body: { body?: string | Uint8Array; type?: string }, failures: Failure[]) {
  const headers: Record<string, string> = { authorization: `Bearer ${bearer}`, origin: cp.url };
  if (body.type) headers["content-type"] = body.type;
  const what = `${method} ${clip(url.slice(cp.url.length), 200)}${body.body !== undefined ? ` body ${clip(typeof body.body === "string" ? body.body : `<${body.body.length} bytes>`, 200)}` : ""}`;
  try {
    const res = await fetch(url, { method, headers, body: method === "GET" || method === "HEAD" ? undefined : (body.body as BodyInit | undefined), redirect: "manual", signal: AbortSignal.timeout(20_000) });
    // Streams (logs, pull progress) are read to their end: an error half-way is part of the answer.
    const text = await res.text();
    if (res.status >= 500) failures.push({ what, detail: `${res.status}: ${clip(text)}` });
    else if (res.status === 422 || res.status === 400) {
      const message = (() => {
        try {
          return JSON.parse(text)?.error?.message as string | undefined;
        } catch {
          return undefined;
        }
      })();
      if (!message) failures.push({ what, detail: `${res.status} without an error message: ${clip(text)}` });
    }
  } catch (e) {
    failures.push({ what, detail: `no answer: ${(e as Error).message}` });
  }
}

async function pool<T>(items: T[], n: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}

test(`every /api/v1 route and method, fuzzed as an owner, answers without a 5xx (seed ${SEED})`, async () => {
  console.log(`# fuzz seed ${SEED} (GANTRY_FUZZ_SEED=${SEED} replays this run)`);
  const rng = new Rng(SEED);
  const failures: Failure[] = [];
  const since = cp.output().length;
  const requests: Array<{ method: string; url: string; body: ReturnType<typeof bodyFor> }> = [];
  for (const route of API_ROUTES) {
    // Creating the owner again, or revoking the token this test uses, would only end the test early.
    if (route.path === "/setup" && route.method === "post") continue;
    for (let i = 0; i < ROUNDS; i++) {
      const method = route.method.toUpperCase();
      const hasBody = method !== "GET" && method !== "DELETE";
      requests.push({ method, url: urlFor(route, rng, rng.chance(0.9) ? queryLike(route.query, rng) : undefined), body: hasBody || rng.chance(0.1) ? bodyFor(route, rng) : {} });
    }
  }
  // Methods a path does not have: a 405, never a 500.
  const methods: Method[] = ["get", "post", "put", "patch", "delete"];
  for (const path of new Set(API_ROUTES.map((r) => r.path))) {
    for (const method of methods) {
      if (API_ROUTES.some((r) => r.path === path && r.method === method)) continue;
      const route = API_ROUTES.find((r) => r.path === path)!;
      requests.push({ method: method.toUpperCase(), url: urlFor({ ...route, method }, rng), body: bodyFor(route, rng) });
    }
  }
  // The route handlers must not see the owner's own token revoked under them.
  const own = requests.filter((r) => r.url.includes(ids.ownToken));
  assert.equal(own.length, 0);

  const started = Date.now();
  await pool(requests, CONCURRENCY, (r) => send(r.method, r.url, r.body, failures));
  console.log(`# ${requests.length} requests in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // A body far over any limit, and a URL far over Node's header limit.
  await send("POST", `${cp.url}/api/v1/hosts/${ids.online}/containers`, { body: "x".repeat(8 << 20), type: "application/json" }, failures);
  await send("GET", `${cp.url}/api/v1/containers?name=${"a".repeat(20_000)}`, {}, failures);

  assert.deepEqual(failures, [], `with GANTRY_FUZZ_SEED=${SEED}:\n${failures.map((f) => `${f.what}\n  → ${f.detail}`).join("\n")}`);
  await assertStillServing(since);
});

/** A payload for a socket event: near-valid for the handler (real host ids, the right kinds) or anything at all. */
function socketPayload(event: string, rng: Rng): unknown {
  if (rng.chance(0.25)) return randomJson(rng, 3);
  const hostId = rng.chance(0.7) ? rng.pick([ids.online, ids.offline]) : rng.pick([0, -1, 999_999, 2 ** 31, 1.5, "1", null]);
  const anyOf = <T>(v: T) => (rng.chance(0.1) ? randomJson(rng, 1, false) : v);
  switch (event) {
    case "subscribe":
      return rng.pick(["hosts", "containers", "__proto__", "toString", "", randomString(rng, 20, false)]);
    case "stream:open": {
      const kind = rng.pick(["logs", "stats", "image.pull", "exec", randomString(rng, 8, false)]);
      const spec: Record<string, unknown> = { kind };
      if (kind === "image.pull") spec.ref = anyOf(rng.pick(["busybox", "127.0.0.1:1/fuzz:latest", randomString(rng, 30, false)]));
      else spec.id = anyOf(rng.chance(0.5) ? "fuzz" : randomString(rng, 40, false));
      if (kind === "logs") Object.assign(spec, { follow: anyOf(rng.chance(0.5)), tail: anyOf(rng.pick([0, 10, "all", -1, 1e9])), since: anyOf(randomString(rng, 10, false)), timestamps: anyOf(true) });
      return { hostId, spec };
    }
    case "stream:close":
    case "exec:close":
      return { [event === "stream:close" ? "streamId" : "execId"]: anyOf(randomString(rng, 40, false)) };
    case "exec:start":
      return {
        hostId,
        container: anyOf(rng.chance(0.5) ? "fuzz" : randomString(rng, 40, false)),
        cmd: anyOf(rng.chance(0.8) ? ["sh", "-c", randomString(rng, 20, false)] : []),
        tty: anyOf(rng.chance(0.5)),
        cols: anyOf(rng.int(0, 2000)),
        rows: anyOf(rng.int(0, 2000)),
        ...(rng.chance(0.3) ? { env: anyOf([randomString(rng, 20, false)]), user: anyOf(randomString(rng, 10, false)), workdir: anyOf(randomString(rng, 10, false)) } : {}),
      };
    case "kube:watch":
      return {
        group: anyOf(rng.pick(["", "apps", "discovery.k8s.io", randomString(rng, 10, false)])),
        version: anyOf(rng.pick(["v1", "v2", ""])),
        plural: anyOf(rng.pick(["pods", "deployments", "secrets", "nodes", "services", randomString(rng, 12, false)])),
        ...(rng.chance(0.5) ? { namespace: anyOf(rng.pick(["default", "", randomString(rng, 300, false)])) } : {}),
        ...(rng.chance(0.4) ? { labelSelector: anyOf(rng.pick(["app=web", "a in (", "!x", randomString(rng, 40, false)])) } : {}),
        ...(rng.chance(0.3) ? { fieldSelector: anyOf(rng.pick(["metadata.name=x", "spec.nodeName!=", randomString(rng, 40, false)])) } : {}),
      };
    case "kube:unwatch":
      return { watchId: anyOf(rng.pick(["w1", randomString(rng, 80, false)])) };
    case "exec:input":
      return { execId: anyOf(randomString(rng, 40, false)), data: anyOf(randomString(rng, 100)), eof: anyOf(rng.chance(0.5)) };
    case "exec:resize":
      return { execId: anyOf(randomString(rng, 40, false)), cols: anyOf(rng.int(-5, 2000)), rows: anyOf(rng.int(-5, 2000)) };
    default:
      return randomJson(rng, 2);
  }
}

function browserSocket(): Promise<Socket> {
  const s = connect(`${cp.url}/browser`, { path: "/socket.io", transports: ["websocket"], reconnection: false, extraHeaders: { cookie, origin: cp.url } });
  return new Promise((resolve, reject) => {
    s.once("connect", () => resolve(s));
    s.once("connect_error", (e) => reject(e));
  });
}

test(`every browser socket event, fuzzed as an owner, is answered or ignored without crashing a handler (seed ${SEED})`, async () => {
  const rng = new Rng(SEED ^ 0x5eed);
  const failures: Failure[] = [];
  const since = cp.output().length;
  const socket = await browserSocket();
  socket.on("stream:data", (_m: unknown, ack?: () => void) => ack?.());
  socket.on("exec:data", (_m: unknown, ack?: () => void) => ack?.());
  try {
    const withAck = ["subscribe", "stream:open", "exec:start", "kube:watch"];
    const withoutAck = ["stream:close", "exec:input", "exec:resize", "exec:close", "kube:unwatch", "fuzz:unknown"];
    for (let i = 0; i < SOCKET_ROUNDS; i++) {
      for (const event of withAck) {
        const payload = socketPayload(event, rng);
        const what = `${event} ${clip(JSON.stringify(payload) ?? "undefined", 200)}`;
        try {
          const reply = (await socket.timeout(20_000).emitWithAck(event, payload)) as { ok?: unknown; error?: unknown; code?: unknown; streamId?: string; execId?: string; watchId?: string };
          if (typeof reply !== "object" || reply === null || typeof reply.ok !== "boolean") failures.push({ what, detail: `reply is not {ok}: ${clip(JSON.stringify(reply))}` });
          else if (!reply.ok && (typeof reply.error !== "string" || !reply.error || reply.code === "internal")) failures.push({ what, detail: `refused without a reason, or internal: ${clip(JSON.stringify(reply))}` });
          if (reply?.streamId) socket.emit("stream:close", { streamId: reply.streamId });
          if (reply?.execId) socket.emit("exec:close", { execId: reply.execId });
          if (reply?.watchId) socket.emit("kube:unwatch", { watchId: reply.watchId });
        } catch (e) {
          failures.push({ what, detail: `no acknowledgement: ${(e as Error).message}` });
        }
        if (!socket.connected) {
          failures.push({ what, detail: "the server closed the socket" });
          throw new Error(failures.map((f) => `${f.what} → ${f.detail}`).join("\n"));
        }
      }
      for (const event of withoutAck) {
        const payload = socketPayload(event, rng);
        // Sometimes with an acknowledgement the handler does not expect, or several arguments, or bytes.
        const r = rng.next();
        if (r < 0.2) socket.emit(event, payload, () => {});
        else if (r < 0.3) socket.emit(event, payload, randomJson(rng, 1, false), randomJson(rng, 1, false));
        else if (r < 0.4) socket.emit(event, Buffer.from(randomString(rng, 200, false)));
        else socket.emit(event, payload);
      }
      // Ack-events without the acknowledgement function must not throw either.
      socket.emit(rng.pick(withAck), socketPayload("stream:open", rng));
    }
    // A round trip after all of it: the connection still works.
    const reply = await socket.timeout(10_000).emitWithAck("subscribe", "hosts");
    assert.deepEqual(reply, { ok: true });
  } finally {
    socket.disconnect();
  }

  // A message over the socket's size limit ends that connection only.
  const big = await browserSocket();
  const closed = new Promise<string>((r) => big.once("disconnect", (reason) => r(reason)));
  big.emit("exec:input", { execId: "x", data: "x".repeat(2_000_000) });
  assert.match(await closed, /transport close|transport error/);

  assert.deepEqual(failures, [], `with GANTRY_FUZZ_SEED=${SEED}:\n${failures.map((f) => `${f.what}\n  → ${f.detail}`).join("\n")}`);
  await assertStillServing(since);
});

/** The control plane is alive, healthy, serves a normal request, and logged nothing alarming since `since`. */
async function assertStillServing(since: number) {
  assert.equal(cp.process.exitCode, null, `the control plane exited:\n${cp.output().slice(-4000)}`);
  const health = await fetch(`${cp.url}/api/health`);
  assert.equal(health.status, 200);
  const me = await api(cp).get("/api/v1/me", { authorization: `Bearer ${bearer}` });
  assert.equal(me.status, 200, JSON.stringify(me.body));
  const hosts = await api(cp, cookie).get(`/api/v1/hosts/${ids.online}`);
  assert.equal(hosts.status, 200);
  await waitFor("the connected host still online", async () => (await api(cp, cookie).get(`/api/v1/hosts/${ids.online}`)).body.status === "online", 10_000);
  const log = cp.output().slice(since);
  const first = (re: RegExp) => log.slice(Math.max(0, log.search(re) - 200), log.search(re) + 1500);
  const crash = /unhandledRejection|uncaughtException|Unhandled promise rejection/i;
  assert.doesNotMatch(log, crash, `a handler threw:\n${first(crash)}`);
  // Every mutation leaves an activity record, refused ones included.
  const lost = /could not write the activity record/;
  assert.doesNotMatch(log, lost, `an activity record was lost:\n${first(lost)}`);
}
