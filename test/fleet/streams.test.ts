// Streams from a host through lib/fleet (real control plane database, real agent gateway, real agent and engine):
// image pull progress, logs (stdout/stderr apart, tail, follow to the container's end), exec with stdin and exit code,
// and the slow-consumer case: a log reader that stops granting credit holds at most its window on the server and does
// not slow a second reader of the same chatty container; given credit again it carries on without a gap.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { setupOwner, signIn } from "../support/session";
import { mintJoinToken, startAgent, waitFor, type AgentProcess } from "../support/agent";
import { GANTRY_RUNTIME } from "../support/bundle";
import { makeImage, makeLayer, pushImage } from "../support/images";
import { startRegistry, type TestRegistry } from "../support/registry";
import { busyboxImage, startCommandPlane, type CommandPlane } from "./support";

describe("fleet streams", () => {
  let cp: ControlPlane;
  let plane: CommandPlane;
  let registry: TestRegistry;
  let agent: AgentProcess;
  let work: string;
  let hostId: number;
  let image: string;
  let fleet: typeof import("@/lib/fleet");
  const actor = { actorId: null };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "gantry-fleet-streams-"));
    [cp, registry] = await Promise.all([startControlPlane(), startRegistry("open")]);
    await pushImage(registry.host, "busybox", "latest", makeImage([await makeLayer(busyboxImage())], { cmd: ["sh"] }));
    image = `${registry.host}/busybox:latest`;
    const owner = await setupOwner(cp);
    const { token } = await mintJoinToken(cp.url, await signIn(cp, owner.email, owner.password));
    plane = await startCommandPlane(cp);
    fleet = await import("@/lib/fleet");
    agent = startAgent({
      root: join(work, "root"),
      serverUrl: plane.url,
      token,
      env: {
        GANTRY_RUNTIME,
        GANTRY_BRIDGE: "gfs0",
        GANTRY_BRIDGE_SUBNET: "10.192.0.0/16",
        GANTRY_NETWORK_POOL: "10.193.0.0/16",
        GANTRY_CHAIN_PREFIX: "GFS",
        // The test registry listens on loopback: pulls the control plane asks for may use it only when allowed.
        GANTRY_ALLOWED_LOOPBACK_REGISTRIES: registry.host,
      },
    });
    await agent.waitForOutput(/joined .* as host (\d+)/);
    hostId = Number(/joined .* as host (\d+)/.exec(agent.output())![1]);
    await waitFor("the host to connect", async () => (await import("@/lib/fleet/dispatch-command")).agentSocket(hostId) !== null);
  });

  after(async () => {
    if (fleet && hostId) {
      const all = (await fleet.sendCommand(hostId, { kind: "container.list", all: true }, actor).catch(() => ({ result: [] }))) as { result: { id: string }[] };
      for (const c of all.result) await fleet.sendCommand(hostId, { kind: "container.remove", id: c.id, force: true }, actor).catch(() => {});
    }
    await agent?.stop();
    await plane?.close();
    await Promise.all([cp?.destroy(), registry?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  /** Opens a stream and collects it; `grant` false makes a consumer that never gives credit back. */
  async function collect(spec: Parameters<typeof fleet.openStream>[1], o: { grant?: boolean; windowBytes?: number } = {}) {
    const chunks: { stream: string; data: string; time?: string; partial?: boolean }[] = [];
    let bytes = 0;
    let resolveEnd!: (r: { exitCode?: number; error?: string }) => void;
    const ended = new Promise<{ exitCode?: number; error?: string }>((r) => (resolveEnd = r));
    let handle: Awaited<ReturnType<typeof fleet.openStream>> | null = null;
    let grant = o.grant ?? true;
    let owed = 0;
    handle = await fleet.openStream(
      hostId,
      spec,
      {
        onChunk: (c) => {
          chunks.push(c);
          const n = Buffer.byteLength(c.data);
          bytes += n;
          if (grant) handle ? handle.credit(n) : (owed += n);
          else owed += n;
        },
        onEnd: (r) => resolveEnd(r),
      },
      { actorId: null, ...(o.windowBytes ? { windowBytes: o.windowBytes } : {}) },
    );
    if (grant && owed) handle.credit(owed), (owed = 0);
    return {
      handle,
      chunks,
      ended,
      bytes: () => bytes,
      // A logs chunk is one record: its line, and whether the line goes on (lib/protocol/logs.ts); the text is the lines.
      text: (stream?: string) => chunks.filter((c) => !stream || c.stream === stream).map((c) => c.data + (c.partial === false ? "\n" : "")).join(""),
      resume: () => {
        grant = true;
        handle!.credit(owed);
        owed = 0;
      },
    };
  }

  test("pull progress streams per layer; logs keep stdout and stderr apart, honour tail and end with the container", async () => {
    const pull = await collect({ kind: "image.pull", ref: image });
    assert.deepEqual(await pull.ended, { exitCode: 0 });
    const events = pull.chunks.map((c) => JSON.parse(c.data) as { status: string; id?: string });
    assert.ok(events.some((e) => e.id && /Pull complete|Already exists/.test(e.status)), JSON.stringify(events));
    assert.equal(events.at(-1)!.status, "done");

    const run = (await fleet.sendCommand(hostId, { kind: "container.run", spec: { image, cmd: ["sh", "-c", "for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done; sleep 1; echo last"], network: "none" } }, actor)) as { result: { id: string } };
    const id = run.result.id;
    const follow = await collect({ kind: "logs", id, follow: true });
    assert.deepEqual(await follow.ended, {});
    assert.equal(follow.text("stdout"), "out1\nout2\nout3\nout4\nout5\nlast\n");
    assert.equal(follow.text("stderr"), "err1\nerr2\nerr3\nerr4\nerr5\n");
    assert.ok(follow.chunks.every((c) => c.time && !Number.isNaN(Date.parse(c.time))));
    const tail = await collect({ kind: "logs", id, tail: 1, stderr: false });
    await tail.ended;
    assert.equal(tail.text(), "last\n");
    await assert.rejects(fleet.openStream(hostId, { kind: "logs", id: "no-such-container" }, { onChunk() {}, onEnd() {} }, { actorId: null }), { code: "not_found" });
    await fleet.sendCommand(hostId, { kind: "container.remove", id, force: true }, actor);
  });

  test("exec: stdin in, output out, the exit code at the end", async () => {
    const run = (await fleet.sendCommand(hostId, { kind: "container.run", spec: { image, cmd: ["sleep", "300"], network: "none" } }, actor)) as { result: { id: string } };
    const exec = await collect({ kind: "exec", id: run.result.id, cmd: ["sh", "-c", "read name; echo hello $name; echo oops >&2; exit 7"] });
    exec.handle.write("fleet\n");
    assert.deepEqual(await exec.ended, { exitCode: 7 });
    assert.equal(exec.text("stdout"), "hello fleet\n");
    assert.equal(exec.text("stderr"), "oops\n");
    await fleet.sendCommand(hostId, { kind: "container.remove", id: run.result.id, force: true }, actor);
  });

  test("attach: a running container's stdin and output; stats: one Docker-format sample per second", async () => {
    const run = (await fleet.sendCommand(hostId, { kind: "container.run", spec: { image, cmd: ["sh", "-c", "while read l; do echo got $l; echo warn $l >&2; done"], network: "none", interactive: true, workdir: "/tmp", hostname: "attached" } }, actor)) as { result: { id: string } };
    const attach = await collect({ kind: "attach", id: run.result.id, stdin: true });
    attach.handle.write("one\n");
    attach.handle.write("two\n");
    const deadline = Date.now() + 10_000;
    while (!attach.text("stderr").includes("warn two") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(attach.text("stdout"), "got one\ngot two\n");
    assert.equal(attach.text("stderr"), "warn one\nwarn two\n");
    // Detaching leaves the container running, as `docker attach` does (its stdin is not closed: it was run detached).
    attach.handle.close();
    const inspect = (await fleet.sendCommand(hostId, { kind: "container.inspect", id: run.result.id }, actor)) as { result: { State: { Running: boolean } } };
    assert.equal(inspect.result.State.Running, true);
    assert.equal((inspect.result as unknown as { Config: { WorkingDir: string; Hostname: string; OpenStdin: boolean } }).Config.WorkingDir, "/tmp");
    assert.equal((inspect.result as unknown as { Config: { Hostname: string } }).Config.Hostname, "attached");

    const busy = (await fleet.sendCommand(hostId, { kind: "container.run", spec: { image, cmd: ["sleep", "300"], network: "none", memoryBytes: 64 << 20 } }, actor)) as { result: { id: string } };
    const stats = await collect({ kind: "stats", id: busy.result.id });
    while (stats.chunks.length < 2 && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 50));
    stats.handle.close();
    const [a, b] = stats.chunks.map((c) => JSON.parse(c.data));
    assert.equal(stats.chunks[0]!.stream, "event");
    assert.equal(a.memory_stats.limit, 64 << 20);
    assert.ok(a.memory_stats.usage > 0 && a.pids_stats.current >= 1, JSON.stringify(a));
    assert.ok(Date.parse(b.read) > Date.parse(a.read), "samples move forward in time");
    assert.equal(b.preread, a.read, "each sample carries the previous one, as docker stats computes CPU % from the pair");
    for (const id of [run.result.id, busy.result.id]) await fleet.sendCommand(hostId, { kind: "container.remove", id, force: true }, actor);
  });

  test("slow consumer: a stalled log reader holds at most its window and does not slow another reader", async () => {
    const chatty = `i=0; while :; do for j in 0 1 2 3 4 5 6 7 8 9; do i=$((i+1)); echo "line $i ................................................................................"; done; usleep 5000; done`;
    const run = (await fleet.sendCommand(hostId, { kind: "container.run", spec: { image, cmd: ["sh", "-c", chatty], network: "none" } }, actor)) as { result: { id: string } };
    const id = run.result.id;
    const window = 64 << 10;
    const fast = await collect({ kind: "logs", id, follow: true, tail: 0 }, { windowBytes: window });
    const stalled = await collect({ kind: "logs", id, follow: true, tail: 0 }, { windowBytes: window, grant: false });
    const gauge = () => fleet.streamGauges().find((g) => g.streamId === stalled.handle.id)!;
    let maxBuffered = 0;
    const lineNumbers = (text: string) => [...text.matchAll(/^line (\d+) /gm)].map((m) => Number(m[1]));
    // Watch for a few seconds: the stalled reader fills its window and stops; the other keeps going.
    const started = Date.now();
    const samples: { at: number; fast: number; stalled: number }[] = [];
    while (Date.now() - started < 3000) {
      maxBuffered = Math.max(maxBuffered, gauge().bufferedBytes);
      samples.push({ at: Date.now() - started, fast: fast.bytes(), stalled: stalled.bytes() });
      await new Promise((r) => setTimeout(r, 50));
    }
    const fastLines = lineNumbers(fast.text());
    const first = fastLines[0]!;
    assert.deepEqual(fastLines, fastLines.map((_, k) => first + k), "the fast reader got every line, in order");
    assert.ok(fast.bytes() > 4 * window, `the fast reader kept receiving: ${fast.bytes()} bytes, window ${window}`);
    assert.ok(stalled.bytes() <= window, `the stalled reader got no more than its window: ${stalled.bytes()}`);
    assert.ok(maxBuffered <= window, `the server held at most the window for the stalled stream: ${maxBuffered}`);
    const half = samples.filter((s) => s.at >= 1500);
    assert.ok(half.at(-1)!.fast > half[0]!.fast, "the fast reader still advanced while the other was stalled");
    assert.equal(half.at(-1)!.stalled, half[0]!.stalled, "the stalled reader received nothing while it gave no credit");
    console.log(`slow consumer: fast reader ${fast.bytes()} bytes in 3 s (${fastLines.length} lines), stalled reader ${stalled.bytes()} bytes, server buffered at most ${maxBuffered} of a ${window}-byte window`);

    // Given credit again, the stalled reader carries on from where it stopped: nothing was lost meanwhile.
    stalled.resume();
    await waitFor("the stalled reader to catch up", async () => stalled.bytes() > 4 * window);
    const resumed = lineNumbers(stalled.text());
    assert.deepEqual(resumed, resumed.map((_, k) => resumed[0]! + k), "the resumed reader's lines are continuous");
    fast.handle.close();
    stalled.handle.close();
    assert.equal(fleet.streamGauges().length, 0, "closed streams are gone");
    await fleet.sendCommand(hostId, { kind: "container.remove", id, force: true }, actor);
  });
});
