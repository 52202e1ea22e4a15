// The one way the network engine runs host tools (ip, iptables-restore, nsenter): execFile with an argument array,
// never a shell string, so names and addresses that reach here can never be interpreted as shell syntax.
// A failure becomes a HostToolError that names the command and carries its stderr.
import { execFile } from "node:child_process";

export class HostToolError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(`${command} failed${exitCode === null ? "" : ` (exit ${exitCode})`}: ${stderr.trim() || "no error output"}`);
    this.name = "HostToolError";
  }
}

export interface RunOptions {
  /** Written to the tool's stdin (ip -batch -, iptables-restore). */
  input?: string;
}

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : null;
        const shown = [cmd, ...args].join(" ");
        reject(new HostToolError(shown.length > 300 ? shown.slice(0, 300) + "…" : shown, stderr || err.message, code));
      } else resolve(stdout);
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** `ip` in the root network namespace. */
export const ip = (...args: string[]) => run("ip", args);

/** `ip` inside the network namespace at `netnsPath` (a bind-mounted nsfs file or /proc/<pid>/ns/net). */
export const ipIn = (netnsPath: string, ...args: string[]) => run("nsenter", [`--net=${netnsPath}`, "--", "ip", ...args]);

/** Several `ip` commands in one process in the root namespace; stops at the first failing line. */
export const ipBatch = (lines: string[][]) => run("ip", ["-batch", "-"], { input: lines.map((l) => l.join(" ")).join("\n") + "\n" });

/** Several `ip` commands in one process inside a namespace; stops at the first failing line. */
export const ipBatchIn = (netnsPath: string, lines: string[][]) =>
  run("nsenter", [`--net=${netnsPath}`, "--", "ip", "-batch", "-"], { input: lines.map((l) => l.join(" ")).join("\n") + "\n" });

/** True when the error says the link/namespace is already gone, which teardown treats as success. */
export function isGone(e: unknown): boolean {
  return e instanceof HostToolError && /Cannot find device|does not exist|No such file|No such device|not found/i.test(e.stderr);
}
