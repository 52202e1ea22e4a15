// An agent killed in the middle of a RUN step leaves a mounted snapshot and a running step container; the next agent
// on the same GANTRY_ROOT reaps both before serving, and builds work again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAgent, waitFor } from "../support/agent";
import { GANTRY_RUNTIME } from "../support/bundle";
import { DOCKER, dockerClientEnv, networkingEnv, removeNetworking, testNetworking } from "../support/docker-cli";
import { busyboxEntries, makeImage, makeLayer, pushImage } from "../support/images";
import { startRegistry } from "../support/registry";

test("a build interrupted by a killed agent is cleaned up by the next one", async () => {
  const work = mkdtempSync(join(tmpdir(), "gantry-build-crash-"));
  const root = join(work, "root");
  const socket = join(work, "docker.sock");
  const registry = await startRegistry("open");
  const env = { ...process.env, ...dockerClientEnv(work, socket, { DOCKER_BUILDKIT: "0" }) };
  // The RUN step is on the default bridge: one of this test's own, reaped by the second agent along with the step.
  const net = testNetworking("gbc");
  const agentEnv = { GANTRY_DOCKER_SOCKET: socket, GANTRY_RUNTIME, ...networkingEnv(net) };
  const first = startAgent({ root, env: agentEnv });
  let second: ReturnType<typeof startAgent> | null = null;
  try {
    const base = `${registry.host}/busybox:latest`;
    await pushImage(registry.host, "busybox", "latest", makeImage([await makeLayer(busyboxEntries())]));
    await first.waitForOutput("Docker API listening");
    const ctx = join(work, "ctx");
    mkdirSync(ctx);
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${base}\nRUN echo step-started && sleep 600\n`);
    const build = spawn(DOCKER, ["build", "."], { cwd: ctx, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    build.stdout.on("data", (d) => (out += d));
    build.stderr.on("data", (d) => (out += d));
    // The step's own output (not the "Step 2/2 : RUN echo step-started" line announcing it).
    await waitFor("the RUN step to start", async () => /^step-started$/m.test(out), 60_000);

    // The base was not there: the build pulled it, with dockerd's progress lines, each whole-image line once.
    assert.equal(out.match(/latest: Pulling from busybox/g)?.length, 1, out);
    assert.match(out, /[0-9a-f]{12}: Pull complete/);
    assert.equal(out.match(/Status: Downloaded newer image/g)?.length, 1, out);
    const snapshots = join(root, "snapshots");
    const leftover = readdirSync(snapshots).filter((n) => n.startsWith("build-"));
    assert.equal(leftover.length, 1);
    await first.kill();
    build.kill();
    const mountinfo = () => readFileSync("/proc/self/mountinfo", "utf8");
    assert.ok(mountinfo().includes(join(snapshots, leftover[0], "rootfs")), "the step's overlay is still mounted after the kill");

    second = startAgent({ root, env: agentEnv });
    await second.waitForOutput("Docker API listening");
    assert.match(second.output(), new RegExp(`removing snapshot ${leftover[0]} left by an interrupted build`));
    assert.equal(existsSync(join(snapshots, leftover[0])), false);
    assert.ok(!mountinfo().includes(join(snapshots, leftover[0])), "no mount is left");
    assert.match(second.output(), new RegExp(`reaped endpoint of removed container ${leftover[0]} on bridge`));
    const containers = JSON.parse(execFileSync(GANTRY_RUNTIME, ["--root", join(root, "build", "runtime"), "list", "--format", "json"], { encoding: "utf8" }));
    assert.deepEqual(containers, []);

    writeFileSync(join(ctx, "Dockerfile"), `FROM ${base}\nRUN echo works again\n`);
    const again = execFileSync(DOCKER, ["build", "-q", "."], { cwd: ctx, env, encoding: "utf8" });
    assert.match(again, /^sha256:[0-9a-f]{64}$/m);
  } finally {
    await first.stop();
    await second?.stop();
    await registry.stop();
    await removeNetworking(root, net);
    rmSync(work, { recursive: true, force: true });
  }
});
