// `docker exec -t` through the real docker CLI, driven at a pseudo-terminal made by util-linux `script`, against a
// standalone gantry-agent: the process's terminal is a pty of the container's own devpts (`tty` prints /dev/pts/N, as
// under dockerd), the CLI's terminal size reaches it at start and after a resize (`stty size`), the exit code comes
// back, and a non-interactive `exec -t` works too.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentProcess } from "../support/agent";
import {
  DOCKER, dockerCli, dockerClientEnv, networkingEnv, pushBusybox, removeNetworking, startEngineAgent, testNetworking, type TestNetworking,
} from "../support/docker-cli";
import { startRegistry, type TestRegistry } from "../support/registry";

/** A command run at a terminal of its own (`script`), which a test types into, reads, and resizes. */
class Terminal {
  readonly child: ChildProcess;
  out = "";
  readonly closed: Promise<number>;
  private waiters: Array<() => void> = [];
  private typed = 0;

  constructor(argv: string[], env: Record<string, string>, size: { rows: number; cols: number }) {
    const quoted = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    // The size is set on the terminal before the command runs: the CLI reads it at start.
    const command = `stty rows ${size.rows} cols ${size.cols}; exec ${quoted}`;
    this.child = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], {
      env: { ...process.env, ...env, SHELL: "/bin/sh" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdout!.on("data", (d: Buffer) => {
      const text = d.toString();
      this.out += text;
      // busybox's line editor asks the terminal where the cursor is (ESC[6n); a terminal answers, and so do we.
      for (let i = 0; i < text.split("\x1b[6n").length - 1; i++) this.child.stdin!.write("\x1b[1;5R");
      for (const w of this.waiters.splice(0)) w();
    });
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 60_000);
    this.closed = new Promise((resolve, reject) => {
      this.child.once("error", reject);
      this.child.once("close", (code) => {
        clearTimeout(timer);
        for (const w of this.waiters.splice(0)) w();
        resolve(code ?? -1);
      });
    });
  }

  /** Types `text` at the shell's next prompt: once "# " is on the screen, and a moment later (busybox's line editor
   * first asks the terminal for the cursor position, and input typed into that exchange is lost). */
  async typeAtPrompt(text: string) {
    await this.waitFor(/# /, this.typed);
    this.typed = this.out.length;
    await new Promise((r) => setTimeout(r, 200));
    this.child.stdin!.write(text);
  }

  /** Waits until the output after `from` matches `re`; fails if the command ends or 30 s pass first. */
  async waitFor(re: RegExp, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const m = this.out.slice(from).match(re);
      if (m) return m;
      if (this.child.exitCode !== null || this.child.signalCode !== null) assert.fail(`ended before ${re}:\n${JSON.stringify(this.out)}`);
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${re}:\n${JSON.stringify(this.out)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 500);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  /** Resizes the terminal as a terminal emulator would: TIOCSWINSZ on it, SIGWINCH to the command (the docker CLI). */
  resize(rows: number, cols: number) {
    const kids = readFileSync(`/proc/${this.child.pid}/task/${this.child.pid}/children`, "utf8").trim().split(/\s+/);
    const tty = readlinkSync(`/proc/${kids[0]}/fd/0`);
    assert.match(tty, /^\/dev\/pts\/\d+$/);
    execFileSync("stty", ["-F", tty, "rows", String(rows), "cols", String(cols)]);
  }
}

describe("docker exec with a terminal", () => {
  let work: string;
  let root: string;
  let socket: string;
  let agent: AgentProcess;
  let registry: TestRegistry;
  let net: TestNetworking;
  const env: Record<string, string> = {};
  const { docker, ok } = dockerCli(env);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "gantry-exec-tty-"));
    root = join(work, "root");
    socket = join(work, "run", "docker.sock");
    Object.assign(env, dockerClientEnv(work, socket));
    net = testNetworking("get");
    registry = await startRegistry("open");
    const image = await pushBusybox(registry.host);
    agent = await startEngineAgent(root, socket, networkingEnv(net));
    await ok(["pull", "-q", image]);
    await ok(["tag", image, "busybox"]);
    await ok(["run", "-d", "--name", "box", "busybox", "sleep", "600"]);
  });

  after(async () => {
    const ids = (await docker(["ps", "-aq"])).stdout.split("\n").filter(Boolean);
    if (ids.length) await docker(["rm", "-f", ...ids]);
    await agent?.stop();
    await registry?.stop();
    if (net) await removeNetworking(root, net);
    rmSync(work, { recursive: true, force: true });
  });

  test("exec -it: the terminal is the container's /dev/pts/N, sized like the CLI's and resized with it; the exit code", async () => {
    const t = new Terminal([DOCKER, "exec", "-it", "box", "sh"], env, { rows: 31, cols: 97 });
    let mark = t.out.length;
    await t.typeAtPrompt("echo T=$(tty) S=$(stty size) $((6*7))\r");
    const first = await t.waitFor(/T=(\S+) S=(\d+ \d+) 42\r\n/, mark);
    assert.match(first[1]!, /^\/dev\/pts\/\d+$/, "tty names a terminal");
    assert.equal(first[2], "31 97", "the exec starts with the CLI's terminal size");

    // The pty is the container's own: its devpts lists it, and the process's stdin is that device.
    mark = t.out.length;
    await t.typeAtPrompt("ls /dev/pts; readlink /proc/self/fd/0; echo DONE\r");
    const listed = await t.waitFor(/ls \/dev\/pts.*\r\n([\s\S]*)DONE\r\n/, mark);
    assert.ok(listed[1]!.includes(first[1]!), `${first[1]} is in the container's /dev/pts:\n${listed[1]}`);

    t.resize(40, 132);
    // The CLI sends the new size when SIGWINCH reaches it; ask until the container's terminal shows it.
    let size = "";
    for (let i = 0; i < 50 && size !== "40 132"; i++) {
      mark = t.out.length;
      await t.typeAtPrompt(`echo R${i}=$(stty size)\r`);
      size = (await t.waitFor(new RegExp(`R${i}=(\\d+ \\d+)\\r\\n`), mark))[1]!;
    }
    assert.equal(size, "40 132", "stty size follows the resize");

    await t.typeAtPrompt("exit 5\r");
    assert.equal(await t.closed, 5, t.out);
  });

  test("exec -t without -i prints the container's tty; exit codes: the command's own, 127 not found, 126 not runnable", async () => {
    const t = new Terminal([DOCKER, "exec", "-t", "box", "tty"], env, { rows: 24, cols: 80 });
    assert.equal(await t.closed, 0, t.out);
    // The CLI leaves its terminal cooked without -i: that terminal turns the container pty's \r\n into \r\r\n.
    assert.match(t.out, /^\/dev\/pts\/\d+\r+\n$/);

    const fails = new Terminal([DOCKER, "exec", "-it", "box", "sh", "-c", "echo bye; exit 3"], env, { rows: 24, cols: 80 });
    assert.equal(await fails.closed, 3, fails.out);
    assert.match(fails.out, /bye\r\n/);

    const missing = new Terminal([DOCKER, "exec", "-it", "box", "no-such-binary"], env, { rows: 24, cols: 80 });
    assert.equal(await missing.closed, 127, missing.out);
    assert.match(missing.out, /no-such-binary.*not found/, "a command that cannot start says why on the terminal");

    // dockerd's codes for a command that never started, without a terminal too: 127 not found, 126 not runnable.
    const notFound = await docker(["exec", "box", "no-such-binary"]);
    assert.equal(notFound.code, 127, notFound.stderr);
    assert.match(notFound.stderr, /no-such-binary.*not found/);
    const notRunnable = await docker(["exec", "box", "/etc/passwd"]);
    assert.equal(notRunnable.code, 126, notRunnable.stderr);
    assert.match(notRunnable.stderr, /permission denied/i);
    // A command that ran and failed keeps its own code, whatever it printed.
    const own = await docker(["exec", "box", "sh", "-c", "echo 'x: not found' >&2; exit 1"]);
    assert.equal(own.code, 1);

    // Without a terminal, exec keeps its pipes: no tty.
    const plain = await docker(["exec", "box", "tty"]);
    assert.equal(plain.code, 1);
    assert.equal(plain.stdout, "not a tty\n");
  });
});
