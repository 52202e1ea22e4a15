// The one way the agent core runs a host program to its end (the runtime's verbs, ps, cp, stty, mknod, setfattr):
// an argument array, never a shell string, started by native/'s posix_spawn — forking the agent would stall its event
// loop for 10-20 ms. A failure is a ProgramError naming the command, with its exit status and stderr.
// (agent/network/exec.ts is the network engine's own wrapper over the same call, with its HostToolError.)
import { hostSys } from "../native/node/sys";

export class ProgramError extends Error {
  constructor(
    readonly command: string,
    readonly stdout: string,
    readonly stderr: string,
    /** The exit status, or null when it was killed by a signal or could not be started. */
    readonly exitCode: number | null,
    how: string,
  ) {
    super(`${command}: ${how}${stderr.trim() ? `: ${stderr.trim()}` : ""}`);
    this.name = "ProgramError";
  }
}

export interface ProgramResult {
  stdout: string;
  stderr: string;
}

export interface RunProgramOptions {
  /** Written to the program's stdin (else it reads /dev/null). */
  input?: string | Buffer;
  /** Gives up waiting after this long (the program is left to end by itself). */
  timeoutMs?: number;
}

/** Runs FILE (looked up in PATH) with ARGS to its end; a non-zero exit or a signal is a ProgramError. */
export async function runProgram(file: string, args: readonly string[], opts: RunProgramOptions = {}): Promise<ProgramResult> {
  const shown = [file, ...args].join(" ");
  const command = shown.length > 300 ? `${shown.slice(0, 300)}…` : shown;
  let pending;
  try {
    pending = hostSys().spawn(file, args, opts.input === undefined ? null : Buffer.from(opts.input));
  } catch (e) {
    throw new ProgramError(command, "", "", null, `cannot run: ${(e as Error).message}`);
  }
  const started = pending.catch((e: Error) => {
    throw new ProgramError(command, "", "", null, `cannot run: ${e.message}`);
  });
  let timer: NodeJS.Timeout | undefined;
  const r = opts.timeoutMs
    ? await Promise.race([
        started,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ProgramError(command, "", "", null, `no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer))
    : await started;
  const stdout = r.stdout.toString();
  const stderr = r.stderr.toString();
  if (r.status === 0) return { stdout, stderr };
  throw new ProgramError(command, stdout, stderr, r.status, r.status === null ? `killed by signal ${r.signal}` : `exit status ${r.status}`);
}
