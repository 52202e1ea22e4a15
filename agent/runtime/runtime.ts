// The one place that speaks gantry-runtime's command line (runc's verbs: run, exec, kill, delete, pause, resume, ps,
// list, update, --version) over one state root. Containers, exec, the image builder's RUN step and the reaping of
// leftovers all call this; nothing else builds the runtime's arguments. Verbs that run to their end go through
// runProgram (posix_spawn, no fork of the agent); the two that stay in the foreground with their stdio (run, exec)
// return the child process.
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { ProgramError, runProgram } from "../process";

/** The runtime refused a verb: `reason` is its own message (without its "gantry-runtime: " prefix). */
export class RuntimeError extends Error {
  constructor(
    readonly verb: string,
    readonly reason: string,
    readonly exitCode: number | null,
  ) {
    super(`gantry-runtime ${verb}: ${reason}`);
    this.name = "RuntimeError";
  }
}

// With a TTY the runtime runs under util-linux `script`, on a host pty put in raw mode first. GANTRY_EXEC_STTY is empty
// or "rows N cols N" (numbers the caller checked): word-split on purpose. The command line is constant: everything
// variable travels in the environment.
const SCRIPT_COMMAND =
  'stty raw -echo $GANTRY_EXEC_STTY && exec "$GANTRY_EXEC_RUNTIME" --root "$GANTRY_EXEC_ROOT" exec --pid-file "$GANTRY_EXEC_PID_FILE" --process "$GANTRY_EXEC_PROCESS" "$GANTRY_EXEC_ID"';

export interface ExecProcess {
  /** The OCI process JSON file (args, env, user, terminal, ...). */
  processFile: string;
  /** Where the runtime writes the process's pid once it started. */
  pidFile: string;
}

export class RuntimeClient {
  constructor(
    /** The gantry-runtime binary. */
    readonly binary: string,
    /** Its state root (--root). */
    readonly root: string,
  ) {}

  private async verb(verb: string, args: string[], input?: string): Promise<string> {
    try {
      return (await runProgram(this.binary, ["--root", this.root, ...args], input === undefined ? {} : { input })).stdout;
    } catch (e) {
      if (!(e instanceof ProgramError)) throw e;
      const said = e.stderr.trim().replace(/^gantry-runtime: /, "");
      throw new RuntimeError(verb, said || (e.exitCode === null ? e.message : `exited with ${e.exitCode}`), e.exitCode);
    }
  }

  /** Sends a signal (a number or a name) to the container's init. */
  async kill(id: string, signal: number | string): Promise<void> {
    await this.verb("kill", ["kill", id, String(signal)]);
  }

  /** Deletes the container (with force, a running one is killed first). */
  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.verb("delete", ["delete", ...(opts.force ? ["--force"] : []), id]);
  }

  async pause(id: string): Promise<void> {
    await this.verb("pause", ["pause", id]);
  }

  async resume(id: string): Promise<void> {
    await this.verb("resume", ["resume", id]);
  }

  /** The pids (in the host's pid namespace) of the container's processes. */
  async ps(id: string): Promise<number[]> {
    return JSON.parse((await this.verb("ps", ["ps", "--format", "json", id])) || "[]") as number[];
  }

  /** The containers under this root. */
  async list(): Promise<{ id: string }[]> {
    return (JSON.parse((await this.verb("list", ["list", "--format", "json"])) || "[]") as { id: string }[] | null) ?? [];
  }

  /** Sets a running container's cgroup limits (an OCI `linux.resources` object). */
  async update(id: string, resources: object): Promise<void> {
    await this.verb("update", ["update", "--resources", "-", id], JSON.stringify(resources));
  }

  /** `run`: creates, starts and waits for the container of `bundle` in the foreground (stdin closed, output piped). */
  run(bundle: string, id: string): ChildProcessByStdio<null, Readable, Readable> {
    mkdirSync(this.root, { recursive: true });
    return spawn(this.binary, ["--root", this.root, "run", "--bundle", bundle, id], { stdio: ["ignore", "pipe", "pipe"] });
  }

  /** `exec` in the foreground, its stdio piped. */
  exec(id: string, p: ExecProcess): ChildProcessByStdio<Writable, Readable, Readable> {
    return spawn(this.binary, ["--root", this.root, "exec", "--pid-file", p.pidFile, "--process", p.processFile, id], { stdio: ["pipe", "pipe", "pipe"] });
  }

  /**
   * `exec` of a process with `terminal: true`, given a host terminal: util-linux `script` makes a pty, `stty` puts it
   * in raw mode (and sizes it), then the runtime proxies the container pty to it. Resizing is `stty -F` on that pty.
   */
  execInTerminal(id: string, p: ExecProcess, size?: [rows: number, cols: number]): ChildProcessByStdio<Writable, Readable, Readable> {
    return spawn("script", ["-q", "-e", "-c", SCRIPT_COMMAND, "/dev/null"], {
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        ...process.env, SHELL: "/bin/sh", GANTRY_EXEC_RUNTIME: this.binary, GANTRY_EXEC_ROOT: this.root,
        GANTRY_EXEC_PROCESS: p.processFile, GANTRY_EXEC_PID_FILE: p.pidFile, GANTRY_EXEC_ID: id, GANTRY_EXEC_STTY: size ? `rows ${size[0]} cols ${size[1]}` : "",
      },
    });
  }

  /** Whether process `pid` is this runtime (script's child once it exec'd it). */
  isRuntimeProcess(pid: number | string): boolean {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] === this.binary;
    } catch {
      return false;
    }
  }
}

/** `gantry-runtime --version`'s first line, or null when the binary is not built or does not answer within 3 s. */
export async function runtimeVersion(binary: string): Promise<string | null> {
  if (!existsSync(binary)) return null;
  try {
    const first = (await runProgram(binary, ["--version"], { timeoutMs: 3_000 })).stdout.split("\n")[0]!.trim();
    return first ? first.slice(0, 256) : null;
  } catch {
    return null;
  }
}
