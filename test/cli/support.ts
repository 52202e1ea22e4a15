// Runs the real `gantry` command (bin/gantry.mjs) with its own HOME, so its config file is the test's alone.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../support/bundle";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `stdin`: what the command reads on its standard input, then closed. */
export function gantry(home: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000, stdin?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(REPO_ROOT, "bin/gantry.mjs"), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, HOME: home, XDG_CONFIG_HOME: "", GANTRY_URL: "", GANTRY_TOKEN: "", ...env }, timeout: timeoutMs },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}
