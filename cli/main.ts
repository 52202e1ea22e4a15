// The `gantry` commands that drive a control plane over /api/v1 with an API token (cli/gantry.ts is the entry point;
// `join` and `version`, which act on this machine, live in agent/host-commands.ts).
import { CliError } from "./errors";
import { login } from "./commands/login";
import { hosts } from "./commands/hosts";
import { ps, rm, run, stop } from "./commands/containers";
import { images } from "./commands/images";
import { logs } from "./commands/logs";
import { pull } from "./commands/pull";
import { exec } from "./commands/exec";
import { kubeconfig } from "./commands/kubeconfig";

export const CLI_USAGE = `  gantry login <url> --token gat_…               store the control plane's URL and an API token
  gantry hosts [--json]                           list the fleet's hosts
  gantry ps [--host N] [-a] [-f K=V] [--json]     the fleet's containers (name=, label=, status=, ancestor=)
  gantry run --host N [-e K=V] [-p [IP:]H:C] [--name NAME] [--label K=V] [--restart P] [--queue] IMAGE [CMD…]
  gantry stop [-t SECONDS] HOST/CONTAINER…         stop containers (or CONTAINER with --host N)
  gantry rm [-f] [-v] HOST/CONTAINER…              remove containers
  gantry logs [-f] [--tail N] [-t] HOST/CONTAINER  a container's output (-f: follow)
  gantry exec [-it] HOST/CONTAINER CMD…           run a command in a container
  gantry pull --host N IMAGE                      pull an image on a host, with progress
  gantry images --host N [--json]                 one host's images
  gantry kubeconfig [-n NS] [--certificate-authority FILE]  a kubeconfig for kubectl: /k8s, this login's token`;

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = { login, hosts, ps, run, stop, rm, logs, exec, pull, images, kubeconfig };

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
      if (e.message) process.stderr.write(`gantry: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`gantry: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
