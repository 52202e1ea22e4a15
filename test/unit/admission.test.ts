// What the control plane does when too much arrives at once, and what agents do about it, in their pure parts: the
// bounded gate (lib/admission/gate.ts) lets a few in, queues some in order, refuses the rest at once with when to come
// back; a refusal is a 429 with Retry-After; the agent's join waits as long as it was told (and a random part more)
// and keeps its credential across tries; reconnections spread over the window the control plane gives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Gate } from "../../lib/admission/gate";
import { Throughput } from "../../lib/admission/throughput";
import { ReturnSlots } from "../../lib/admission/return-slots";
import { BusyError, busy } from "../../lib/errors";
import { toResponse } from "../../lib/http/respond";
import { joinWithToken } from "../../agent/join";
import { afterHint, backoffDelay, reconnectDelay, DEFAULT_BACKOFF } from "../../agent/backoff";
import { reconnectWindowFor } from "../../lib/hosts/reconnect-window";
import type { Clock } from "../../agent/clock";

test("the gate runs `concurrent` at once, queues `queued` more in order, and refuses the rest at once with a retry time", async () => {
  const gate = new Gate("joins", { concurrent: 2, queued: 2, minRetryMs: 500, maxRetryMs: 30_000 });
  const order: number[] = [];
  const releases: Array<() => void> = [];
  const job = (i: number) =>
    gate.run(async () => {
      order.push(i);
      await new Promise<void>((r) => releases.push(r));
      return i;
    });
  const running = [1, 2, 3, 4].map(job);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [1, 2], "two run, two wait");
  assert.equal(gate.load, 4);
  const refused = await job(5).catch((e) => e);
  assert.ok(refused instanceof BusyError, String(refused));
  assert.equal(refused.code, "too_many_requests");
  assert.ok(refused.retryAfterMs >= 500 && refused.retryAfterMs <= 30_000, String(refused.retryAfterMs));
  assert.match(refused.message, /too many joins at once: retry in \d+ s/);

  releases.shift()!();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [1, 2, 3], "a place freed goes to the first waiting, not to a newcomer");
  while (releases.length) {
    releases.shift()!();
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(await Promise.all(running), [1, 2, 3, 4]);
  assert.equal(gate.load, 0);
});

test("a gate refuses rather than queue work that would wait past maxWaitMs at the recent pace", async () => {
  const gate = new Gate("joins", { concurrent: 1, queued: 100, maxWaitMs: 1_000 });
  // A slow pace: each of the last 10 took 1 s, one at a time (1 a second).
  for (let i = 0; i < 10; i++) (gate as unknown as { pace: Throughput }).pace.done(1, 1_000);
  let release!: () => void;
  const first = gate.run(() => new Promise<void>((r) => (release = r)));
  const second = gate.run(async () => {}); // one ahead: about 1 s
  const third = await gate.run(async () => {}).catch((e) => e); // two ahead: about 2 s, past 1 s
  assert.ok(third instanceof BusyError, "refused at once");
  assert.equal(third.retryAfterMs, 2_000, "when the two ahead will be done");
  release();
  await Promise.all([first, second]);
});

test("the pace is what the recent work took, times how many run at once — not completions since the first one", () => {
  const pace = new Throughput(4, 100);
  assert.equal(pace.drainMs(50, 0, 60_000), 500, "assumed 100 a second before 8 are done");
  const now = 1_000_000;
  // A storm's first 50 ms: 8 joins done, 20 ms each, 4 at a time — 200 a second, though only 8 finished so far
  // (counting completions over a second read this as 8 a second: "retry in 25 s" for 200 waiting).
  for (let i = 0; i < 8; i++) pace.done(1, 20, now - 50 + i * 6);
  assert.equal(pace.perSecond(now), 200);
  assert.equal(pace.drainMs(200, 0, 60_000, now), 1_000);
  // Batches: 2 writers, batches of 250 pages taking 500 ms each: 1,000 pages a second.
  const pages = new Throughput(2, 500);
  pages.done(250, 500, now - 600);
  pages.done(250, 500, now);
  assert.equal(pages.perSecond(now), 1_000);
  assert.equal(pages.drainMs(2_000, 1_000, 30_000, now), 2_000);
  // The first few after a start are slow (modules loading, connections opening): they do not set the pace once more
  // have gone at the usual one (a mean of these — 8 of 1 s, 20 of 10 ms — says 10 a second, for "retry in 30 s").
  const warm = new Throughput(4, 100);
  for (let i = 0; i < 8; i++) warm.done(1, 1_000, now - 500);
  assert.equal(warm.perSecond(now), 4, "slow at first: 4 at once, 1 s each");
  for (let i = 0; i < 20; i++) warm.done(1, 10, now);
  assert.equal(warm.perSecond(now), 400);
  // Slow work is slow: 10 pieces of 1 s, one at a time.
  const slow = new Throughput(1, 100);
  for (let i = 0; i < 10; i++) slow.done(1, 1_000, now - 10 + i);
  assert.equal(slow.drainMs(50, 0, 60_000, now), 50_000);
  assert.equal(slow.drainMs(50, 0, 2_000, now), 2_000);
  assert.equal(slow.drainMs(0, 700, 2_000, now), 700);
  // An idle hour does not slow it: only work done counts, and what is older than the window is forgotten.
  assert.equal(slow.perSecond(now + 20_000), 100, "forgotten after the window: the assumed pace again");
});

test("those turned away at once are given slots one piece of work apart after the queue ahead, not all the same time", () => {
  const now = 1_000_000;
  const pace = new Throughput(1, 100); // 100 a second: 10 ms each
  const slots = new ReturnSlots(pace);
  // 10 queued ahead: the first comes back after 100 ms, each next one 10 ms later, none past the longest wait.
  assert.deepEqual([1, 2, 3, 4, 5].map(() => slots.take(10, 0, 120, now)), [100, 110, 120, 120, 120]);
  // Later, with the queue gone: the shortest wait, then one piece of work apart again.
  assert.deepEqual([slots.take(0, 500, 30_000, now + 10_000), slots.take(0, 500, 30_000, now + 10_000)], [500, 510]);
  // What was handed out is remembered: a queue of 5 (50 ms) does not bring the next one back before the slots given.
  assert.equal(slots.take(5, 0, 30_000, now + 10_000), 520);
});

test("a busy refusal is a 429 with Retry-After (whole seconds, rounded up) and the milliseconds in the body", async () => {
  const res = toResponse(busy("too many joins at once: retry in 3 s", 2_345));
  assert.equal(res.status, 429);
  assert.equal(res.headers.get("retry-after"), "3");
  assert.deepEqual(await res.json(), { error: { code: "too_many_requests", message: "too many joins at once: retry in 3 s", retryAfterMs: 2_345 } });
});

test("the agent's join waits out 429s as long as it was told (plus up to half), with the same credential, then joins", async () => {
  const bodies: Array<{ token: string; credential?: string }> = [];
  const server = createServer(async (req, res) => {
    let text = "";
    for await (const c of req) text += c;
    bodies.push(JSON.parse(text));
    if (bodies.length === 1) {
      res.writeHead(429, { "content-type": "application/json", "retry-after": "2" });
      return res.end(JSON.stringify({ error: { code: "too_many_requests", message: "too many joins at once", retryAfterMs: 1_500 } }));
    }
    if (bodies.length === 2) {
      res.writeHead(429, { "retry-after": "4" }); // an answer with only the header
      return res.end("busy");
    }
    res.writeHead(201, { "content-type": "application/json" });
    res.end(JSON.stringify({ hostId: 7, name: "h", credential: bodies[2]!.credential, protocolVersion: 1 }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  try {
    const waits: number[] = [];
    const clock: Clock = { now: () => Date.now(), setTimeout: (fn, ms) => (waits.push(ms), setImmediate(fn)), clearTimeout: () => {} };
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const facts = { hostname: "h" } as never;
    const logs: string[] = [];
    const joined = await joinWithToken(url, "gjt_" + "A".repeat(43), facts, { clock, random: () => 0.5, log: (m) => logs.push(m), attempts: 1 });
    assert.equal(joined.hostId, 7);
    assert.deepEqual(waits, [afterHint(1_500, () => 0.5), afterHint(4_000, () => 0.5)], "as told: the body's milliseconds, else the header's seconds");
    assert.deepEqual(waits, [1_875, 5_000]);
    assert.equal(bodies.length, 3, "429s do not use up the attempts (1 here)");
    assert.match(bodies[0]!.credential!, /^gch_[A-Za-z0-9_-]{43}$/);
    assert.ok(bodies.every((b) => b.credential === bodies[0]!.credential), "one credential for every try");
    assert.equal(joined.credential, bodies[0]!.credential);
    assert.match(logs[0]!, /is busy \(too many joins at once\); retrying in 1\.9 s/);
  } finally {
    server.close();
  }
});

test("a join the control plane took and did not answer in time is asked again without using up the attempts; a refused connection does use them", async () => {
  let seen = 0;
  const held: Array<import("node:http").ServerResponse> = [];
  const server = createServer(async (req, res) => {
    let text = "";
    for await (const c of req) text += c;
    // The first two are taken and never answered (a control plane swamped by a fleet joining at once).
    if (++seen <= 2) return void held.push(res);
    res.writeHead(201, { "content-type": "application/json" });
    res.end(JSON.stringify({ hostId: 8, name: "h", credential: JSON.parse(text).credential, protocolVersion: 1 }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const clock: Clock = { now: () => Date.now(), setTimeout: (fn) => setImmediate(fn), clearTimeout: () => {} };
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const logs: string[] = [];
  try {
    const joined = await joinWithToken(url, "gjt_" + "B".repeat(43), { hostname: "h" } as never, { clock, random: () => 0.5, log: (m) => logs.push(m), attempts: 1, answerWaitMs: 300 });
    assert.equal(joined.hostId, 8);
    assert.equal(seen, 3);
    assert.equal(logs.filter((l) => /took the join and did not answer within 0\.3 s; asking again in/.test(l)).length, 2, logs.join("\n"));
  } finally {
    for (const r of held) r.destroy();
    server.close();
  }
  // Nothing listens there (the server is closed, connections are refused): that is a failed attempt, and with 1
  // allowed, the join fails.
  // (Had it answered this join before — a 429 — the same would be a busy control plane: see the next test.)
  await assert.rejects(
    joinWithToken(url, "gjt_" + "B".repeat(43), { hostname: "h" } as never, { clock, random: () => 0.5, log: () => {}, attempts: 1, answerWaitMs: 300 }),
    /join failed: cannot reach .*ECONNREFUSED/,
  );
});

test("a control plane that answered a join (429) and then takes no connection for a while is busy, not gone: asked again until it answers", async () => {
  let seen = 0;
  let server = createServer(async (req, res) => {
    for await (const _ of req);
    seen++;
    res.writeHead(429, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "too_many_requests", message: "too many joins at once", retryAfterMs: 100 } }));
    // Then it takes no connection for a while (its accept queue full): here, nothing listens.
    server.close();
    server.closeAllConnections();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  const logs: string[] = [];
  let refusedTries = 0;
  // Three tries find nobody there, then it listens again and answers.
  const clock: Clock = {
    now: () => Date.now(),
    setTimeout: (fn) => {
      if (/it answered before: busy/.test(logs.at(-1) ?? "") && ++refusedTries === 3) {
        server = createServer(async (req, res) => {
          let text = "";
          for await (const c of req) text += c;
          res.writeHead(201, { "content-type": "application/json" });
          res.end(JSON.stringify({ hostId: 9, name: "h", credential: JSON.parse(text).credential, protocolVersion: 1 }));
        });
        server.listen(port, "127.0.0.1", () => fn());
      } else setImmediate(fn);
      return 0;
    },
    clearTimeout: () => {},
  };
  try {
    const joined = await joinWithToken(url, "gjt_" + "C".repeat(43), { hostname: "h" } as never, { clock, random: () => 0.5, log: (m) => logs.push(m), attempts: 1 });
    assert.equal(joined.hostId, 9);
    assert.equal(seen, 1);
    assert.equal(logs.filter((l) => /cannot reach .*ECONNREFUSED \(it answered before: busy\); asking again in/.test(l)).length, 3, logs.join("\n"));
  } finally {
    server.close();
  }
});

test("reconnection after a lost connection: the first anywhere in the window, then back-off no faster than half a window and no slower than two", () => {
  // The window the control plane gives grows with the fleet (5 ms a host: 200 reconnections a second), from 1 s to 5 min.
  assert.deepEqual([10, 300, 5_000, 1_000_000].map(reconnectWindowFor), [1_000, 1_500, 25_000, 300_000]);
  const p = DEFAULT_BACKOFF;
  // No window (a control plane that never said): plain back-off.
  for (const n of [0, 1, 5, 9]) assert.equal(reconnectDelay(n, p, 0, () => 0.3), backoffDelay(n, p, () => 0.3));
  // 5,000 hosts: a 25 s window. The first attempt lands anywhere in it.
  assert.equal(reconnectDelay(0, p, 25_000, () => 0), 0);
  assert.equal(reconnectDelay(0, p, 25_000, () => 0.999), 24_975);
  // Later ones: between half a window and the cap (30 s, the policy's — two windows would be 50 s).
  for (const n of [1, 2, 3, 6, 30, 1000]) {
    const low = reconnectDelay(n, p, 25_000, () => 0);
    const high = reconnectDelay(n, p, 25_000, () => 0.999999);
    assert.ok(low >= 12_500 && high <= 30_000, `attempt ${n}: ${low}..${high}`);
  }
  // 300 hosts: a 1.5 s window; retries stay within 5 s, so the fleet is back soon after its control plane.
  const small = [1, 2, 3, 4, 10].map((n) => reconnectDelay(n, p, 1_500, () => 0.999999));
  assert.deepEqual(small, [2_000, 4_000, 5_000, 5_000, 5_000]);
  // 100,000 hosts: a window past the cap is the cap.
  assert.equal(reconnectDelay(7, p, 300_000, () => 0.999999), 300_000);
});
