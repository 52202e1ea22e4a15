// gantry: the command line.
//   gantry join <server-url> <token> [--root DIR]   join this machine to a control plane (stores the credential)
//   gantry version                                  print the versions
import { mkdirSync } from "node:fs";
import { ConfigError, normalizeServerUrl, parseFlags } from "./config";
import { systemClock } from "./clock";
import { collectFacts, engineVersion } from "./facts";
import { CredentialStore } from "./credential-store";
import { JoinRefused, joinWithToken } from "./join";
import { agentVersion, REPO_ROOT } from "./version";
import { PROTOCOL_VERSION } from "../lib/protocol";
import { join, resolve } from "node:path";
import { CLI_USAGE, isCliCommand, runCli } from "../cli/main";

const USAGE = `usage:
  gantry join <server-url> <token> [--root DIR]   join this machine to a Gantry control plane
  gantry version                                  print the agent, protocol and engine versions
${CLI_USAGE}`;

function fail(msg: string, code = 1): never {
  console.error(`gantry: ${msg}`);
  process.exit(code);
}

async function main(argv: string[]) {
  const [command, ...args] = argv;
  if (isCliCommand(command)) process.exit(await runCli(argv));
  const engine = process.env.GANTRY_RUNTIME || join(REPO_ROOT, "native/build/gantry-runtime");
  switch (command) {
    case "version": {
      console.log(`gantry ${agentVersion()} (agent protocol ${PROTOCOL_VERSION}, engine ${(await engineVersion(engine)) ?? "not built"})`);
      return;
    }
    case "join": {
      const { flags, rest } = parseFlags(args, ["root"]);
      if (rest.length !== 2) fail(`join needs a server URL and a token\n${USAGE}`);
      const serverUrl = normalizeServerUrl(rest[0]);
      const root = resolve(flags.root ?? process.env.GANTRY_ROOT ?? "/var/lib/gantry");
      mkdirSync(root, { recursive: true });
      const facts = await collectFacts({ root, engineBinary: engine, agentVersion: agentVersion() });
      const joined = await joinWithToken(serverUrl, rest[1].trim(), facts, {
        clock: systemClock,
        random: Math.random,
        log: (m) => console.error(`gantry: ${m}`),
      });
      const store = new CredentialStore(root);
      store.save({ credential: joined.credential, serverUrl, hostId: joined.hostId });
      console.log(`joined ${serverUrl} as host ${joined.hostId} (${joined.name}); credential stored in ${store.credentialPath}`);
      console.log(`start the agent with: gantry-agent${flags.root ? ` --root ${root}` : ""}`);
      return;
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return;
    default:
      fail(`unknown command "${command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof JoinRefused) fail(e.message, 2);
  if (e instanceof ConfigError) fail(e.message);
  fail(e instanceof Error ? e.message : String(e));
});
