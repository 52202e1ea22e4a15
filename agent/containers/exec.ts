// `docker exec`: a process entered into a running container by `gantry-runtime exec --process FILE`. Without a TTY
// its stdout and stderr stay apart; with one it runs under a pseudo-terminal made by util-linux `script` (the command
// line handed to script is constant: the runtime, its root, the process file and the id travel in the environment),
// and a resize is applied to that terminal with `stty -F`. The exit code is kept for `GET /exec/{id}/json`.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { badRequest, conflict, GantryError } from "../../lib/errors";
import type { ContainerService } from "./service";
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
}

export interface ExecIo {
  write(stream: 1 | 2, data: Buffer): void;
  end(): void;
}

const SCRIPT_COMMAND = 'exec "$GANTRY_EXEC_RUNTIME" --root "$GANTRY_EXEC_ROOT" exec --process "$GANTRY_EXEC_PROCESS" "$GANTRY_EXEC_ID"';

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
    const id = randomBytes(32).toString("hex");
    this.sessions.set(id, {
      id,
      containerId: c.Id,
      config: {
        AttachStdin: !!body.AttachStdin, AttachStdout: !!body.AttachStdout, AttachStderr: !!body.AttachStderr, Tty: !!body.Tty,
        Env: body.Env ?? [], Cmd: body.Cmd, WorkingDir: body.WorkingDir ?? "", User: body.User ?? "", Privileged: !!body.Privileged,
      },
      running: false,
      exitCode: null,
      pid: 0,
      child: null,
      done: Promise.resolve(),
    });
    return id;
  }

  get(id: string): ExecSession {
    const s = this.sessions.get(id);
    if (!s) throw new GantryError("not_found", `No such exec instance: ${id}`);
    return s;
  }

  async start(id: string, io: ExecIo): Promise<{ input(d: Buffer): void; inputEnd(): void; kill(): void }> {
    const s = this.get(id);
    if (s.running || s.exitCode !== null) throw conflict(`Exec ${id} has already run`);
    const c = this.containers.get(s.containerId);
    if (!c.State.Running) throw conflict(`Container ${c.Id} is not running`);
    const rootfs = await this.containers.rootfs(c.Id);
    const user = resolveUser(rootfs, s.config.User || c.Config.User);
    const env = new Map<string, string>();
    for (const e of [...c.Config.Env, ...(s.config.Tty ? ["TERM=xterm"] : []), ...s.config.Env]) env.set(e.split("=")[0]!, e);
    if (!env.has("PATH")) env.set("PATH", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    if (!env.has("HOSTNAME")) env.set("HOSTNAME", `HOSTNAME=${c.Config.Hostname}`);
    const caps = s.config.Privileged ? undefined : DEFAULT_CAPS;
    const proc = {
      terminal: false,
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
    const runtimeArgs = ["--root", this.containers.runtimeRoot, "exec", "--process", procFile, c.Id];
    const child = s.config.Tty
      ? spawn("script", ["-q", "-e", "-c", SCRIPT_COMMAND, "/dev/null"], {
          stdio: ["pipe", "pipe", "pipe"],
          env: { ...process.env, SHELL: "/bin/sh", GANTRY_EXEC_RUNTIME: this.containers.runtime, GANTRY_EXEC_ROOT: this.containers.runtimeRoot, GANTRY_EXEC_PROCESS: procFile, GANTRY_EXEC_ID: c.Id },
        })
      : spawn(this.containers.runtime, runtimeArgs, { stdio: ["pipe", "pipe", "pipe"] });
    s.child = child;
    s.running = true;
    s.pid = child.pid ?? 0;
    child.stdout!.on("data", (d: Buffer) => s.config.AttachStdout && io.write(1, d));
    child.stderr!.on("data", (d: Buffer) => (s.config.Tty ? s.config.AttachStdout && io.write(1, d) : s.config.AttachStderr && io.write(2, d)));
    child.stdin!.on("error", () => {});
    if (!s.config.AttachStdin && !s.config.Tty) child.stdin!.end();
    s.done = new Promise<void>((resolve) => {
      child.once("error", (e) => {
        s.running = false;
        s.exitCode = 126;
        io.write(2, Buffer.from(`cannot run exec: ${e.message}\n`));
        io.end();
        resolve();
      });
      child.once("close", (code, sig) => {
        s.running = false;
        s.exitCode = code ?? 128 + (sig === "SIGKILL" ? 9 : 15);
        rmSync(procFile, { force: true });
        io.end();
        resolve();
      });
    });
    return {
      input: (d) => {
        if (s.config.AttachStdin && !child.stdin!.destroyed) child.stdin!.write(d);
      },
      inputEnd: () => {
        if (!s.config.Tty) child.stdin!.end();
      },
      kill: () => {
        if (s.running) child.kill("SIGKILL");
      },
    };
  }

  /** Sets the exec's terminal size (the pty `script` made, found through its child's stdin). */
  async resize(id: string, rows: number, cols: number) {
    const s = this.get(id);
    if (!s.running || !s.config.Tty || !s.pid) return;
    let children: string[] = [];
    try {
      children = readFileSync(`/proc/${s.pid}/task/${s.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    } catch {
      return;
    }
    for (const pid of children) {
      let tty: string;
      try {
        tty = readlinkSync(`/proc/${pid}/fd/0`);
      } catch {
        continue;
      }
      if (!/^\/dev\/pts\/\d+$/.test(tty)) continue;
      await new Promise<void>((resolve) => execFile("stty", ["-F", tty, "rows", String(rows), "cols", String(cols)], () => resolve()));
      return;
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
      DetachKeys: "",
      Pid: s.pid,
    };
  }

  /** Forgets finished sessions of a removed container. */
  forgetContainer(containerId: string) {
    for (const [id, s] of this.sessions) if (s.containerId === containerId && !s.running) this.sessions.delete(id);
  }
}
