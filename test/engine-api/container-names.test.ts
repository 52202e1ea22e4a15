// A container name is held by one container only, however many requests race for it: parallel `docker create --name`
// through the real CLI, raw Engine API creates sent at once, renames to one name, and creates and renames mixed —
// exactly one wins, every other one is dockerd's 409 naming the holder.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentProcess } from "../support/agent";
import { dockerCli, dockerClientEnv, networkingEnv, pushBusybox, removeNetworking, startEngineAgent, testNetworking, type TestNetworking } from "../support/docker-cli";
import { startRegistry, type TestRegistry } from "../support/registry";

function request(socketPath: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      { socketPath, method, path, headers: data ? { "content-type": "application/json", "content-length": data.length } : {}, agent: false },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

describe("container names under concurrent requests", () => {
  let work: string;
  let root: string;
  let socket: string;
  let agent: AgentProcess;
  let registry: TestRegistry;
  let net: TestNetworking;
  const env: Record<string, string> = {};
  const { docker, ok } = dockerCli(env);
  const count = (xs: number[], v: number) => xs.filter((x) => x === v).length;
  const namesHeld = async () => (await ok(["ps", "-a", "--format", "{{.Names}}"])).split("\n").filter(Boolean);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "gantry-names-"));
    root = join(work, "root");
    socket = join(work, "run", "docker.sock");
    Object.assign(env, dockerClientEnv(work, socket));
    net = testNetworking("gnm");
    registry = await startRegistry("open");
    const image = await pushBusybox(registry.host);
    agent = await startEngineAgent(root, socket, networkingEnv(net));
    await ok(["pull", "-q", image]);
    await ok(["tag", image, "busybox"]);
  });

  after(async () => {
    const ids = (await docker(["ps", "-aq"])).stdout.split("\n").filter(Boolean);
    if (ids.length) await docker(["rm", "-f", ...ids]);
    await agent?.stop();
    await registry?.stop();
    if (net) await removeNetworking(root, net);
    rmSync(work, { recursive: true, force: true });
  });

  test("10 parallel `docker create --name same`: one container, nine conflicts", async () => {
    const runs = await Promise.all(Array.from({ length: 10 }, () => docker(["create", "--name", "same", "--network", "none", "busybox", "true"])));
    assert.equal(runs.filter((r) => r.code === 0).length, 1, runs.map((r) => r.stderr).join(""));
    for (const r of runs.filter((r) => r.code !== 0)) assert.match(r.stderr, /Conflict\. The container name "\/same" is already in use by container "[0-9a-f]{64}"/);
    assert.deepEqual((await namesHeld()).filter((n) => n === "same"), ["same"]);
  });

  test("10 raw creates at once: one 201, nine 409; after it is removed the name is free again", async () => {
    const body = { Image: "busybox", Cmd: ["true"], HostConfig: { NetworkMode: "none" } };
    const answers = await Promise.all(Array.from({ length: 10 }, () => request(socket, "POST", "/containers/create?name=rawsame", body)));
    const statuses = answers.map((a) => a.status);
    assert.deepEqual([count(statuses, 201), count(statuses, 409)], [1, 9], statuses.join(" "));
    const winner = JSON.parse(answers.find((a) => a.status === 201)!.body).Id as string;
    for (const a of answers.filter((a) => a.status === 409)) assert.ok(JSON.parse(a.body).message.includes(winner), "the conflict names the holder");
    assert.equal((await namesHeld()).filter((n) => n === "rawsame").length, 1);
    // A create that failed gives its name back: a missing image does not keep the name from the next one.
    assert.equal((await request(socket, "POST", "/containers/create?name=gone", { Image: "no-such-image:1" })).status, 404);
    assert.equal((await request(socket, "POST", "/containers/create?name=gone", body)).status, 201);
    await ok(["rm", "rawsame"]);
    assert.equal((await request(socket, "POST", "/containers/create?name=rawsame", body)).status, 201);
  });

  test("renames to one name at once, and creates racing renames for a name: exactly one holder", async () => {
    const body = { Image: "busybox", Cmd: ["true"], HostConfig: { NetworkMode: "none" } };
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(JSON.parse((await request(socket, "POST", `/containers/create?name=src${i}`, body)).body).Id);
    const renames = await Promise.all(ids.map((id) => request(socket, "POST", `/containers/${id}/rename?name=target`)));
    const statuses = renames.map((r) => r.status);
    assert.deepEqual([count(statuses, 204), count(statuses, 409)], [1, 9], statuses.join(" "));
    assert.equal((await namesHeld()).filter((n) => n === "target").length, 1);
    // The one renamed gave its old name up.
    const renamed = ids[statuses.indexOf(204)]!;
    assert.equal((await request(socket, "POST", `/containers/create?name=src${statuses.indexOf(204)}`, body)).status, 201);

    // Creates await the image and the snapshot before their record exists: renames arriving meanwhile must not share.
    const mixed = await Promise.all([
      ...Array.from({ length: 5 }, () => request(socket, "POST", "/containers/create?name=mixed", body)),
      ...ids.filter((id) => id !== renamed).slice(0, 5).map((id) => request(socket, "POST", `/containers/${id}/rename?name=mixed`)),
    ]);
    const ms = mixed.map((m) => m.status);
    assert.equal(ms.filter((s) => s === 201 || s === 204).length, 1, ms.join(" "));
    assert.equal(count(ms, 409), 9, ms.join(" "));
    assert.equal((await namesHeld()).filter((n) => n === "mixed").length, 1);
  });
});
