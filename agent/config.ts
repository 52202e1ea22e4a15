// The agent's configuration, from flags first, then the environment:
//   --server URL   GANTRY_SERVER_URL     the control plane (none: run standalone)
//   --token TOKEN  GANTRY_JOIN_TOKEN     a join token, used once when this machine has no credential yet
//   --root DIR     GANTRY_ROOT           the agent's state (default /var/lib/gantry)
//                  GANTRY_DOCKER_SOCKET  where the Docker-compatible API will listen (a later issue)
//                  GANTRY_HEARTBEAT_INTERVAL_MS  heartbeat period (default 10000)
import { resolve, join } from "node:path";
import { REPO_ROOT } from "./version";

export interface AgentConfig {
  root: string;
  serverUrl: string | null;
  joinToken: string | null;
  dockerSocket: string;
  heartbeatIntervalMs: number;
  engineBinary: string;
}

export class ConfigError extends Error {}

export function parseFlags(argv: string[], known: readonly string[]): { flags: Record<string, string>; rest: string[] } {
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      rest.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!known.includes(name)) throw new ConfigError(`unknown option --${name} (known: ${known.map((k) => `--${k}`).join(", ")})`);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "") throw new ConfigError(`option --${name} needs a value`);
    flags[name] = value;
  }
  return { flags, rest };
}

export function normalizeServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`server URL "${raw}" is not a URL (expected e.g. http://gantry.example:3000)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError(`server URL "${raw}" must start with http:// or https://`);
  return url.origin + url.pathname.replace(/\/+$/, "");
}

export function loadAgentConfig(argv: string[], env: Record<string, string | undefined> = process.env): AgentConfig {
  const { flags, rest } = parseFlags(argv, ["server", "token", "root"]);
  if (rest.length) throw new ConfigError(`unexpected argument "${rest[0]}" (usage: gantry-agent [--server URL] [--token TOKEN] [--root DIR])`);
  const serverRaw = flags.server ?? env.GANTRY_SERVER_URL ?? "";
  const interval = Number(env.GANTRY_HEARTBEAT_INTERVAL_MS ?? 10_000);
  if (!Number.isInteger(interval) || interval < 100 || interval > 600_000) {
    throw new ConfigError(`GANTRY_HEARTBEAT_INTERVAL_MS must be a whole number of milliseconds (100..600000), got "${env.GANTRY_HEARTBEAT_INTERVAL_MS}"`);
  }
  return {
    root: resolve(flags.root ?? env.GANTRY_ROOT ?? "/var/lib/gantry"),
    serverUrl: serverRaw ? normalizeServerUrl(serverRaw) : null,
    joinToken: (flags.token ?? env.GANTRY_JOIN_TOKEN ?? "").trim() || null,
    dockerSocket: env.GANTRY_DOCKER_SOCKET || "/run/gantry/docker.sock",
    heartbeatIntervalMs: interval,
    engineBinary: env.GANTRY_RUNTIME || join(REPO_ROOT, "native/build/gantry-runtime"),
  };
}
