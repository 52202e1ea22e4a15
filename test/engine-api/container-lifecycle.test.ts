// Where a container's life under the Engine API once differed from dockerd's (issue 12, items 1–5), checked through the
// docker CLI and raw Engine API requests on a standalone agent's socket: healthchecks (probes through exec, State.Health,
// health_status events, `docker ps` and its health filter, the image's HEALTHCHECK and --no-healthcheck), `docker
// update` on a live container, kill and restart back-off, exec framing and detach keys, and `docker cp` onto volumes
// and bind mounts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentProcess } from "../support/agent";
import { dockerCli, dockerClientEnv, networkingEnv, pushBusybox, removeNetworking, startEngineAgent, testNetworking, type TestNetworking } from "../support/docker-cli";
import { startRegistry, type TestRegistry } from "../support/registry";

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** One request on the agent's socket (a JSON body when `json` is given). */
function api(socketPath: string, method: string, path: string, json?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
    const req = http.request({ socketPath, method, path, headers: body ? { "Content-Type": "application/json", "Content-Length": body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, text: b.toString("utf8") });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it answers truthy (then resolves with that), failing after `ms` with `what`. */
async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("container lifecycle as dockerd has it", () => {
  let work: string;
  let root: string;
  let socket: string;
  let agent: AgentProcess;
  let registry: TestRegistry;
  let net: TestNetworking;
  const env: Record<string, string> = {};
  const { docker, ok } = dockerCli(env, { cwd: () => work, timeout: 120_000 });
  const call = (method: string, path: string, json?: unknown) => api(socket, method, path, json);
  const inspect = async (name: string) => JSON.parse((await call("GET", `/containers/${name}/json`)).text);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "gantry-lifecycle-"));
    root = join(work, "root");
    socket = join(work, "run", "docker.sock");
    net = testNetworking("glc");
    Object.assign(env, dockerClientEnv(work, socket, { DOCKER_BUILDKIT: "0" }));
    registry = await startRegistry("open");
    const image = await pushBusybox(registry.host);
    agent = await startEngineAgent(root, socket, networkingEnv(net));
    await ok(["pull", "-q", image]);
    await ok(["tag", image, "busybox"]);
  });

  after(async () => {
    const ids = (await docker(["ps", "-aq"])).stdout.split("\n").filter(Boolean);
    if (ids.length) await docker(["rm", "-f", "-v", ...ids]);
    await agent?.stop();
    await registry?.stop();
    if (net) await removeNetworking(root, net);
    rmSync(work, { recursive: true, force: true });
  });

  describe("healthchecks", () => {
    test("a --health-cmd runs in the container: starting, healthy, unhealthy in inspect, ps and its filter, with events; a restart starts over", async () => {
      const since = Math.floor(Date.now() / 1000) - 1;
      await ok(["run", "-d", "--name", "hc", "--health-cmd", "cat /tmp/ok", "--health-interval", "200ms", "--health-retries", "2", "--health-timeout", "5s", "busybox", "sleep", "300"]);
      const first = await inspect("hc");
      assert.deepEqual(first.Config.Healthcheck, { Test: ["CMD-SHELL", "cat /tmp/ok"], Interval: 200_000_000, Timeout: 5_000_000_000, Retries: 2 });
      assert.equal(first.State.Health.Status, "starting");
      assert.match(await ok(["ps", "--filter", "name=^hc$", "--format", "{{.Status}}"]), /^Up .* \(health: starting\)$/m);

      // The probe runs in the container: a file made there turns it healthy.
      await ok(["exec", "hc", "touch", "/tmp/ok"]);
      const healthy = await until("healthy", async () => ((await inspect("hc")).State.Health.Status === "healthy" ? inspect("hc") : null));
      assert.equal(healthy.State.Health.FailingStreak, 0);
      assert.equal(healthy.State.Health.Log.at(-1).ExitCode, 0);
      assert.match(await ok(["ps", "--filter", "name=^hc$", "--format", "{{.Status}}"]), /^Up .* \(healthy\)$/m);
      assert.equal((await ok(["ps", "-q", "--filter", "health=healthy"])).trim(), healthy.Id.slice(0, 12));

      await ok(["exec", "hc", "rm", "/tmp/ok"]);
      const sick = await until("unhealthy", async () => ((await inspect("hc")).State.Health.Status === "unhealthy" ? inspect("hc") : null));
      assert.ok(sick.State.Health.FailingStreak >= 2, `FailingStreak ${sick.State.Health.FailingStreak}`);
      const last = sick.State.Health.Log.at(-1);
      assert.equal(last.ExitCode, 1);
      assert.match(last.Output, /can't open '\/tmp\/ok': No such file or directory/);
      assert.ok(Date.parse(last.End) >= Date.parse(last.Start));
      assert.match(await ok(["ps", "--filter", "name=^hc$", "--format", "{{.Status}}"]), /^Up .* \(unhealthy\)$/m);
      assert.equal((await ok(["ps", "-q", "--filter", "health=unhealthy"])).trim(), healthy.Id.slice(0, 12));
      assert.equal((await ok(["ps", "-q", "--filter", "health=healthy"])).trim(), "");
      // Only the last five results are kept.
      await until("more than five probes", async () => (await inspect("hc")).State.Health.FailingStreak > 6);
      assert.equal((await inspect("hc")).State.Health.Log.length, 5);

      const events = await ok(["events", "--since", String(since), "--until", String(Math.ceil(Date.now() / 1000) + 1), "--filter", "container=hc", "--filter", "event=health_status", "--format", "{{.Action}}"]);
      assert.deepEqual(events.trim().split("\n"), ["health_status: healthy", "health_status: unhealthy"]);

      // A restart begins again: starting, the failures forgotten (a probe 200 ms in may have failed once since).
      await ok(["restart", "-t", "0", "hc"]);
      const restarted = (await inspect("hc")).State.Health;
      assert.equal(restarted.Status, "starting");
      assert.ok(restarted.FailingStreak <= 1, `FailingStreak ${restarted.FailingStreak} after the restart`);
      // A stopped container's probes stop, and it reads unhealthy, as under dockerd.
      await ok(["stop", "-t", "0", "hc"]);
      assert.equal((await inspect("hc")).State.Health.Status, "unhealthy");
      assert.match(await ok(["ps", "-a", "--filter", "name=^hc$", "--format", "{{.Status}}"]), /^Exited \(137\)/m);
      const r = await docker(["ps", "--filter", "health=poorly"]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Unrecognised filter value for health: poorly/);
    });

    test("a probe past its timeout is a failure with dockerd's message, and the probe is ended", async () => {
      await ok(["run", "-d", "--name", "hc-slow", "--health-cmd", "echo begun; sleep 30", "--health-interval", "100ms", "--health-timeout", "300ms", "--health-retries", "1", "busybox", "sleep", "300"]);
      const h = await until("unhealthy", async () => ((await inspect("hc-slow")).State.Health.Status === "unhealthy" ? (await inspect("hc-slow")).State.Health : null));
      assert.equal(h.Log[0].ExitCode, -1);
      assert.equal(h.Log[0].Output, "Health check exceeded timeout (300ms): begun\n");
      // The timed-out probes' sleeps do not pile up in the container.
      await sleep(500);
      const top = await ok(["top", "hc-slow", "-eo", "pid,args"]);
      assert.ok(top.split("\n").filter((l) => l.includes("sleep 30")).length <= 1, top);
    });

    test("the image's HEALTHCHECK is honoured (options of the run merged in), NONE and --no-healthcheck turn it off; bad durations are dockerd's 400", async () => {
      const dir = join(work, "hc-image");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "Dockerfile"), "FROM busybox\nHEALTHCHECK --interval=150ms --retries=1 CMD test -e /bin/sh\n");
      await ok(["build", "-q", "-t", "hc-image", dir]);
      writeFileSync(join(dir, "Dockerfile"), "FROM hc-image\nHEALTHCHECK NONE\n");
      await ok(["build", "-q", "-t", "hc-none", dir]);

      await ok(["run", "-d", "--name", "hc-img", "--health-timeout", "4s", "hc-image", "sleep", "300"]);
      assert.deepEqual((await inspect("hc-img")).Config.Healthcheck, { Test: ["CMD-SHELL", "test -e /bin/sh"], Interval: 150_000_000, Timeout: 4_000_000_000, Retries: 1 });
      await until("the image's probe to pass", async () => (await inspect("hc-img")).State.Health.Status === "healthy");

      await ok(["run", "-d", "--name", "hc-off", "--no-healthcheck", "hc-image", "sleep", "300"]);
      await ok(["run", "-d", "--name", "hc-none", "hc-none", "sleep", "300"]);
      await sleep(400);
      for (const name of ["hc-off", "hc-none"]) {
        const c = await inspect(name);
        assert.deepEqual(c.Config.Healthcheck.Test, ["NONE"]);
        assert.equal(c.State.Health, undefined, `${name} has no health state`);
        assert.doesNotMatch(await ok(["ps", "--filter", `name=^${name}$`, "--format", "{{.Status}}"]), /health/);
      }
      assert.match(await ok(["ps", "--filter", "health=none", "--format", "{{.Names}}"]), /hc-off/);

      const bad = await call("POST", "/containers/create", { Image: "busybox", Cmd: ["true"], Healthcheck: { Test: ["CMD", "true"], Interval: 1000 } });
      assert.equal(bad.status, 400);
      assert.equal(JSON.parse(bad.text).message, "Interval in Healthcheck cannot be less than 1ms");
      const negative = await call("POST", "/containers/create", { Image: "busybox", Cmd: ["true"], Healthcheck: { Test: ["CMD", "true"], Retries: -1 } });
      assert.equal(negative.status, 400);
      assert.equal(JSON.parse(negative.text).message, "Retries in Healthcheck cannot be negative");
    });
  });
});
