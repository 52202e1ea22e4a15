// gantry: the command line's entry point (bin/gantry.mjs runs it). Commands that drive a control plane over /api/v1
// live in cli/main.ts; `join` and `version` act on this machine and live with the agent (agent/host-commands.ts).
import { CLI_USAGE, isCliCommand, runCli } from "./main";
import { HOST_COMMANDS, HOST_USAGE, runHostCommand } from "../agent/host-commands";

const USAGE = `usage:
${HOST_USAGE}
${CLI_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (isCliCommand(command)) return runCli(argv);
  if (command && HOST_COMMANDS.includes(command)) return runHostCommand(argv, USAGE);
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return 0;
  }
  console.error(`gantry: unknown command "${command}"\n${USAGE}`);
  return 1;
}

process.exit(await main(process.argv.slice(2)));
