// Closing an exec ends what it runs in the container: the real docker CLI's `docker exec` (no TTY, -i, -t) is
// interrupted while its command runs a child, and `docker top` (the processes in the container's cgroup) must lose
// both the shell and its `sleep 300`; a detached exec keeps running (nothing closed it).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentProcess } from "../support/agent";
import { DOCKER, dockerCli, dockerClientEnv, networkingEnv, pushBusybox, removeNetworking, startEngineAgent, testNetworking, type TestNetworking } from "../support/docker-cli";
import { startRegistry, type TestRegistry } from "../support/registry";

describe("closing an exec ends its processes", () => {
  let work: string;
  let root: string;
  let socket: string;
  let agent: AgentProcess;
  let registry: TestRegistry;
  let net: TestNetworking;
  const env: Record<string, string> = {};
  const { docker, ok } = dockerCli(env);
  /** The command lines `docker top` lists for the container (-e: those with a terminal too). */
  const top = async (name: string) =>
    (await ok(["top", name, "-eo", "pid,args"])).split("\n").slice(1).map((l) => l.trim().replace(/^\d+\s+/, "")).filter(Boolean);
  const until = async (what: string, fn: () => Promise<boolean>, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!(await fn())) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${(await top("box")).join(" | ")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "gantry-exec-close-"));
    root = join(work, "root");
    socket = join(work, "run", "docker.sock");
    Object.assign(env, dockerClientEnv(work, socket));
    net = testNetworking("gex");
    registry = await startRegistry("open");
    const image = await pushBusybox(registry.host);
    agent = await startEngineAgent(root, socket, networkingEnv(net));
    await ok(["pull", "-q", image]);
    await ok(["tag", image, "busybox"]);
    await ok(["run", "-d", "--name", "box", "--network", "none", "busybox", "sleep", "3600"]);
  });

  after(async () => {
    const ids = (await docker(["ps", "-aq"])).stdout.split("\n").filter(Boolean);
    if (ids.length) await docker(["rm", "-f", ...ids]);
    await agent?.stop();
    await registry?.stop();
    if (net) await removeNetworking(root, net);
    rmSync(work, { recursive: true, force: true });
  });

  for (const flag of ["", "-i", "-t"]) {
    test(`docker exec ${flag} interrupted: the shell and the sleep it started are gone from the container`, async () => {
      // `-t` needs a terminal on the client's side: util-linux `script` gives it one. With `-i` the CLI's stdin
      // stays open: the client is gone when its connection closes, not at an end of its input.
      const tty = flag === "-t";
      const argv = ["exec", ...(flag ? [flag] : []), "box", "sh", "-c", "sleep 300; echo never"];
      const cli = tty
        ? spawn("script", ["-q", "-e", "-c", [DOCKER, ...argv].map((a) => `'${a}'`).join(" "), "/dev/null"], { env: { ...process.env, ...env }, stdio: "pipe" })
        : spawn(DOCKER, argv, { env: { ...process.env, ...env }, stdio: "pipe" });
      const exited = new Promise((r) => cli.once("exit", r));
      let said = "";
      cli.stdout!.on("data", (d) => (said += d));
      cli.stderr!.on("data", (d) => (said += d));
      try {
        await until("the exec's sleep", async () => (await top("box")).includes("sleep 300") || (assert.equal(cli.exitCode, null, `the CLI ended: ${said}`), false));
        assert.ok((await top("box")).some((a) => a.startsWith("sh -c sleep 300")), "the shell runs, with the sleep as its child");
        // The client goes away without a word: its connection (the hijacked exec stream) closes.
        // (Under `script`, the CLI loses its terminal with it: SIGHUP.)
        cli.kill("SIGKILL");
        await exited;
        await until("the exec's processes to end", async () => !(await top("box")).some((a) => a.includes("sleep 300")));
        assert.deepEqual(await top("box"), ["sleep 3600"], "only the container's own process is left");
      } finally {
        cli.kill("SIGKILL");
      }
    });
  }

  test("a detached exec is not closed by anyone: it keeps running", async () => {
    await ok(["exec", "-d", "box", "sh", "-c", "sleep 301; echo never"]);
    await until("the detached sleep", async () => (await top("box")).includes("sleep 301"));
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok((await top("box")).includes("sleep 301"));
  });
});
