// Containers through the REST API with an API token, against a real agent: run, list, inspect, stop, start, remove;
// bad input is a 4xx naming the problem; each role gets what the policy grants; every mutation lands in the activity
// record with the token that made it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { api, userSession } from "../support/session";
import { waitFor } from "../support/agent";
import { startFleetHost, type FleetHost } from "../support/fleet-host";

let f: FleetHost;
const tokens: Record<string, string> = {};
const as = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });

before(async () => {
  f = await startFleetHost("gap");
  for (const role of ["operator", "viewer"] as const) {
    const { cookie } = await userSession(f.cp, f.ownerCookie, role);
    tokens[role] = (await api(f.cp, cookie).post("/api/v1/tokens", { name: role })).body.token;
  }
});

after(async () => {
  await f?.destroy();
});

test("run, list, inspect, stop, start and remove a container with an operator's token", async () => {
  const c = api(f.cp);
  const base = `/api/v1/hosts/${f.hostId}/containers`;
  const run = await c.post(base, { image: f.image, name: "api-one", cmd: ["sleep", "300"], network: "none", labels: { team: "api" } }, as("operator"));
  assert.equal(run.status, 201, JSON.stringify(run.body));
  assert.equal(run.body.container.state, "running");
  const id = run.body.id as string;

  const list = await c.get(base, as("viewer"));
  assert.equal(list.status, 200);
  assert.ok(list.body.some((x: { id: string; name: string }) => x.id === id && x.name === "api-one"));

  // The fleet-wide list comes from the inventory, which the agent's events keep current.
  const fleet = await waitFor("the container in the inventory", async () => {
    const r = await c.get(`/api/v1/containers?host=${f.hostId}&name=API-ONE&label=team%3Dapi&state=running`, as("viewer"));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.total === 1 ? r.body : undefined;
  });
  assert.equal(fleet.items?.[0]?.id, id, JSON.stringify(fleet));
  assert.equal(fleet.items[0].hostId, f.hostId);
  assert.equal((await c.get(`/api/v1/containers?label=team%3Dother`, as("viewer"))).body.total, 0);
  assert.equal((await c.get(`/api/v1/containers?sort=size`, as("viewer"))).status, 422);

  const inspect = await c.get(`${base}/api-one`, as("viewer"));
  assert.equal(inspect.status, 200);
  assert.equal(inspect.body.Id ?? inspect.body.id, id);

  const denied = await c.post(`${base}/api-one/actions`, { action: "stop" }, as("viewer"));
  assert.equal(denied.status, 403);

  const stop = await c.post(`${base}/api-one/actions`, { action: "stop", timeoutSeconds: 1 }, as("operator"));
  assert.equal(stop.status, 200, JSON.stringify(stop.body));
  assert.equal(stop.body.changed, true);
  assert.equal((await c.get(base, as("viewer"))).body.some((x: { id: string }) => x.id === id), false, "a stopped container is not listed without all");
  assert.ok((await c.get(`${base}?all=true`, as("viewer"))).body.some((x: { id: string; state: string }) => x.id === id && x.state === "exited"));

  assert.equal((await c.post(`${base}/api-one/actions`, { action: "start" }, as("operator"))).status, 200);
  const inUse = await c.delete(`${base}/api-one`, as("operator"));
  assert.equal(inUse.status, 409, JSON.stringify(inUse.body));
  const rm = await c.delete(`${base}/api-one?force=true`, as("operator"));
  assert.equal(rm.status, 200, JSON.stringify(rm.body));
  assert.equal((await c.get(`${base}/api-one`, as("viewer"))).status, 404);

  const activity = await api(f.cp, f.ownerCookie).get(`/api/v1/activity?action=containers.&pageSize=20`);
  const mine = (activity.body.items as Array<{ target: string; outcome: string; tokenId: string | null; details: { method: string } }>).reverse();
  assert.deepEqual(
    mine.map((r) => `${r.details.method} ${r.target} ${r.outcome}`),
    [
      `POST hosts/${f.hostId}/containers ok`,
      `POST hosts/${f.hostId}/containers/api-one/actions ok`,
      `POST hosts/${f.hostId}/containers/api-one/actions ok`,
      `DELETE hosts/${f.hostId}/containers/api-one conflict`,
      `DELETE hosts/${f.hostId}/containers/api-one ok`,
    ],
  );
  assert.ok(mine.every((r) => r.tokenId), "each row names the token used");
});

test("a run that cannot start (its port is taken) leaves nothing behind: a retry under the same name runs", async () => {
  const c = api(f.cp);
  const base = `/api/v1/hosts/${f.hostId}/containers`;
  // Another program holds the port on the host's loopback.
  const { createServer } = await import("node:net");
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, "127.0.0.1", () => r()));
  const port = (holder.address() as { port: number }).port;
  const spec = { image: f.image, name: "api-port-clash", cmd: ["sleep", "300"], ports: [{ host: port, hostIp: "127.0.0.1", container: 80 }] };
  try {
    const failed = await c.post(base, spec, as("operator"));
    assert.equal(failed.status, 409, JSON.stringify(failed.body));
    assert.match(failed.body.error.message, /port is already allocated/);
    // "Not run" means not there at all, not a container left in "created" under that name.
    assert.equal((await c.get(`${base}/api-port-clash`, as("viewer"))).status, 404);
    const all = await c.get(`${base}?all=true`, as("viewer"));
    assert.equal(all.body.some((x: { name: string }) => x.name === "api-port-clash"), false, JSON.stringify(all.body));
  } finally {
    await new Promise<void>((r) => holder.close(() => r()));
  }
  const retry = await c.post(base, spec, as("operator"));
  assert.equal(retry.status, 201, JSON.stringify(retry.body));
  assert.equal(retry.body.container.state, "running");
  assert.equal((await c.delete(`${base}/api-port-clash?force=true`, as("operator"))).status, 200);
});

test("bad input is a 4xx that names the problem, never a 500", async () => {
  const c = api(f.cp);
  const base = `/api/v1/hosts/${f.hostId}/containers`;
  const cases: Array<[string, string, unknown, number, RegExp]> = [
    ["POST", base, { name: "x" }, 422, /image/],
    ["POST", base, { image: f.image, ports: [{ container: 70000 }] }, 422, /ports/],
    ["POST", base, { image: f.image, bogus: 1 }, 422, /bogus|Unrecognized/i],
    ["POST", `${base}/x/actions`, { action: "explode" }, 422, /action/],
    ["POST", `${base}/x/actions`, { action: "start", signal: "SIGKILL" }, 422, /signal applies to kill only/],
    ["GET", `/api/v1/hosts/abc/containers`, undefined, 400, /host id/],
    ["GET", `${base}?all=maybe`, undefined, 422, /all/],
    ["DELETE", `/api/v1/hosts/${f.hostId}/images`, undefined, 422, /ref/],
    ["POST", `${base}/no-such-container/actions`, { action: "stop" }, 404, /no-such-container|not found/i],
    ["GET", `/api/v1/hosts/424242/containers`, undefined, 404, /host/],
  ];
  for (const [method, path, body, status, message] of cases) {
    const r = await c.request(method, path, body, as("operator"));
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
    assert.match(r.body.error.message, message, `${method} ${path}`);
  }
});

test("images and metrics of a host", async () => {
  const c = api(f.cp);
  const images = await c.get(`/api/v1/hosts/${f.hostId}/images`, as("viewer"));
  assert.equal(images.status, 200);
  assert.ok(images.body.some((i: { repoTags: string[] }) => i.repoTags.includes(f.image)));
  const target = `${f.registry.host}/busybox:api-tag`;
  assert.equal((await c.post(`/api/v1/hosts/${f.hostId}/images/tag`, { source: f.image, target }, as("viewer"))).status, 403);
  assert.equal((await c.post(`/api/v1/hosts/${f.hostId}/images/tag`, { source: f.image, target }, as("operator"))).status, 201);
  assert.ok((await c.get(`/api/v1/hosts/${f.hostId}/images`, as("viewer"))).body.some((i: { repoTags: string[] }) => i.repoTags.includes(target)));
  const rm = await c.delete(`/api/v1/hosts/${f.hostId}/images?ref=${encodeURIComponent(target)}`, as("operator"));
  assert.equal(rm.status, 200, JSON.stringify(rm.body));
  const metrics = await c.get(`/api/v1/hosts/${f.hostId}/metrics`, as("viewer"));
  assert.equal(metrics.status, 200);
  assert.ok(metrics.body.memory.totalBytes > 0);
  assert.ok(metrics.body.cpuPercent >= 0);
});

test("image prune: untagged images go (a viewer may not), tagged ones stay; with all, every image no container uses", async () => {
  const { makeImage, makeLayer, pushImage } = await import("../support/images");
  const c = api(f.cp);
  const ref = `${f.registry.host}/prune-me:v1`;
  const pull = async () => {
    const res = await fetch(`${f.cp.url}/api/v1/hosts/${f.hostId}/images/pull`, { method: "POST", headers: { ...as("operator"), "content-type": "application/json" }, body: JSON.stringify({ ref }) });
    assert.deepEqual((await ndjson(res)).at(-1), { end: true });
  };
  const list = async () => (await c.get(`/api/v1/hosts/${f.hostId}/images`, as("viewer"))).body as Array<{ id: string; repoTags: string[] }>;
  // The tag moves to a new image: the first is left untagged (dangling).
  await pushImage(f.registry.host, "prune-me", "v1", makeImage([await makeLayer([{ name: "one.txt", type: "file", mode: 0o644, body: Buffer.from("one") }])]));
  await pull();
  const first = (await list()).find((i) => i.repoTags.includes(ref))!.id;
  await pushImage(f.registry.host, "prune-me", "v1", makeImage([await makeLayer([{ name: "two.txt", type: "file", mode: 0o644, body: Buffer.from("two") }])]));
  await pull();
  const second = (await list()).find((i) => i.repoTags.includes(ref))!.id;
  assert.notEqual(first, second);
  assert.deepEqual((await list()).find((i) => i.id === first)?.repoTags, []);

  assert.equal((await c.post(`/api/v1/hosts/${f.hostId}/images/prune`, {}, as("viewer"))).status, 403);
  assert.equal((await c.post(`/api/v1/hosts/${f.hostId}/images/prune`, { all: "yes" }, as("operator"))).status, 422);
  const pruned = await c.post(`/api/v1/hosts/${f.hostId}/images/prune`, {}, as("operator"));
  assert.equal(pruned.status, 200, JSON.stringify(pruned.body));
  assert.ok(pruned.body.deleted.includes(first), JSON.stringify(pruned.body));
  assert.ok(!pruned.body.deleted.includes(second));
  // Its digest reference (repo@sha256:…, left by the pull) goes with it, as dockerd's prune does; no tag does.
  assert.ok((pruned.body.untagged as string[]).every((u) => u.includes("@sha256:")), JSON.stringify(pruned.body));
  const after = await list();
  assert.ok(!after.some((i) => i.id === first), "the untagged image is gone");
  assert.ok(after.some((i) => i.repoTags.includes(ref)) && after.some((i) => i.repoTags.includes(f.image)), "tagged images stay");

  // all: the tagged image no container uses goes too; the one a container uses stays.
  const user = await c.post(`/api/v1/hosts/${f.hostId}/containers`, { image: f.image, name: "api-prune-user", cmd: ["sleep", "60"], network: "none" }, as("operator"));
  assert.equal(user.status, 201, JSON.stringify(user.body));
  try {
    const all = await c.post(`/api/v1/hosts/${f.hostId}/images/prune`, { all: true }, as("operator"));
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.ok(all.body.deleted.includes(second) && all.body.untagged.includes(ref), JSON.stringify(all.body));
    assert.ok((await list()).some((i) => i.repoTags.includes(f.image)), "the image a container uses stays");
  } finally {
    await c.delete(`/api/v1/hosts/${f.hostId}/containers/api-prune-user?force=true`, as("operator"));
  }
  const rows = (await api(f.cp, f.ownerCookie).get("/api/v1/activity?action=images.manage")).body.items as Array<{ text: string }>;
  assert.ok(rows.some((r) => /pruned untagged images on host .* \(1 image, \d+ bytes freed\)/.test(r.text)), rows.map((r) => r.text).join("\n"));
});

test("search: hosts by name and id, containers by name, id prefix, image and label, images by tag and id; bad input names q", async () => {
  const c = api(f.cp);
  const ran = await c.post(`/api/v1/hosts/${f.hostId}/containers`, { image: f.image, name: "api-findme", cmd: ["sleep", "60"], network: "none", labels: { squad: "falcon" } }, as("operator"));
  assert.equal(ran.status, 201, JSON.stringify(ran.body));
  const id = ran.body.id as string;
  try {
    await waitFor("api-findme in the inventory", async () => (await c.get(`/api/v1/containers?name=api-findme`, as("viewer"))).body.total === 1);
    const search = async (q: string) => {
      const r = await c.get(`/api/v1/search?q=${encodeURIComponent(q)}`, as("viewer"));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body as { hosts: Array<{ id: number }>; containers: Array<{ id: string; name: string }>; images: Array<{ repoTags: string[]; id: string }> };
    };
    for (const q of ["FINDME", id.slice(0, 8), "squad=falcon", "squad"]) {
      assert.ok((await search(q)).containers.some((x) => x.id === id), `container by ${q}`);
    }
    assert.ok(!(await search("squad=eagle")).containers.some((x) => x.id === id));
    const hostName = (await c.get(`/api/v1/hosts/${f.hostId}`, as("viewer"))).body.name as string;
    assert.ok((await search(hostName)).hosts.some((h) => h.id === f.hostId));
    assert.ok((await search(String(f.hostId))).hosts.some((h) => h.id === f.hostId));
    const byTag = await search("busybox");
    const img = byTag.images.find((i) => i.repoTags.includes(f.image));
    assert.ok(img, JSON.stringify(byTag.images));
    assert.ok((await search(img!.id.slice(7, 19))).images.some((i) => i.id === img!.id), "image by id prefix");
    // LIKE's wildcards are taken literally.
    assert.equal((await search("%")).images.length, 0);
    const bad = await c.get(`/api/v1/search?q=`, as("viewer"));
    assert.equal(bad.status, 422);
    assert.match(JSON.stringify(bad.body), /q/);
  } finally {
    await c.delete(`/api/v1/hosts/${f.hostId}/containers/${id}?force=true`, as("operator"));
  }
});

async function ndjson(res: Response, stopWhen?: (lines: any[]) => boolean): Promise<any[]> {
  const lines: any[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
    if (stopWhen?.(lines)) {
      await reader.cancel();
      break;
    }
  }
  return lines;
}

test("logs stream as NDJSON lines, stdout and stderr told apart, with follow; viewers may not read them", async () => {
  const c = api(f.cp);
  const base = `/api/v1/hosts/${f.hostId}/containers`;
  const script = "echo out-1; echo err-1 >&2; echo out-2; sleep 1; echo late; sleep 300";
  const run = await c.post(base, { image: f.image, name: "api-logs", cmd: ["sh", "-c", script], network: "none" }, as("operator"));
  assert.equal(run.status, 201, JSON.stringify(run.body));

  assert.equal((await c.get(`${base}/api-logs/logs`, as("viewer"))).status, 403);
  const followed = await fetch(`${f.cp.url}${base}/api-logs/logs?follow=true&timestamps=true`, { headers: as("operator") });
  assert.equal(followed.status, 200);
  assert.match(followed.headers.get("content-type") ?? "", /application\/x-ndjson/);
  const lines = await ndjson(followed, (l) => l.some((x) => x.line === "late"));
  // Each stream keeps its order; across the two pipes, as with docker, only the timestamps order them.
  assert.deepEqual(lines.filter((l) => l.stream === "stdout").map((l) => l.line), ["out-1", "out-2", "late"]);
  assert.deepEqual(lines.filter((l) => l.stream === "stderr").map((l) => l.line), ["err-1"]);
  assert.ok(lines.every((l) => typeof l.time === "string" && !Number.isNaN(Date.parse(l.time))));

  const once = await fetch(`${f.cp.url}${base}/api-logs/logs?tail=1&stderr=false`, { headers: as("operator") });
  const tail = await ndjson(once);
  assert.deepEqual(tail, [{ stream: "stdout", time: tail[0].time, line: "late", partial: false }, { end: true }]);

  const missing = await c.get(`${base}/no-such/logs`, as("operator"));
  assert.equal(missing.status, 404);
  assert.equal((await c.get(`${base}/api-logs/logs?tail=-3`, as("operator"))).status, 422);
  assert.equal((await c.delete(`${base}/api-logs?force=true`, as("operator"))).status, 200);
});

test("exec over the /browser socket with a token: output, exit code, viewers refused, sessions in the activity record", async () => {
  const { io: connect } = await import("socket.io-client");
  const c = api(f.cp);
  const base = `/api/v1/hosts/${f.hostId}/containers`;
  assert.equal((await c.post(base, { image: f.image, name: "api-exec", cmd: ["sleep", "300"], network: "none" }, as("operator"))).status, 201);
  const open = async (role: string) => {
    const s = connect(`${f.cp.url}/browser`, { transports: ["websocket"], reconnection: false, extraHeaders: as(role) });
    await new Promise<void>((resolve, reject) => (s.once("connect", () => resolve()), s.once("connect_error", reject)));
    return s;
  };
  const viewer = await open("viewer");
  const refused = (await viewer.timeout(10_000).emitWithAck("exec:start", { hostId: f.hostId, container: "api-exec", cmd: ["id"] })) as { ok: boolean; error: string };
  viewer.close();
  assert.equal(refused.ok, false);
  assert.match(refused.error, /forbidden.*containers\.exec/);

  const s = await open("operator");
  try {
    let out = "";
    const ended = new Promise<{ exitCode?: number }>((resolve) => {
      s.on("exec:data", (m: { data: string }, ack: () => void) => ((out += m.data), ack()));
      s.on("exec:end", (m: { exitCode?: number }) => resolve(m));
    });
    const started = (await s.timeout(20_000).emitWithAck("exec:start", { hostId: f.hostId, container: "api-exec", cmd: ["sh", "-c", "echo inside-$((6*7)); exit 3"] })) as { ok: boolean; execId: string };
    assert.equal(started.ok, true, JSON.stringify(started));
    assert.equal((await ended).exitCode, 3);
    assert.match(out, /inside-42/);
    const bad = (await s.timeout(10_000).emitWithAck("exec:start", { hostId: f.hostId, container: "api-exec", cmd: [] })) as { ok: boolean; error: string };
    assert.equal(bad.ok, false);
    assert.match(bad.error, /cmd: a command is required/);
  } finally {
    s.close();
  }
  type Row = { target: string; details: { event: string; cmd?: string[]; exitCode?: number }; tokenId: string; ip: string };
  let rows: Row[] = [];
  // The session's end is recorded as the exec ends, alongside telling the client: it may land a moment after exec:end.
  for (let i = 0; i < 50; i++) {
    rows = (await api(f.cp, f.ownerCookie).get("/api/v1/activity?action=containers.exec")).body.items as Row[];
    if (rows.some((r) => r.details.event === "end" && r.details.exitCode === 3)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const start = rows.find((r) => r.details.event === "start" && r.details.cmd?.[0] === "sh");
  const end = rows.find((r) => r.details.event === "end" && r.details.exitCode === 3);
  assert.ok(start && end, JSON.stringify(rows));
  assert.equal(start.target, `hosts/${f.hostId}/containers/api-exec`);
  assert.ok(start.tokenId);
  assert.match(start.ip, /^(127\.0\.0\.1|::1)$/);
  assert.equal((await c.delete(`${base}/api-exec?force=true`, as("operator"))).status, 200);
});

test("pull streams progress and the image appears on the host", async () => {
  const { makeImage, makeLayer, pushImage } = await import("../support/images");
  await pushImage(f.registry.host, "pulled", "v1", makeImage([await makeLayer([{ name: "hello.txt", type: "file", mode: 0o644, body: Buffer.from("hello") }])]));
  const ref = `${f.registry.host}/pulled:v1`;
  const denied = await api(f.cp).post(`/api/v1/hosts/${f.hostId}/images/pull`, { ref }, as("viewer"));
  assert.equal(denied.status, 403);
  const res = await fetch(`${f.cp.url}/api/v1/hosts/${f.hostId}/images/pull`, { method: "POST", headers: { ...as("operator"), "content-type": "application/json" }, body: JSON.stringify({ ref }) });
  assert.equal(res.status, 200);
  const lines = await ndjson(res);
  assert.deepEqual(lines.at(-1), { end: true });
  assert.ok(lines.length > 1, "progress events before the end");
  const images = await api(f.cp).get(`/api/v1/hosts/${f.hostId}/images`, as("viewer"));
  assert.ok(images.body.some((i: { repoTags: string[] }) => i.repoTags.includes(ref)));
  const bad = await fetch(`${f.cp.url}/api/v1/hosts/${f.hostId}/images/pull`, { method: "POST", headers: { ...as("operator"), "content-type": "application/json" }, body: JSON.stringify({ ref: `${f.registry.host}/nothing:here` }) });
  const badLines = bad.status === 200 ? await ndjson(bad) : [];
  assert.ok(bad.status >= 400 ? bad.status < 500 : typeof badLines.at(-1)?.error === "string", `a missing image is reported: ${bad.status} ${JSON.stringify(badLines)}`);
});

test("the /browser streams: live logs in order with stdout and stderr apart, stats samples, pull progress; each by its permission", async () => {
  const { io: connect } = await import("socket.io-client");
  const c = api(f.cp);
  const base = `/api/v1/hosts/${f.hostId}/containers`;
  const cmd = ["sh", "-c", "echo one; echo two >&2; sleep 1; for i in 1 2 3; do echo late-$i; done; sleep 300"];
  assert.equal((await c.post(base, { image: f.image, name: "api-streams", cmd, network: "none" }, as("operator"))).status, 201);
  const open = async (role: string) => {
    const s = connect(`${f.cp.url}/browser`, { transports: ["websocket"], reconnection: false, extraHeaders: as(role) });
    await new Promise<void>((resolve, reject) => (s.once("connect", () => resolve()), s.once("connect_error", reject)));
    return s;
  };
  const viewer = await open("viewer");
  try {
    const logs = (await viewer.timeout(10_000).emitWithAck("stream:open", { hostId: f.hostId, spec: { kind: "logs", id: "api-streams" } })) as { ok: boolean; error: string };
    assert.equal(logs.ok, false);
    assert.match(logs.error, /forbidden.*containers\.logs/);
    const pull = (await viewer.timeout(10_000).emitWithAck("stream:open", { hostId: f.hostId, spec: { kind: "image.pull", ref: f.image } })) as { ok: boolean; error: string };
    assert.match(pull.error, /forbidden.*images\.manage/);
    // Viewers may watch a container's resource use.
    const stats = (await viewer.timeout(10_000).emitWithAck("stream:open", { hostId: f.hostId, spec: { kind: "stats", id: "api-streams" } })) as { ok: boolean; streamId: string };
    assert.equal(stats.ok, true, JSON.stringify(stats));
    const sample = await new Promise<{ memory_stats: { usage: number }; cpu_stats: unknown }>((resolve) =>
      viewer.on("stream:data", (m: { streamId: string; chunks: Array<{ stream: string; data: string }> }, ack: () => void) => {
        ack();
        if (m.streamId === stats.streamId) resolve(JSON.parse(m.chunks[0].data));
      }),
    );
    assert.ok(sample.memory_stats.usage > 0, JSON.stringify(sample.memory_stats));
    assert.ok(sample.cpu_stats);
    viewer.emit("stream:close", { streamId: stats.streamId });
  } finally {
    viewer.close();
  }

  const s = await open("operator");
  try {
    const got: Array<{ stream: string; data: string; time?: string }> = [];
    let ended: unknown = null;
    s.on("stream:data", (m: { chunks: typeof got }, ack: () => void) => (got.push(...m.chunks), ack()));
    s.on("stream:end", (m: unknown) => (ended = m));
    const opened = (await s.timeout(20_000).emitWithAck("stream:open", { hostId: f.hostId, spec: { kind: "logs", id: "api-streams", follow: true, timestamps: true } })) as { ok: boolean; streamId: string };
    assert.equal(opened.ok, true, JSON.stringify(opened));
    await waitFor("the late lines, followed live", async () => got.some((g) => g.data.includes("late-3")), 20_000);
    assert.deepEqual(got.filter((g) => g.stream === "stdout").map((g) => g.data.trim()), ["one", "late-1", "late-2", "late-3"]);
    assert.deepEqual(got.filter((g) => g.stream === "stderr").map((g) => g.data.trim()), ["two"]);
    assert.ok(got.every((g) => g.time && !Number.isNaN(Date.parse(g.time))));
    assert.equal(ended, null, "a followed stream stays open");
    s.emit("stream:close", { streamId: opened.streamId });

    const bad = (await s.timeout(10_000).emitWithAck("stream:open", { hostId: f.hostId, spec: { kind: "logs", id: "api-streams", tail: -1 } })) as { ok: boolean; error: string };
    assert.equal(bad.ok, false);
    assert.match(bad.error, /tail/);
    const missing = (await s.timeout(10_000).emitWithAck("stream:open", { hostId: f.hostId, spec: { kind: "logs", id: "no-such" } })) as { ok: boolean; error: string };
    assert.match(missing.error, /no-such|not found|no such/i);

    const pullEnd = new Promise<{ streamId: string; exitCode?: number; error?: string }>((resolve) => s.on("stream:end", resolve));
    const events: string[] = [];
    s.on("stream:data", (m: { chunks: Array<{ stream: string; data: string }> }) => events.push(...m.chunks.filter((x) => x.stream === "event").map((x) => x.data)));
    const pull = (await s.timeout(20_000).emitWithAck("stream:open", { hostId: f.hostId, spec: { kind: "image.pull", ref: f.image } })) as { ok: boolean; streamId: string };
    assert.equal(pull.ok, true, JSON.stringify(pull));
    const end = await pullEnd;
    assert.equal(end.streamId, pull.streamId);
    assert.equal(end.exitCode, 0, JSON.stringify(end));
    assert.ok(events.some((e) => JSON.parse(e).status === "done"), events.join("\n"));
  } finally {
    s.close();
  }
  const rows = (await api(f.cp, f.ownerCookie).get("/api/v1/activity?action=images.manage")).body.items as Array<{ details: { event?: string; ref?: string } }>;
  assert.ok(rows.some((r) => r.details?.event === "pull" && r.details.ref === f.image), "the pull is in the activity record");
  assert.equal((await c.delete(`${base}/api-streams?force=true`, as("operator"))).status, 200);
});

test("closing an exec — the browser's socket going away, `gantry exec` interrupted — ends its processes in the container", async () => {
  const { io: connect } = await import("socket.io-client");
  const { execFile, spawn } = await import("node:child_process");
  const { join } = await import("node:path");
  const { REPO_ROOT } = await import("../support/bundle");
  const c = api(f.cp);
  const base = `/api/v1/hosts/${f.hostId}/containers`;
  assert.equal((await c.post(base, { image: f.image, name: "api-exec-close", cmd: ["sleep", "3600"], network: "none" }, as("operator"))).status, 201);
  // What runs in the container, as `docker top` lists it through the host's own engine (-e: with a terminal too).
  const top = () =>
    new Promise<string[]>((resolve, reject) =>
      execFile("/usr/local/bin/docker", ["top", "api-exec-close", "-eo", "pid,args"], { env: { ...process.env, DOCKER_HOST: `unix://${join(f.agent.root, "docker.sock")}` } }, (e, out) =>
        e ? reject(e) : resolve(String(out).split("\n").slice(1).map((l) => l.trim().replace(/^\d+\s+/, "")).filter(Boolean)),
      ),
    );
  const gone = (marker: string) => waitFor(`the exec's ${marker} to end`, async () => ((await top()).some((a) => a.includes(marker)) ? undefined : true), 15_000);

  // The browser's terminal: its socket closes without an exec:close.
  const s = connect(`${f.cp.url}/browser`, { transports: ["websocket"], reconnection: false, extraHeaders: as("operator") });
  await new Promise<void>((resolve, reject) => (s.once("connect", () => resolve()), s.once("connect_error", reject)));
  const started = (await s.timeout(20_000).emitWithAck("exec:start", { hostId: f.hostId, container: "api-exec-close", cmd: ["sh", "-c", "sleep 301; echo never"] })) as { ok: boolean };
  assert.equal(started.ok, true, JSON.stringify(started));
  await waitFor("the exec's sleep", async () => ((await top()).includes("sleep 301") ? true : undefined), 15_000);
  s.close();
  await gone("sleep 301");

  // `gantry exec` (no TTY) interrupted with ^C.
  const cli = spawn(process.execPath, [join(REPO_ROOT, "bin/gantry.mjs"), "exec", `${f.hostId}/api-exec-close`, "sh", "-c", "sleep 302; echo never"], {
    env: { ...process.env, GANTRY_URL: f.cp.url, GANTRY_TOKEN: tokens.operator! },
    stdio: "pipe",
  });
  try {
    await waitFor("the CLI exec's sleep", async () => ((await top()).includes("sleep 302") ? true : undefined), 20_000);
    cli.kill("SIGINT");
    await gone("sleep 302");
  } finally {
    cli.kill("SIGKILL");
  }
  assert.deepEqual(await top(), ["sleep 3600"], "only the container's own process is left");
  assert.equal((await c.delete(`${base}/api-exec-close?force=true`, as("operator"))).status, 200);
});
