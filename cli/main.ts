// The `gantry` commands that drive a control plane over /api/v1 with an API token (agent/cli.ts keeps `join` and
// `version`, which act on this machine, and hands the rest here).
import { CliError } from "./errors";
import { login } from "./commands/login";
import { hosts } from "./commands/hosts";

export const CLI_USAGE = `  gantry login <url> --token gat_…               store the control plane's URL and an API token
  gantry hosts [--json]                           list the fleet's hosts`;

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = { login, hosts };

export function isCliCommand(name: string | undefined): boolean {
  return !!name && Object.hasOwn(COMMANDS, name);
}

/** Runs one command; returns the process exit code (errors printed to stderr). */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    await COMMANDS[name!]!(rest);
    return 0;
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`gantry: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`gantry: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
