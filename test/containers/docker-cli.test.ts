// Containers through the real docker CLI (28.x) against a standalone gantry-agent with its own GANTRY_ROOT and socket:
// run (--rm, -d, -i, -t, -p, -e, -w, -u, --name, --restart, --network, -m), ps, logs, inspect, port, top, stats,
// exec (with and without a TTY), cp both ways, diff, attach from the first byte, events, an OOM kill, restart
// counts, user networks resolving names, and containers that outlive a SIGKILLed agent.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentProcess } from "../support/agent";
import {
  DOCKER, dockerCli, dockerClientEnv, networkingEnv, pushBusybox, removeNetworking, startEngineAgent, testNetworking, type TestNetworking,
} from "../support/docker-cli";
import { startRegistry, type TestRegistry } from "../support/registry";

/**
 * Runs a command under a pseudo-terminal made by util-linux `script` (always on Debian), typing `inputs` one after
 * another, each once the shell's prompt ("# ") is on the screen — or after 3 s: the very first prompt of `run -it` can
 * be missed (gantry-monitor reads the container's first output before it accepts the attach client that is already
 * waiting; see the report), and the shell is ready by then.
 */
function underPty(argv: string[], inputs: string[], env: Record<string, string>): Promise<{ out: string; code: number }> {
  const quoted = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-q", "-e", "-c", quoted, "/dev/null"], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let seen = 0;
    const queue = [...inputs];
    let fallback: NodeJS.Timeout | null = null;
    const send = () => {
      if (fallback) clearTimeout(fallback);
      const input = queue.shift();
      if (input === undefined) return;
      setTimeout(() => child.stdin!.write(input), 200);
      fallback = setTimeout(send, 3000);
    };
    const next = () => {
      const at = out.indexOf("# ", seen);
      if (at < 0) return;
      seen = at + 2;
      send();
    };
    fallback = setTimeout(send, 3000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      // busybox's line editor asks the terminal where the cursor is (ESC[6n); a terminal answers, and so do we.
      for (let i = 0; i < d.toString().split("\x1b[6n").length - 1; i++) child.stdin!.write("\x1b[1;5R");
      next();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      if (fallback) clearTimeout(fallback);
      resolve({ out, code: code ?? -1 });
    });
  });
}

describe("containers through the docker CLI", () => {
  let work: string;
  let root: string;
  let socket: string;
  let agent: AgentProcess;
  let registry: TestRegistry;
  let image: string;
  const env: Record<string, string> = {};
  // A bridge, subnets and iptables chains of this test's own, removed at the end.
  let net: TestNetworking;
  const startOurAgent = () => startEngineAgent(root, socket, { GANTRY_RESTART_DELAY_MS: "300", ...networkingEnv(net) });
  const { docker, ok } = dockerCli(env);
  const inspect = async (name: string, format: string) => (await ok(["inspect", "--format", format, name])).trim();
  const until = async (what: string, fn: () => Promise<boolean>, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (!(await fn())) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "gantry-containers-"));
    root = join(work, "root");
    socket = join(work, "run", "docker.sock");
    Object.assign(env, dockerClientEnv(work, socket));
    net = testNetworking("gct");
    registry = await startRegistry("open");
    image = await pushBusybox(registry.host);
    agent = await startOurAgent();
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

  test("run --rm prints the output and exits with the container's code; stdin reaches -i; -e -w -u -h apply", async () => {
    const r = await docker(["run", "--rm", "busybox", "sh", "-c", "echo hi; echo oops >&2; exit 3"]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, "hi\n");
    assert.equal(r.stderr, "oops\n");
    assert.equal(await ok(["run", "--rm", "-i", "busybox", "cat"], { input: "piped in\n" }), "piped in\n");
    const id = await ok(["run", "--rm", "-e", "GREETING=hello", "-w", "/tmp", "-u", "app", "-h", "boxhost", "busybox", "sh", "-c", 'echo "$GREETING $(pwd) $(id -u) $(hostname) $(cat /etc/hostname)"']);
    assert.equal(id, "hello /tmp 1000 boxhost boxhost\n");
    assert.equal((await ok(["ps", "-aq"])).trim(), "", "--rm containers are gone");
    const missing = await docker(["run", "--rm", "busybox", "no-such-binary"]);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /no-such-binary.*not found/);
    assert.equal((await ok(["ps", "-aq"])).trim(), "", "a --rm container that could not start is removed");
  });

  test("a detached container: published port on 127.0.0.1, ps, logs, inspect, port, top, stats, exec, cp, diff, stop", async () => {
    const id = (await ok(["run", "-d", "--name", "web", "-p", "127.0.0.1::8080", "--label", "tier=front", "busybox", "sh", "-c",
      "mkdir -p /www && echo hello-web > /www/index.html && echo ready && echo warn >&2 && exec httpd -f -p 8080 -h /www"])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const hostPort = (await ok(["port", "web", "8080/tcp"])).trim().split(":").pop();
    assert.match(hostPort!, /^\d+$/);
    await until("the web server", async () => {
      try {
        return (await (await fetch(`http://127.0.0.1:${hostPort}/index.html`)).text()) === "hello-web\n";
      } catch {
        return false;
      }
    });
    assert.match(await ok(["ps", "--filter", "label=tier=front", "--format", "{{.Names}} {{.Status}} {{.Ports}}"]), new RegExp(`^web Up .* 127\\.0\\.0\\.1:${hostPort}->8080/tcp\\n$`));
    assert.equal((await ok(["ps", "-q", "--filter", "name=web"])).trim(), id.slice(0, 12));
    const logs = await docker(["logs", "web"]);
    assert.equal(logs.stdout, "ready\n");
    assert.equal(logs.stderr, "warn\n");
    const tail = await docker(["logs", "-t", "--tail", "1", "web"]);
    assert.equal(tail.stdout, "");
    assert.match(tail.stderr, /^\d{4}-\d\d-\d\dT[\d:.]+Z warn\n$/);
    const state = JSON.parse(await inspect("web", "{{json .State}}"));
    assert.equal(state.Status, "running");
    assert.equal(state.Running, true);
    assert.ok(state.Pid > 0);
    assert.match(await inspect("web", "{{.NetworkSettings.Networks.bridge.IPAddress}}"), /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(await inspect("web", "{{.Name}} {{.Config.Labels.tier}} {{.HostConfig.RestartPolicy.Name}}"), "/web front no");
    assert.match(await ok(["top", "web"]), /httpd -f -p 8080/);
    const stats = JSON.parse(await ok(["stats", "--no-stream", "--format", "{{json .}}", "web"]));
    assert.equal(stats.Name, "web");
    assert.notEqual(stats.MemUsage.split(" / ")[0], "0B");
    assert.equal(stats.PIDs, "1");
    const exec = await docker(["exec", "-e", "X=1", "-w", "/www", "web", "sh", "-c", 'echo "$X $(pwd) $(cat index.html)"; exit 7']);
    assert.equal(exec.code, 7);
    assert.equal(exec.stdout, "1 /www hello-web\n");

    const local = join(work, "upload.txt");
    writeFileSync(local, "from the host\n");
    await ok(["cp", local, "web:/tmp/"]);
    assert.equal(await ok(["exec", "web", "cat", "/tmp/upload.txt"]), "from the host\n");
    await ok(["cp", "web:/www/index.html", join(work, "down.html")]);
    assert.equal(readFileSync(join(work, "down.html"), "utf8"), "hello-web\n");
    const diff = await ok(["diff", "web"]);
    assert.match(diff, /^A \/www\/index\.html$/m);
    assert.match(diff, /^C \/tmp$/m);

    await ok(["commit", "-c", "CMD [\"cat\", \"/www/index.html\"]", "web", "committed:v1"]);
    assert.equal(await ok(["run", "--rm", "committed:v1"]), "hello-web\n");

    await ok(["stop", "-t", "1", "web"]);
    assert.equal(await inspect("web", "{{.State.Status}} {{.State.ExitCode}}"), "exited 137");
    assert.match(await ok(["ps", "-a", "-l", "--format", "{{.Names}} {{.Status}}"]), /^web Exited \(137\)/);
    await ok(["rm", "web"]);
  });

  test("lifecycle verbs and the events they emit; kill -s, pause, rename, restart, wait, rm -f", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await ok(["run", "-d", "--name", "life", "busybox", "sh", "-c", "trap 'echo got-usr1' USR1; while true; do sleep 0.1; done"]);
    await ok(["kill", "-s", "USR1", "life"]);
    await until("the trap", async () => (await ok(["logs", "life"])).includes("got-usr1"));
    await ok(["pause", "life"]);
    assert.equal(await inspect("life", "{{.State.Status}} {{.State.Paused}}"), "paused true");
    await ok(["unpause", "life"]);
    await ok(["rename", "life", "life2"]);
    await ok(["restart", "-t", "1", "life2"]);
    assert.equal(await inspect("life2", "{{.State.Running}}"), "true");
    const waiting = docker(["wait", "life2"]);
    await ok(["kill", "life2"]);
    assert.equal((await waiting).stdout.trim(), "137");
    await ok(["rm", "-f", "life2"]);
    await ok(["run", "-d", "--name", "follow", "busybox", "sh", "-c", "echo a; sleep 1; echo b >&2; sleep 0.5; echo c"]);
    const followed = await docker(["logs", "-f", "follow"]);
    assert.equal(followed.stdout, "a\nc\n");
    assert.equal(followed.stderr, "b\n");
    assert.equal(await ok(["logs", "--since", "1h", "--tail", "2", "follow"]), "c\n");
    assert.equal(await ok(["logs", "--since", String(Math.floor(Date.now() / 1000) + 5), "follow"]), "");
    await ok(["rm", "follow"]);
    const ev = await ok(["events", "--since", String(since), "--until", String(Math.ceil(Date.now() / 1000) + 1), "--filter", "type=container", "--format", "{{.Action}}"]);
    const actions = ev.split("\n").filter(Boolean);
    for (const a of ["create", "start", "kill", "pause", "unpause", "rename", "die", "restart", "destroy"]) assert.ok(actions.includes(a), `event ${a} in ${actions.join(",")}`);
  });

  test("attach sees the output from the first byte; run -it and exec -it work through a terminal", async () => {
    await ok(["create", "--name", "first", "busybox", "sh", "-c", "echo first-line; sleep 0.3; echo second-line"]);
    assert.equal(await ok(["start", "-a", "first"]), "first-line\nsecond-line\n");
    await ok(["rm", "first"]);

    const it = await underPty([DOCKER, "run", "--rm", "-it", "busybox", "sh"], ["echo $((6*7)); tty\r", "exit 4\r"], env);
    assert.equal(it.code, 4, it.out);
    assert.match(it.out, /\r\n42\r\n\/dev\/pts\/0\r\n/);

    const detached = await underPty([DOCKER, "run", "-it", "--name", "detach", "busybox", "sh"], ["echo still-here\r", "\x10\x11"], env);
    assert.equal(detached.code, 0, detached.out);
    assert.equal(await inspect("detach", "{{.State.Running}}"), "true", "ctrl-p ctrl-q leaves the container running");
    assert.match(await ok(["logs", "detach"]), /still-here/);
    await ok(["rm", "-f", "detach"]);

    await ok(["run", "-d", "--name", "shell", "busybox", "sleep", "600"]);
    const ex = await underPty([DOCKER, "exec", "-it", "shell", "sh"], ["echo $((7*8))\r", "exit 6\r"], env);
    assert.equal(ex.code, 6, ex.out);
    assert.match(ex.out, /\r\n56\r\n/);
    await ok(["rm", "-f", "shell"]);
  });

  test("a user network: containers reach each other by name; network and volume commands", async () => {
    await ok(["network", "create", "appnet"]);
    assert.match(await ok(["network", "ls", "--format", "{{.Name}}"]), /^appnet$/m);
    await ok(["volume", "create", "data"]);
    await ok(["run", "-d", "--name", "db", "--network", "appnet", "-v", "data:/data", "busybox", "sh", "-c", "echo stored > /data/f; exec httpd -f -p 80 -h /data"]);
    const r = await ok(["run", "--rm", "--network", "appnet", "busybox", "wget", "-q", "-O", "-", "http://db/f"]);
    assert.equal(r, "stored\n");
    assert.match(await ok(["network", "inspect", "appnet", "--format", "{{range .Containers}}{{.Name}}{{end}}"]), /db/);
    assert.match(await ok(["volume", "ls", "-q"]), /^data$/m);
    await ok(["rm", "-f", "db"]);
    await ok(["volume", "rm", "data"]);
    await ok(["network", "rm", "appnet"]);
    assert.match(await ok(["system", "df"]), /Images/);
  });

  test("limits: a memory hog is OOMKilled (inspect and events); --pids-limit and --cpu-shares reach the cgroup", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const r = await docker(["run", "--name", "hog", "-m", "16m", "--memory-swap", "16m", "busybox", "sh", "-c", "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived"]);
    assert.notEqual(r.code, 0);
    assert.equal(await inspect("hog", "{{.State.OOMKilled}}"), "true");
    const ev = await ok(["events", "--since", String(since), "--until", String(Math.ceil(Date.now() / 1000) + 1), "--filter", "container=hog", "--format", "{{.Action}}"]);
    assert.match(ev, /^oom$/m);
    await ok(["rm", "hog"]);
    const id = (await ok(["run", "-d", "--pids-limit", "33", "--cpu-shares", "512", "--ulimit", "nofile=512:1024", "--shm-size", "8m", "busybox", "sh", "-c",
      "ulimit -n; df -k /dev/shm | tail -1 | awk '{print $2}'; exec sleep 600"])).trim();
    await until("the limits printed", async () => (await ok(["logs", id])) === "512\n8192\n");
    const v1 = existsSync("/sys/fs/cgroup/pids/gantry");
    const cg = (ctrl: string, file: string) => readFileSync(v1 ? `/sys/fs/cgroup/${ctrl}/gantry/${id}/${file}` : `/sys/fs/cgroup/gantry/${id}/${file}`, "utf8").trim();
    assert.equal(cg("pids", "pids.max"), "33");
    if (v1) assert.equal(cg("cpu", "cpu.shares"), "512");
    await ok(["rm", "-f", id]);
  });

  test("restart policies: on-failure:2 restarts twice, then stays exited", async () => {
    await ok(["run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo run; exit 1"]);
    await until("two restarts", async () => (await inspect("flaky", "{{.RestartCount}} {{.State.Status}}")) === "2 exited");
    assert.equal((await ok(["logs", "flaky"])).trim().split("\n").length, 3);
    await ok(["rm", "flaky"]);
  });

  test("running containers, their logs and exits survive a SIGKILLed agent; a dead monitor is reported", async () => {
    await ok(["run", "-d", "--name", "survivor", "busybox", "sh", "-c", "echo before; trap 'exit 0' TERM; while true; do sleep 0.1; done"]);
    await ok(["run", "-d", "--name", "leaver", "busybox", "sh", "-c", "sleep 1; echo leaving; exit 9"]);
    const pid = Number(await inspect("survivor", "{{.State.Pid}}"));
    await agent.kill();
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(readFileSync(`/proc/${pid}/cmdline`, "utf8").length > 0, "the container kept running without the agent");
    agent = await startOurAgent();
    assert.equal(await inspect("survivor", "{{.State.Status}} {{.State.Pid}}"), `running ${pid}`);
    assert.equal(await inspect("leaver", "{{.State.Status}} {{.State.ExitCode}}"), "exited 9");
    assert.equal(await ok(["logs", "leaver"]), "leaving\n");
    assert.equal(await ok(["logs", "survivor"]), "before\n");
    await ok(["stop", "survivor"]);
    assert.equal(await inspect("survivor", "{{.State.Status}} {{.State.ExitCode}}"), "exited 0");
    await ok(["rm", "survivor", "leaver"]);

    await ok(["run", "-d", "--name", "orphan", "busybox", "sleep", "600"]);
    const monitorPid = Number(JSON.parse(readFileSync(join(root, "containers", (await inspect("orphan", "{{.Id}}")), "config.json"), "utf8")).MonitorPid);
    process.kill(monitorPid, "SIGKILL");
    await until("the dead monitor noticed", async () => (await inspect("orphan", "{{.State.Status}}")) === "dead");
    assert.match(await inspect("orphan", "{{.State.Error}}"), /monitor .* died/);
    await ok(["rm", "-f", "orphan"]);
  });
});

