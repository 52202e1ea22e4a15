// Where the Engine API once differed from dockerd 20.10 on logging and networking (issue 12, items 6 and 7), checked
// through the docker CLI and raw requests on a standalone agent's socket: logging drivers and their options, endpoint
// settings in inspect, IPAM ranges and auxiliary addresses, network names, MAC addresses, links and GroupAdd.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { AgentProcess } from "../support/agent";
import { dockerCli, dockerClientEnv, networkingEnv, pushBusybox, removeNetworking, startEngineAgent, testNetworking, type TestNetworking } from "../support/docker-cli";
import { startRegistry, type TestRegistry } from "../support/registry";

interface Answer {
  status: number;
  text: string;
  json: any;
}

/** One request on the agent's socket (a JSON body when given). */
function api(socketPath: string, method: string, path: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = payload === undefined ? {} : { "Content-Type": "application/json" };
    const req = http.request({ socketPath, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

describe("Engine API conformance with dockerd: logging drivers and networks", () => {
  let work: string;
  let root: string;
  let socket: string;
  let agent: AgentProcess;
  let registry: TestRegistry;
  let busybox: string;
  let net: TestNetworking;
  const env: Record<string, string> = {};
  const { docker, ok } = dockerCli(env, { cwd: () => work, timeout: 120_000 });
  const call = (method: string, path: string, body?: unknown) => api(socket, method, path, body);
  const inspect = async (ref: string) => JSON.parse(await ok(["inspect", ref]))[0];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "gantry-netlogs-"));
    root = join(work, "root");
    socket = join(work, "run", "docker.sock");
    net = testNetworking("gnl");
    Object.assign(env, dockerClientEnv(work, socket));
    registry = await startRegistry("open");
    busybox = await pushBusybox(registry.host);
    agent = await startEngineAgent(root, socket, networkingEnv(net));
    await ok(["pull", "-q", busybox]);
    await ok(["tag", busybox, "busybox"]);
  });

  after(async () => {
    const ids = (await docker(["ps", "-aq"])).stdout.split("\n").filter(Boolean);
    if (ids.length) await docker(["rm", "-f", ...ids]);
    await agent?.stop();
    await registry?.stop();
    if (net) await removeNetworking(root, net);
    rmSync(work, { recursive: true, force: true });
  });

  describe("logging drivers", () => {
    test("json-file max-size and max-file show in inspect and bound the log: it rotates, and docker logs reads what is kept", async () => {
      const n = 400;
      await ok(["run", "--name", "rot", "--log-opt", "max-size=1k", "--log-opt", "max-file=2", "busybox", "sh", "-c", `seq 1 ${n}`]);
      const c = await inspect("rot");
      assert.deepEqual(c.HostConfig.LogConfig, { Type: "json-file", Config: { "max-file": "2", "max-size": "1k" } });
      const files = readdirSync(dirname(c.LogPath)).filter((f) => f.startsWith("container.log")).sort();
      assert.deepEqual(files, ["container.log", "container.log.1"], "the current file and one rotated file (max-file=2)");
      for (const f of files) assert.ok(statSync(join(dirname(c.LogPath), f)).size <= 1000, `${f} is within max-size=1k (1000 bytes)`);
      const lines = (await ok(["logs", "rot"])).trim().split("\n").map(Number);
      assert.equal(lines.at(-1), n, "the newest lines are kept");
      assert.ok(lines.length < n, `older lines fell off (${lines.length} kept)`);
      lines.forEach((v, i) => i > 0 && assert.equal(v, lines[i - 1]! + 1, "what is kept is contiguous"));

      // dockerd checks option values when the driver starts: the start fails, the container stays created
      const bad = await docker(["run", "--name", "badsize", "--log-opt", "max-size=abc", "busybox", "true"]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /failed to initialize logging driver: invalid size: 'abc'/);
      assert.equal((await inspect("badsize")).State.Status, "created");
      const zero = await docker(["run", "--log-opt", "max-file=0", "busybox", "true"]);
      assert.match(zero.stderr, /failed to initialize logging driver: max-file cannot be less than 1/);
    });

    test("an unknown driver and an option the driver does not take are refused at create with dockerd's messages", async () => {
      const bogus = await docker(["create", "--log-driver", "bogus", "busybox", "true"]);
      assert.notEqual(bogus.code, 0);
      assert.match(bogus.stderr, /error looking up logging plugin bogus: plugin "bogus" not found/);
      const opt = await call("POST", "/v1.43/containers/create", { Image: "busybox", Cmd: ["true"], HostConfig: { LogConfig: { Type: "json-file", Config: { bogus: "1" } } } });
      assert.equal(opt.status, 400);
      assert.equal(opt.json.message, "unknown log opt 'bogus' for json-file log driver");
      const local = await docker(["create", "--log-driver", "local", "--log-opt", "labels=x", "busybox", "true"]);
      assert.match(local.stderr, /unknown log opt 'labels' for log driver local/);
    });

    test("none keeps no log: inspect says none, the attached run still prints, docker logs is dockerd's 501", async () => {
      const r = await docker(["run", "--name", "quiet", "--log-driver", "none", "busybox", "sh", "-c", "echo to-stdout; echo to-stderr >&2"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "to-stdout\n");
      assert.match(r.stderr, /to-stderr/);
      const c = await inspect("quiet");
      assert.deepEqual(c.HostConfig.LogConfig, { Type: "none", Config: {} });
      assert.equal(c.LogPath, "");
      assert.equal(existsSync(join(root, "containers", c.Id, "container.log")), false, "no log file is written");
      const logs = await docker(["logs", "quiet"]);
      assert.notEqual(logs.code, 0);
      assert.match(logs.stderr, /configured logging driver does not support reading/);
      const raw = await call("GET", "/v1.43/containers/quiet/logs?stdout=1");
      assert.equal(raw.status, 501);
    });

    test("local keeps its options and its log reads back", async () => {
      await ok(["run", "--name", "loc", "--log-driver", "local", "--log-opt", "max-size=2k", "busybox", "echo", "hello"]);
      const c = await inspect("loc");
      assert.deepEqual(c.HostConfig.LogConfig, { Type: "local", Config: { "max-size": "2k" } });
      assert.equal(c.LogPath, "", "dockerd names no file for local");
      assert.equal(await ok(["logs", "loc"]), "hello\n");
    });
  });
});
