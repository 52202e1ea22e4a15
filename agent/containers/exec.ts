// `docker exec`: a process entered into a running container by `gantry-runtime exec --process FILE`. Without a TTY
// its stdout and stderr stay apart. With one, the process file says `terminal: true` and the runtime opens the pty
// inside the container, after joining its mount namespace — so the process's terminal is a device of the container's
// own devpts (`tty` prints /dev/pts/N, as under dockerd) — and, run in the foreground, proxies that pty's master to its
// own stdio and copies its own stdin's window size onto the master (TIOCSWINSZ) on every SIGWINCH, as `runc exec -t`
// does at a terminal. The agent gives the runtime that terminal with util-linux `script`: a host pty put in raw mode
// (`stty raw -echo`) before the runtime starts, so it passes bytes untouched; a resize is `stty -F` on it, whose
// SIGWINCH the runtime turns into the container pty's new size. The command line handed to script is constant: the
// runtime, its root, the process file, the id and the initial size travel in the environment. Input that arrives
// before the runtime runs waits, so the host pty never echoes it. The exit code is kept for `GET /exec/{id}/json`; a
// command that never started (the runtime wrote no --pid-file) gets dockerd's codes: 127 when it was not found, 126
// when it could not be run.
//
// Closing an exec (the client's connection or stream going away) ends what it runs: the runtime makes the exec's
// process a session leader (setsid), and the agent kills every process of that session in the container's pid
// namespace — killing only the runtime left the command running under the container's init.
//
// (The --console-socket way — the master received over SCM_RIGHTS, as containerd's shim does — needs a call Node lacks:
// receiving a descriptor on a unix socket, and an ioctl for the size. gantry-runtime supports it; the agent cannot use
// it until native/'s addon offers those two calls.)
import type { ChildProcess } from "node:child_process";
import { runProgram } from "../process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { badRequest, conflict, GantryError } from "../../lib/errors";
import type { ContainerService } from "./service";
import { DetachKeyMatcher, DetachKeysError, parseDetachKeys } from "./detach-keys";
import { DEFAULT_CAPS, resolveUser } from "./spec";

export interface ExecConfig {
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Tty: boolean;
  Env: string[];
  Cmd: string[];
  WorkingDir: string;
  User: string;
  Privileged: boolean;
  DetachKeys?: string;
  /** [rows, cols] of the terminal at start (API 1.42+), or absent. */
  ConsoleSize?: [number, number];
}

export interface ExecSession {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  exitCode: number | null;
  pid: number;
  child: ChildProcess | null;
  done: Promise<void>;
  /** Where the runtime writes the process's pid (in the host's pid namespace) once it started. */
  pidFile: string;
  /** With a TTY: the host pty the runtime proxies, once the runtime runs on it (null if it never did). */
  terminal: Promise<string | null> | null;
}

export interface ExecIo {
  write(stream: 1 | 2, data: Buffer): void;
  end(): void;
  /** The client typed the detach keys (a TTY exec): its stream ends, the process goes on. */
  detach?(): void;
}

/** How long the runtime has to exit by itself once the exec's processes were killed. */
const KILL_GRACE_MS = 1000;
/** How long a kill waits for a starting exec's pid file before it kills the runtime itself. */
const START_WAIT_MS = 10_000;
/** How long input and resizes wait for the runtime to be running on its terminal. */
const TERMINAL_WAIT_MS = 10_000;

function consoleSize(v: unknown): [number, number] | undefined {
  if (v === undefined || v === null) return undefined;
  const ok = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffff;
  if (!Array.isArray(v) || v.length !== 2 || !ok(v[0]) || !ok(v[1])) throw badRequest("ConsoleSize must be [height, width], two integers from 0 to 65535");
  return v[0] && v[1] ? [v[0], v[1]] : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pid in a runtime pid file, or 0. */
function readPid(file: string): number {
  try {
    return Number(readFileSync(file, "utf8").trim()) || 0;
  } catch {
    return 0;
  }
}

function pidNamespace(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

/**
 * SIGKILLs every live process of session SID in the pid namespace PIDNS (a session id stays taken while any process
 * holds it, so the number cannot name another session meanwhile). Repeated while a round still found some — a
 * process may fork between the scan and its kill — a bounded number of times; the killed remain as zombies until
 * their parent reaps them.
 */
export function killSession(sid: number, pidns: string): number {
  let killed = 0;
  for (let round = 0; round < 20; round++) {
    let found = 0;
    for (const name of readdirSync("/proc")) {
      if (!/^[0-9]+$/.test(name)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${name}/stat`, "utf8");
      } catch {
        continue; // gone
      }
      // pid (comm) state ppid pgrp session …; comm may hold spaces and parentheses: split after the last ")".
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(f[3]) !== sid || f[0] === "Z" || pidNamespace(Number(name)) !== pidns) continue;
      try {
        process.kill(Number(name), "SIGKILL");
        found++;
      } catch {
        // exited meanwhile
      }
    }
    killed += found;
    if (!found) break;
  }
  return killed;
}

export class ExecService {
  private readonly sessions = new Map<string, ExecSession>();

  constructor(
    private readonly containers: ContainerService,
    private readonly scratch: string,
  ) {}

  create(containerRef: string, body: Partial<ExecConfig>): string {
    const c = this.containers.get(containerRef);
    if (!c.State.Running) throw conflict(`Container ${c.Id} is not running`);
    if (c.State.Paused) throw conflict(`Container ${c.Id} is paused, unpause the container before exec`);
    if (!Array.isArray(body.Cmd) || body.Cmd.length === 0 || body.Cmd.some((a) => typeof a !== "string")) throw badRequest("No exec command specified");
    const detachKeys = typeof body.DetachKeys === "string" ? body.DetachKeys : "";
    try {
      parseDetachKeys(detachKeys);
    } catch (e) {
      if (e instanceof DetachKeysError) throw badRequest(`Invalid escape keys (${detachKeys}) provided`);
      throw e;
    }
    const id = randomBytes(32).toString("hex");
    this.sessions.set(id, {
      id,
      containerId: c.Id,
      config: {
        AttachStdin: !!body.AttachStdin, AttachStdout: !!body.AttachStdout, AttachStderr: !!body.AttachStderr, Tty: !!body.Tty,
        Env: body.Env ?? [], Cmd: body.Cmd, WorkingDir: body.WorkingDir ?? "", User: body.User ?? "", Privileged: !!body.Privileged,
        ConsoleSize: consoleSize(body.ConsoleSize),
        DetachKeys: detachKeys,
      },
      running: false,
      exitCode: null,
      pid: 0,
      child: null,
      done: Promise.resolve(),
      terminal: null,
      pidFile: join(this.scratch, `${id}.pid`),
    });
    return id;
  }

  get(id: string): ExecSession {
    const s = this.sessions.get(id);
    if (!s) throw new GantryError("not_found", `No such exec instance: ${id}`);
    return s;
  }

  /** Throws the refusal a start of this exec would meet (it ran already, its container is not running). */
  assertStartable(id: string) {
    const s = this.get(id);
    if (s.running || s.exitCode !== null) throw conflict(`Exec ${id} has already run`);
    const c = this.containers.get(s.containerId);
    if (!c.State.Running) throw conflict(`Container ${c.Id} is not running`);
  }

  /** Starts the exec; `consoleSize` (the start request's, with a TTY) wins over the one given at create. */
  async start(id: string, io: ExecIo, opts: { consoleSize?: unknown } = {}): Promise<{ input(d: Buffer): void; inputEnd(): void; kill(): void }> {
    const s = this.get(id);
    const startSize = consoleSize(opts.consoleSize);
    if (startSize && s.exitCode === null && !s.running) s.config.ConsoleSize = startSize;
    if (s.running || s.exitCode !== null) throw conflict(`Exec ${id} has already run`);
    const c = this.containers.get(s.containerId);
    if (!c.State.Running) throw conflict(`Container ${c.Id} is not running`);
    const rootfs = await this.containers.rootfs(c.Id);
    const user = resolveUser(rootfs, s.config.User || c.Config.User, c.HostConfig.GroupAdd as string[] | null);
    const env = new Map<string, string>();
    for (const e of [...c.Config.Env, ...(s.config.Tty ? ["TERM=xterm"] : []), ...s.config.Env]) env.set(e.split("=")[0]!, e);
    if (!env.has("PATH")) env.set("PATH", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    if (!env.has("HOSTNAME")) env.set("HOSTNAME", `HOSTNAME=${c.Config.Hostname}`);
    const caps = s.config.Privileged ? undefined : DEFAULT_CAPS;
    const size = s.config.Tty ? s.config.ConsoleSize : undefined;
    const proc = {
      terminal: s.config.Tty,
      ...(size ? { consoleSize: { height: size[0], width: size[1] } } : {}),
      user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) },
      args: s.config.Cmd,
      env: [...env.values()],
      cwd: s.config.WorkingDir || c.Config.WorkingDir || "/",
      ...(caps ? { capabilities: { bounding: caps, effective: caps, permitted: caps } } : {}),
      noNewPrivileges: false,
    };
    mkdirSync(this.scratch, { recursive: true });
    const procFile = join(this.scratch, `${id}.json`);
    writeFileSync(procFile, JSON.stringify(proc));
    const pidFile = s.pidFile;
    const runtime = this.containers.runtime;
    const child = s.config.Tty ? runtime.execInTerminal(c.Id, { processFile: procFile, pidFile }, size) : runtime.exec(c.Id, { processFile: procFile, pidFile });
    s.child = child;
    s.running = true;
    s.pid = child.pid ?? 0;
    // The last of what was written, to tell why a command that never started did not.
    let tail = "";
    const keep = (d: Buffer) => (tail = (tail + d.toString("latin1")).slice(-4096));
    child.stdout!.on("data", (d: Buffer) => {
      if (s.config.Tty) keep(d);
      if (s.config.AttachStdout) io.write(1, d);
    });
    child.stderr!.on("data", (d: Buffer) => {
      keep(d);
      if (s.config.Tty ? s.config.AttachStdout : s.config.AttachStderr) io.write(s.config.Tty ? 1 : 2, d);
    });
    child.stdin!.on("error", () => {});
    if (!s.config.AttachStdin && !s.config.Tty) child.stdin!.end();
    // Input waits until the runtime runs on the (then raw) host pty; without a TTY it goes straight to the pipe.
    let pending: Buffer[] | null = s.config.Tty ? [] : null;
    if (s.config.Tty) {
      s.terminal = this.runtimeTerminal(s);
      void s.terminal.then(() => {
        for (const d of pending ?? []) if (!child.stdin!.destroyed) child.stdin!.write(d);
        pending = null;
      });
    }
    // With a TTY the detach keys leave the process running and end only the client's stream.
    const detach = s.config.Tty && s.config.AttachStdin ? new DetachKeyMatcher(parseDetachKeys(s.config.DetachKeys)) : null;
    let detached = false;
    const toStdin = (d: Buffer) => {
      if (pending) pending.push(Buffer.from(d));
      else if (!child.stdin!.destroyed) child.stdin!.write(d);
    };
    // Ends the exec's whole session in the container (its pid file names the session leader), then the runtime.
    let killing = false;
    const pidns = pidNamespace(c.State.Pid);
    const endSession = (): boolean => {
      const sid = readPid(pidFile);
      if (sid && pidns) killSession(sid, pidns);
      return sid > 0;
    };
    s.done = new Promise<void>((resolve) => {
      child.once("error", (e) => {
        s.running = false;
        s.exitCode = 126;
        io.write(2, Buffer.from(`cannot run exec: ${e.message}\n`));
        io.end();
        resolve();
      });
      child.once("close", (code, sig) => {
        // Killed before its pid file was there to read: it may have started since.
        if (killing) endSession();
        s.running = false;
        s.exitCode = code ?? 128 + (sig === "SIGKILL" ? 9 : 15);
        if (s.exitCode !== 0 && !existsSync(pidFile)) s.exitCode = /not found|no such file/i.test(tail) ? 127 : 126;
        rmSync(procFile, { force: true });
        rmSync(pidFile, { force: true });
        io.end();
        resolve();
      });
    });
    return {
      input: (d) => {
        if (!s.config.AttachStdin || detached) return;
        const { pass, detached: now } = detach ? detach.feed(d) : { pass: d, detached: false };
        if (pass.length) toStdin(pass);
        if (!now) return;
        detached = true;
        this.containers.emit(c, "exec_detach", { execID: s.id });
        io.detach?.();
      },
      inputEnd: () => {
        if (!s.config.Tty) child.stdin!.end();
      },
      kill: () => {
        if (!s.running || killing) return;
        killing = true;
        // The runtime writes the pid file once the process has been entered into the container; before that it is
        // left to finish starting (killing it then would orphan a process it had already forked there), and the
        // session is ended as soon as the file appears. The runtime reaps the process it started and exits with its
        // status; it is killed only if it does not, or if the pid file never came.
        const deadline = Date.now() + START_WAIT_MS;
        const attempt = () => {
          if (!s.running) return;
          if (endSession()) {
            setTimeout(() => {
              if (s.running) child.kill("SIGKILL");
            }, KILL_GRACE_MS).unref();
            return;
          }
          if (Date.now() >= deadline) return void child.kill("SIGKILL");
          setTimeout(attempt, 20).unref();
        };
        attempt();
      },
    };
  }

  /**
   * The host pty `script` made, once its child is the runtime (`stty raw -echo` has then run on it): fd 0 of that
   * child. Null when the exec ended first or the runtime did not appear in time.
   */
  private async runtimeTerminal(s: ExecSession): Promise<string | null> {
    const deadline = Date.now() + TERMINAL_WAIT_MS;
    while (s.running && Date.now() < deadline) {
      let children: string[] = [];
      try {
        children = readFileSync(`/proc/${s.pid}/task/${s.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
      } catch {
        // script has not forked yet, or is gone (then s.running turns false)
      }
      for (const pid of children) {
        try {
          if (!this.containers.runtime.isRuntimeProcess(pid)) continue;
          const tty = readlinkSync(`/proc/${pid}/fd/0`);
          if (/^\/dev\/pts\/\d+$/.test(tty)) return tty;
        } catch {
          // the child exited meanwhile
        }
      }
      await sleep(5);
    }
    return null;
  }

  /** Sets the exec's terminal size: on the host pty, whose SIGWINCH makes the runtime set the container pty's. */
  async resize(id: string, rows: number, cols: number) {
    const s = this.get(id);
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || rows > 0xffff || cols > 0xffff) {
      throw badRequest("a terminal size must be two integers from 0 to 65535");
    }
    if (!s.config.Tty) return;
    if (!s.running) {
      // Sized before it started: the runtime opens the pty with this size.
      if (s.exitCode === null && rows && cols) s.config.ConsoleSize = [rows, cols];
      return;
    }
    const tty = await s.terminal;
    if (!tty || !s.running) return;
    await runProgram("stty", ["-F", tty, "rows", String(rows), "cols", String(cols)]).catch(() => {});
  }

  /** The exec's process (dockerd's Pid): from the runtime's pid file while it runs, else the runtime's own pid. */
  private processPid(s: ExecSession): number {
    if (!s.running) return s.pid;
    try {
      return Number(readFileSync(s.pidFile, "utf8").trim()) || s.pid;
    } catch {
      return s.pid;
    }
  }

  inspect(id: string) {
    const s = this.get(id);
    return {
      ID: s.id,
      Running: s.running,
      ExitCode: s.exitCode,
      ProcessConfig: { tty: s.config.Tty, entrypoint: s.config.Cmd[0], arguments: s.config.Cmd.slice(1), privileged: s.config.Privileged, user: s.config.User },
      OpenStdin: s.config.AttachStdin,
      OpenStderr: s.config.AttachStderr,
      OpenStdout: s.config.AttachStdout,
      CanRemove: false,
      ContainerID: s.containerId,
      DetachKeys: s.config.DetachKeys ?? "",
      Pid: this.processPid(s),
    };
  }

  /** Forgets one session (a healthcheck's probe, once its result is taken). */
  forget(id: string) {
    this.sessions.delete(id);
  }

  /** Forgets finished sessions of a removed container. */
  forgetContainer(containerId: string) {
    for (const [id, s] of this.sessions) if (s.containerId === containerId && !s.running) this.sessions.delete(id);
  }
}
