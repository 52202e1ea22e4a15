// The one way the network engine runs host tools (ip, iptables-restore, nsenter): an argument array, never a shell
// string, so names and addresses that reach here can never be interpreted as shell syntax. The tools are started
// by native/'s posix_spawn, not by forking the agent (which stalls its event loop for 10-20 ms each time).
// A failure becomes a HostToolError that names the command and carries its stderr.
import { hostSys } from "../../native/node/sys";

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

export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const shown = [cmd, ...args].join(" ");
  const named = shown.length > 300 ? shown.slice(0, 300) + "…" : shown;
  let r;
  try {
    r = await hostSys().spawn(cmd, args, opts.input === undefined ? null : Buffer.from(opts.input));
  } catch (e) {
    throw new HostToolError(named, (e as Error).message, null);
  }
  if (r.status !== 0) throw new HostToolError(named, r.stderr.toString() || `killed by signal ${r.signal}`, r.status);
  return r.stdout.toString();
}

/** `ip` in the root network namespace. */
export const ip = (...args: string[]) => run("ip", args);

/** `ip`'s arguments to work inside the namespace at `netnsPath`: `-n NAME` for a named one (one program), else nsenter. */
function inNetns(netnsPath: string, args: string[]): [string, string[]] {
  const named = /^\/run\/netns\/([a-zA-Z0-9][a-zA-Z0-9_.-]*)$/.exec(netnsPath);
  return named ? ["ip", ["-n", named[1]!, ...args]] : ["nsenter", [`--net=${netnsPath}`, "--", "ip", ...args]];
}

/** `ip` inside the network namespace at `netnsPath` (a bind-mounted nsfs file or /proc/<pid>/ns/net). */
export const ipIn = (netnsPath: string, ...args: string[]) => run(...inNetns(netnsPath, args));

/** Several `ip` commands in one process in the root namespace; stops at the first failing line. */
export const ipBatch = (lines: string[][]) => run("ip", ["-batch", "-"], { input: lines.map((l) => l.join(" ")).join("\n") + "\n" });

/** Several `ip` commands in one process inside a namespace; stops at the first failing line. */
export const ipBatchIn = (netnsPath: string, lines: string[][]) =>
  run(...inNetns(netnsPath, ["-batch", "-"]), { input: lines.map((l) => l.join(" ")).join("\n") + "\n" });

/** True when the error says the link/namespace is already gone, which teardown treats as success. */
export function isGone(e: unknown): boolean {
  return e instanceof HostToolError && /Cannot find device|does not exist|No such file|No such device|not found/i.test(e.stderr);
}
