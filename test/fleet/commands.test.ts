// Commands to a host through lib/fleet: a real control plane (its database and join), the real agent gateway and a
// real agent with its own engine, pulling a busybox image from a local registry. Run, inspect, stop, start and remove
// a container; a command for a host that is offline is refused with a clear message, or queued and run once, in
// order, when the host reconnects; an idempotency key returns the first result without running the command twice.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
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

describe("fleet commands", () => {
  let cp: ControlPlane;
  let plane: CommandPlane;
  let registry: TestRegistry;
  let agent: AgentProcess;
  let work: string;
  let hostId: number;
  let image: string;
  let fleet: typeof import("@/lib/fleet");
  const agentOpts = () => ({
    root: join(work, "root"),
    serverUrl: plane.url,
    env: { GANTRY_RUNTIME, GANTRY_BRIDGE: "gfl0", GANTRY_BRIDGE_SUBNET: "10.194.0.0/16", GANTRY_NETWORK_POOL: "10.195.0.0/16", GANTRY_CHAIN_PREFIX: "GFL" },
  });
  const online = (id: number) => waitFor(`host ${id} connected`, async () => (await import("@/lib/fleet/dispatch-command")).agentSocket(id) !== null);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "gantry-fleet-"));
    [cp, registry] = await Promise.all([startControlPlane(), startRegistry("open")]);
    await pushImage(registry.host, "busybox", "latest", makeImage([await makeLayer(busyboxImage())], { cmd: ["sh"] }));
    image = `${registry.host}/busybox:latest`;
    const owner = await setupOwner(cp);
    const { token } = await mintJoinToken(cp.url, await signIn(cp, owner.email, owner.password));
    plane = await startCommandPlane(cp);
    fleet = await import("@/lib/fleet");
    agent = startAgent({ ...agentOpts(), token });
    await agent.waitForOutput(/joined .* as host (\d+)/);
    hostId = Number(/joined .* as host (\d+)/.exec(agent.output())![1]);
    await online(hostId);
    // The image comes in through the agent's own Docker API (pull is a stream, not a command).
    await new Promise<void>((resolve, reject) =>
      execFile("/usr/local/bin/docker", ["pull", "-q", image], { env: { ...process.env, DOCKER_HOST: `unix://${join(work, "root", "docker.sock")}` } }, (e, _o, err) =>
        e ? reject(new Error(err)) : resolve(),
      ),
    );
  });

  after(async () => {
    await agent?.stop();
    await plane?.close();
    await Promise.all([cp?.destroy(), registry?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  test("run, list, inspect, stop, start, remove a container on the host", async () => {
    const actor = { actorId: null };
    const run = await fleet.sendCommand(hostId, { kind: "container.run", spec: { image, name: "fleet-one", cmd: ["sleep", "300"], network: "none", labels: { team: "fleet" } } }, actor);
    assert.equal(run.status, "done");
    const { id, container } = (run as { result: { id: string; container: { name: string; state: string; labels: Record<string, string> } } }).result;
    assert.equal(container.name, "fleet-one");
    assert.equal(container.state, "running");
    assert.equal(container.labels.team, "fleet");

    const list = (await fleet.sendCommand(hostId, { kind: "container.list" }, actor)) as { result: { id: string; state: string }[] };
    assert.deepEqual(list.result.map((c) => c.id), [id]);

    const inspect = (await fleet.sendCommand(hostId, { kind: "container.inspect", id: "fleet-one" }, actor)) as { result: { Id: string; State: { Running: boolean } } };
    assert.equal(inspect.result.Id, id);
    assert.equal(inspect.result.State.Running, true);

    const stop = (await fleet.sendCommand(hostId, { kind: "container.stop", id, timeoutSeconds: 1 }, actor)) as { result: { changed: boolean } };
    assert.equal(stop.result.changed, true);
    const again = (await fleet.sendCommand(hostId, { kind: "container.stop", id }, actor)) as { result: { changed: boolean } };
    assert.equal(again.result.changed, false, "stopping a stopped container changes nothing");
    assert.deepEqual(((await fleet.sendCommand(hostId, { kind: "container.list" }, actor)) as { result: unknown[] }).result, []);
    const all = (await fleet.sendCommand(hostId, { kind: "container.list", all: true }, actor)) as { result: { state: string }[] };
    assert.equal(all.result[0]!.state, "exited");

    assert.equal(((await fleet.sendCommand(hostId, { kind: "container.start", id }, actor)) as { result: { changed: boolean } }).result.changed, true);
    await fleet.sendCommand(hostId, { kind: "container.remove", id, force: true }, actor);
    assert.deepEqual(((await fleet.sendCommand(hostId, { kind: "container.list", all: true }, actor)) as { result: unknown[] }).result, []);
  });

  test("the engine's own errors come back with their meaning: unknown container, name in use, bad input", async () => {
    await assert.rejects(fleet.sendCommand(hostId, { kind: "container.inspect", id: "no-such-thing" }, { actorId: null }), (e: { code: string; message: string }) => {
      assert.equal(e.code, "not_found");
      assert.match(e.message, /no-such-thing/);
      return true;
    });
    await fleet.sendCommand(hostId, { kind: "container.run", spec: { image, name: "fleet-dup", cmd: ["sleep", "300"], network: "none" } }, { actorId: null });
    await assert.rejects(fleet.sendCommand(hostId, { kind: "container.run", spec: { image, name: "fleet-dup", cmd: ["true"], network: "none" } }, { actorId: null }), {
      code: "conflict",
      message: /fleet-dup.*already in use/,
    });
    await fleet.sendCommand(hostId, { kind: "container.remove", id: "fleet-dup", force: true }, { actorId: null });
    await assert.rejects(fleet.sendCommand(hostId, { kind: "container.stop", id: "" } as never, { actorId: null }), { code: "bad_request", message: /container id or name is required/ });
    await assert.rejects(fleet.sendCommand(hostId, { kind: "container.explode" } as never, { actorId: null }), { code: "bad_request" });
    await assert.rejects(fleet.sendCommand(999_999, { kind: "container.list" }, { actorId: null }), { code: "not_found", message: /host 999999/ });
  });

  test("container.rename gives a container another name (running or not), refuses a taken one, and the inventory follows", async () => {
    const actor = { actorId: null };
    const a = (await fleet.sendCommand(hostId, { kind: "container.run", spec: { image, name: "fleet-ren-a", cmd: ["sleep", "300"], network: "none" } }, actor)) as { result: { id: string } };
    await fleet.sendCommand(hostId, { kind: "container.run", spec: { image, name: "fleet-ren-b", cmd: ["sleep", "300"], network: "none" } }, actor);
    const renamed = (await fleet.sendCommand(hostId, { kind: "container.rename", id: "fleet-ren-a", name: "fleet-ren-a_gantry_old_1" }, actor)) as { result: { id: string; name: string } };
    assert.deepEqual(renamed.result, { id: a.result.id, name: "fleet-ren-a_gantry_old_1", changed: true });
    const inspect = (await fleet.sendCommand(hostId, { kind: "container.inspect", id: a.result.id }, actor)) as { result: { Name: string; State: { Running: boolean } } };
    assert.equal(inspect.result.Name, "/fleet-ren-a_gantry_old_1");
    assert.equal(inspect.result.State.Running, true, "renaming a running container leaves it running");
    await assert.rejects(fleet.sendCommand(hostId, { kind: "container.inspect", id: "fleet-ren-a" }, actor), { code: "not_found" });
    // The old name is free again; a taken one is a conflict naming it; a malformed one never reaches the host.
    await assert.rejects(fleet.sendCommand(hostId, { kind: "container.rename", id: a.result.id, name: "fleet-ren-b" }, actor), { code: "conflict", message: /fleet-ren-b.*already in use/ });
    await assert.rejects(fleet.sendCommand(hostId, { kind: "container.rename", id: a.result.id, name: "-bad name" }, actor), { code: "bad_request", message: /name/ });
    await assert.rejects(fleet.sendCommand(hostId, { kind: "container.rename", id: "fleet-no-such", name: "fleet-x" }, actor), { code: "not_found" });
    await waitFor("the new name in the inventory", async () => (await fleet.listContainers({ hostId, page: 1, pageSize: 50 })).items.some((c) => c.id === a.result.id && c.name === "fleet-ren-a_gantry_old_1"));
    await fleet.sendCommand(hostId, { kind: "container.rename", id: a.result.id, name: "fleet-ren-a" }, actor);
    for (const n of ["fleet-ren-a", "fleet-ren-b"]) await fleet.sendCommand(hostId, { kind: "container.remove", id: n, force: true }, actor);
  });

  test("an idempotency key returns the first result and does not run the command twice", async () => {
    const key = `run-${Date.now()}`;
    const spec = { image, name: "fleet-idem", cmd: ["sleep", "300"], network: "none" };
    const first = (await fleet.sendCommand(hostId, { kind: "container.run", spec }, { actorId: null, idempotencyKey: key })) as { result: { id: string } };
    const second = (await fleet.sendCommand(hostId, { kind: "container.run", spec }, { actorId: null, idempotencyKey: key })) as { result: { id: string } };
    assert.equal(second.result.id, first.result.id);
    const all = (await fleet.sendCommand(hostId, { kind: "container.list", all: true }, { actorId: null })) as { result: { name: string }[] };
    assert.deepEqual(all.result.map((c) => c.name), ["fleet-idem"], "one container, not two");
    // A failure is remembered too: the same key gives the same error without asking the host again.
    const badKey = `bad-${Date.now()}`;
    await assert.rejects(fleet.sendCommand(hostId, { kind: "container.start", id: "nope" }, { actorId: null, idempotencyKey: badKey }), { code: "not_found" });
    await assert.rejects(fleet.sendCommand(hostId, { kind: "container.start", id: "nope" }, { actorId: null, idempotencyKey: badKey }), { code: "not_found" });
    await assert.rejects(fleet.sendCommand(hostId, { kind: "container.list" }, { actorId: null, idempotencyKey: "has space" }), { code: "bad_request" });
    await fleet.sendCommand(hostId, { kind: "container.remove", id: "fleet-idem", force: true }, { actorId: null });
  });

  test("offline: refused with a clear message, or queued and run once, in order, on reconnect", async () => {
    await agent.stop();
    await waitFor("the host to drop", async () => (await import("@/lib/fleet/dispatch-command")).agentSocket(hostId) === null);
    await assert.rejects(fleet.sendCommand(hostId, { kind: "container.list" }, { actorId: null }), (e: { code: string; message: string }) => {
      assert.equal(e.code, "conflict");
      assert.match(e.message, new RegExp(`host ${hostId} .* is offline: container.list was not sent`));
      return true;
    });
    const q = { actorId: null, queueIfOffline: true };
    const spec = { image, name: "fleet-queued", cmd: ["sleep", "300"], network: "none" };
    const a = await fleet.sendCommand(hostId, { kind: "container.run", spec }, { ...q, idempotencyKey: "queued-run" });
    const b = await fleet.sendCommand(hostId, { kind: "container.stop", id: "fleet-queued", timeoutSeconds: 1 }, q);
    const c = await fleet.sendCommand(hostId, { kind: "container.inspect", id: "fleet-queued" }, q);
    for (const o of [a, b, c]) assert.equal(o.status, "queued");
    // Asking again with the key while it waits answers with the same queued command.
    const again = await fleet.sendCommand(hostId, { kind: "container.run", spec }, { ...q, idempotencyKey: "queued-run" });
    assert.deepEqual(again, a);

    agent = startAgent(agentOpts());
    const ids = [a, b, c].map((o) => (o as { queuedCommandId: string }).queuedCommandId);
    const done = await waitFor("the queue to run", async () => {
      const views = await Promise.all(ids.map((id) => fleet.getQueuedCommandOrThrow(id)));
      return views.every((v) => v.status === "done" || v.status === "failed") && views;
    });
    assert.deepEqual(done.map((v) => v.status), ["done", "done", "done"], JSON.stringify(done.map((v) => v.error)));
    // In order: run, then stop, then inspect saw it stopped.
    assert.equal((done[2]!.result as { State: { Running: boolean; Status: string } }).State.Status, "exited");
    const all = (await fleet.sendCommand(hostId, { kind: "container.list", all: true }, { actorId: null })) as { result: { name: string }[] };
    assert.deepEqual(all.result.map((x) => x.name), ["fleet-queued"], "each queued command ran once");
    await fleet.sendCommand(hostId, { kind: "container.remove", id: "fleet-queued", force: true }, { actorId: null });
  });

  test("inventory: containers and images reach Postgres as they change, and a reconnecting agent resyncs in full", async () => {
    const run = (await fleet.sendCommand(hostId, { kind: "container.run", spec: { image, name: "fleet-inv", cmd: ["sleep", "300"], network: "none", labels: { tier: "web" } } }, { actorId: null })) as { result: { id: string } };
    const id = run.result.id;
    const find = async (q: Partial<Parameters<typeof fleet.listContainers>[0]> = {}) => (await fleet.listContainers({ hostId, page: 1, pageSize: 50, ...q })).items;
    await waitFor("the running container in the inventory", async () => (await find()).some((c) => c.id === id && c.state === "running"));
    assert.deepEqual((await find({ label: "tier=web" })).map((c) => c.name), ["fleet-inv"]);
    assert.deepEqual((await find({ label: "tier=db" })).map((c) => c.name), []);
    assert.deepEqual((await find({ name: "INV" })).map((c) => c.name), ["fleet-inv"]);
    await fleet.sendCommand(hostId, { kind: "container.stop", id, timeoutSeconds: 1 }, { actorId: null });
    await waitFor("the stopped state in the inventory", async () => (await find({ state: "exited" })).some((c) => c.id === id));
    const imgs = await fleet.listImages({ hostId, page: 1, pageSize: 50 });
    assert.ok(imgs.items.some((i) => i.repoTags.includes(image)), JSON.stringify(imgs));

    // The agent goes away; meanwhile the stored inventory is lost. On reconnect the full resync brings it back.
    await agent.stop();
    const { db } = await import("@/lib/db");
    await db.container.deleteMany({ where: { hostId } });
    assert.equal((await find()).length, 0);
    agent = startAgent(agentOpts());
    await waitFor("the resync", async () => (await find()).some((c) => c.id === id && c.state === "exited"));
    await fleet.sendCommand(hostId, { kind: "container.remove", id, force: true }, { actorId: null });
    await waitFor("the removal in the inventory", async () => !(await find()).some((c) => c.id === id));
  });

  test("host.metrics and image.list answer from the host", async () => {
    const m = (await fleet.sendCommand(hostId, { kind: "host.metrics" }, { actorId: null })) as { result: { cpuPercent: number; memory: { totalBytes: number; usedBytes: number }; disk: { totalBytes: number } } };
    assert.ok(m.result.memory.totalBytes > m.result.memory.usedBytes && m.result.memory.usedBytes > 0);
    assert.ok(m.result.disk.totalBytes > 0 && m.result.cpuPercent >= 0 && m.result.cpuPercent <= 100);
    const imgs = (await fleet.sendCommand(hostId, { kind: "image.list" }, { actorId: null })) as { result: { repoTags: string[] }[] };
    assert.ok(imgs.result.some((i) => i.repoTags.includes(image)), JSON.stringify(imgs.result));
  });
});
