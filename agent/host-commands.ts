// The `gantry` commands that act on this machine rather than on a control plane's API (cli/gantry.ts, the entry
// point, hands them here):
//   gantry join <server-url> <token> [--fingerprint SHA256] [--root DIR]   join this machine to a control plane
//                                                   (stores the credential, and the pinned certificate)
//   gantry version                                  print the versions
import { mkdirSync } from "node:fs";
import { normalizeServerUrl, parseFingerprint, parseFlags, runtimeBinary } from "./config";
import { systemClock } from "./clock";
import { collectFacts } from "./facts";
import { runtimeVersion } from "./runtime/runtime";
import { CredentialStore } from "./credential-store";
import { JoinRefused, joinWithToken } from "./join";
import { agentVersion } from "./version";
import { PROTOCOL_VERSION } from "../lib/protocol";
import { resolve } from "node:path";

export const HOST_USAGE = `  gantry join <server-url> <token> [--fingerprint SHA256] [--root DIR]
                                                 join this machine to a Gantry control plane
  gantry version                                  print the agent, protocol and engine versions`;

export const HOST_COMMANDS = ["join", "version"];

const HOST_HELP: Record<string, string> = {
  join: `usage: gantry join <server-url> <token> [--root DIR]

Joins this machine to a Gantry control plane with a single-use join token ("Add host" in the web UI makes the
command) and stores the host credential under the agent's root (mode 0600); then start the agent with gantry-agent.

  --root DIR   the agent's state (GANTRY_ROOT, default /var/lib/gantry)`,
  version: `usage: gantry version

Prints the agent's version, the agent protocol's version and the engine's (native/build/gantry-runtime, or
GANTRY_RUNTIME).`,
};

class HostCommandError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

function fail(msg: string, code = 1): never {
  throw new HostCommandError(msg, code);
}

/** Runs `join` or `version`; returns the exit code (errors printed to stderr). `usage` is the whole CLI's. */
export async function runHostCommand(argv: string[], usage: string): Promise<number> {
  try {
    await main(argv, usage);
    return 0;
  } catch (e) {
    const code = e instanceof HostCommandError ? e.exitCode : e instanceof JoinRefused ? 2 : 1;
    console.error(`gantry: ${e instanceof Error ? e.message : String(e)}`);
    return code;
  }
}

async function main(argv: string[], USAGE: string) {
  const [command, ...args] = argv;
  if (command && HOST_HELP[command] && (args.includes("--help") || args.includes("-h"))) {
    console.log(HOST_HELP[command]);
    return;
  }
  const engine = runtimeBinary(process.env);
  switch (command) {
    case "version": {
      console.log(`gantry ${agentVersion()} (agent protocol ${PROTOCOL_VERSION}, engine ${(await runtimeVersion(engine)) ?? "not built"})`);
      return;
    }
    case "join": {
      const { flags, rest } = parseFlags(args, ["root", "fingerprint"]);
      if (rest.length !== 2) fail(`join needs a server URL and a token\n${USAGE}`);
      const serverUrl = normalizeServerUrl(rest[0]);
      const fingerprint = parseFingerprint(flags.fingerprint ?? "", serverUrl);
      const root = resolve(flags.root ?? process.env.GANTRY_ROOT ?? "/var/lib/gantry");
      mkdirSync(root, { recursive: true });
      const facts = await collectFacts({ root, engineBinary: engine, agentVersion: agentVersion() });
      const joined = await joinWithToken(serverUrl, rest[1].trim(), facts, {
        clock: systemClock,
        random: Math.random,
        log: (m) => console.error(`gantry: ${m}`),
        fingerprint,
      });
      const store = new CredentialStore(root);
      store.save({ credential: joined.credential, serverUrl, hostId: joined.hostId, pin: joined.pin });
      console.log(`joined ${serverUrl} as host ${joined.hostId} (${joined.name}); credential stored in ${store.credentialPath}`);
      console.log(`start the agent with: gantry-agent${flags.root ? ` --root ${root}` : ""}`);
      return;
    }
    default:
      fail(`unknown command "${command}"\n${USAGE}`);
  }
}
