// The agent's configuration, from flags first, then the environment:
//   --server URL   GANTRY_SERVER_URL     the control plane (none: run standalone)
//   --token TOKEN  GANTRY_JOIN_TOKEN     a join token, used once when this machine has no credential yet
//   --fingerprint FP  GANTRY_SERVER_FINGERPRINT  the SHA-256 of the control plane's self-signed certificate, to pin
//   --root DIR     GANTRY_ROOT           the agent's state (default /var/lib/gantry)
//   --help, -h                           AGENT_USAGE; `gantry-agent uninstall` is agent/uninstall.ts
//                  GANTRY_DOCKER_SOCKET  where the Docker-compatible API will listen (a later issue)
//                  GANTRY_HEARTBEAT_INTERVAL_MS  heartbeat period (default 10000)
//                  GANTRY_DATA           the control plane's data directory, when it runs on this machine (its keys are
//                                        never bound into a container the control plane asks for)
//                  GANTRY_ALLOWED_BIND_PATHS  comma-separated host paths the control plane's binds may come from
//                  GANTRY_ALLOWED_LOOPBACK_REGISTRIES  comma-separated loopback registries (host:port) its pulls may use
import type { NetworkServiceOptions } from "./network/network-service";
import { isAbsolute, resolve, join } from "node:path";
import { REPO_ROOT } from "./version";
import { normalizeFingerprint } from "./tls-pin";

export interface AgentConfig {
  root: string;
  serverUrl: string | null;
  joinToken: string | null;
  /** The pinned certificate's fingerprint ("AB:CD:…"), when given; kept with the credential after a join. */
  fingerprint: string | null;
  dockerSocket: string;
  heartbeatIntervalMs: number;
  engineBinary: string;
  /** The control plane's data directories this machine may hold (GANTRY_DATA, and the default). */
  controlPlaneData: string[];
  /** GANTRY_ALLOWED_BIND_PATHS: null when unset (then only the guarded and system paths are refused). */
  allowedBindPaths: string[] | null;
  /** GANTRY_ALLOWED_LOOPBACK_REGISTRIES, lowercased "host:port" entries. */
  allowedLoopbackRegistries: string[];
}

export const AGENT_USAGE = `usage: gantry-agent [--server URL] [--token TOKEN] [--fingerprint SHA256] [--root DIR]
       gantry-agent uninstall [--root DIR] [--purge]

Runs this machine's agent: Gantry's container engine, its Docker-compatible API (DOCKER_HOST=unix://SOCKET docker …)
and, with a control plane, the link to it — joined once with a join token, the host credential kept under the root.
Without a control plane it runs standalone, like dockerd.

  --server URL    the control plane (GANTRY_SERVER_URL)
  --token TOKEN   a single-use join token (GANTRY_JOIN_TOKEN), used when this machine has not joined yet
  --fingerprint SHA256
                  the SHA-256 fingerprint of the control plane's self-signed certificate, to pin it
                  (GANTRY_SERVER_FINGERPRINT)
  --root DIR      the agent's state (GANTRY_ROOT, default /var/lib/gantry)
  -h, --help      this help

uninstall removes what the agent of that root made on this host: its containers (killed and removed), its bridges,
interfaces, network namespaces and iptables chains, and its Docker API socket; --purge removes the root too (images,
volumes, the credential). The agent must be stopped first.

Environment (README's configuration table): GANTRY_DOCKER_SOCKET (default /run/gantry/docker.sock),
GANTRY_HEARTBEAT_INTERVAL_MS, GANTRY_RUNTIME, GANTRY_BRIDGE, GANTRY_BRIDGE_SUBNET, GANTRY_NETWORK_POOL,
GANTRY_CHAIN_PREFIX, GANTRY_DATA, GANTRY_ALLOWED_BIND_PATHS, GANTRY_ALLOWED_LOOPBACK_REGISTRIES,
GANTRY_INSECURE_REGISTRIES.`;

/** Where the control plane keeps its data unless GANTRY_DATA says otherwise (README's configuration table). */
export const DEFAULT_CONTROL_PLANE_DATA = "/var/lib/gantry-server";

const list = (raw: string | undefined) =>
  (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

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
  const { flags, rest } = parseFlags(argv, ["server", "token", "fingerprint", "root"]);
  if (rest.length) throw new ConfigError(`unexpected argument "${rest[0]}" (usage: gantry-agent [--server URL] [--token TOKEN] [--fingerprint SHA256] [--root DIR]; gantry-agent --help)`);
  const serverRaw = flags.server ?? env.GANTRY_SERVER_URL ?? "";
  const serverUrl = serverRaw ? normalizeServerUrl(serverRaw) : null;
  const fingerprint = parseFingerprint(flags.fingerprint ?? env.GANTRY_SERVER_FINGERPRINT ?? "", serverUrl);
  const interval = Number(env.GANTRY_HEARTBEAT_INTERVAL_MS ?? 10_000);
  if (!Number.isInteger(interval) || interval < 100 || interval > 600_000) {
    throw new ConfigError(`GANTRY_HEARTBEAT_INTERVAL_MS must be a whole number of milliseconds (100..600000), got "${env.GANTRY_HEARTBEAT_INTERVAL_MS}"`);
  }
  const allowedBinds = env.GANTRY_ALLOWED_BIND_PATHS === undefined ? null : list(env.GANTRY_ALLOWED_BIND_PATHS);
  for (const p of allowedBinds ?? []) {
    if (!isAbsolute(p)) throw new ConfigError(`GANTRY_ALLOWED_BIND_PATHS holds absolute host paths separated by commas, got "${p}"`);
  }
  const data = env.GANTRY_DATA ? resolve(env.GANTRY_DATA) : null;
  return {
    root: resolve(flags.root ?? env.GANTRY_ROOT ?? "/var/lib/gantry"),
    serverUrl,
    joinToken: (flags.token ?? env.GANTRY_JOIN_TOKEN ?? "").trim() || null,
    fingerprint,
    dockerSocket: env.GANTRY_DOCKER_SOCKET || "/run/gantry/docker.sock",
    heartbeatIntervalMs: interval,
    engineBinary: runtimeBinary(env),
    controlPlaneData: data && data !== DEFAULT_CONTROL_PLANE_DATA ? [data, DEFAULT_CONTROL_PLANE_DATA] : [DEFAULT_CONTROL_PLANE_DATA],
    allowedBindPaths: allowedBinds,
    allowedLoopbackRegistries: list(env.GANTRY_ALLOWED_LOOPBACK_REGISTRIES).map((r) => r.toLowerCase()),
  };
}

/** A certificate fingerprint given on the command line or in the environment, checked and in one spelling. */
export function parseFingerprint(raw: string, serverUrl: string | null): string | null {
  if (!raw.trim()) return null;
  const fingerprint = normalizeFingerprint(raw);
  if (!fingerprint) throw new ConfigError(`certificate fingerprint "${raw}" is not a SHA-256 fingerprint (64 hex digits, colons optional)`);
  if (serverUrl?.startsWith("http://")) throw new ConfigError(`a certificate fingerprint pins an https control plane, but the server URL is ${serverUrl}`);
  return fingerprint;
}

/** gantry-runtime: GANTRY_RUNTIME, or the one native/ builds (gantry-monitor and gantry-pause sit beside it). */
export function runtimeBinary(env: Record<string, string | undefined> = process.env): string {
  return env.GANTRY_RUNTIME || join(REPO_ROOT, "native/build/gantry-runtime");
}

/**
 * The network engine's options: the default bridge, its subnet, the user-network pool and the iptables chain prefix
 * can be moved aside (GANTRY_BRIDGE, GANTRY_BRIDGE_SUBNET, GANTRY_NETWORK_POOL, GANTRY_CHAIN_PREFIX), e.g. for a
 * second agent on a host. gantry-agent uninstall reads the same.
 */
export function networkOptions(root: string, log: (msg: string) => void, e: Record<string, string | undefined> = process.env): NetworkServiceOptions {
  return {
    root,
    dnsUpstreams: "host",
    log,
    ...(e.GANTRY_BRIDGE ? { defaultBridge: e.GANTRY_BRIDGE } : {}),
    ...(e.GANTRY_BRIDGE_SUBNET ? { defaultSubnet: e.GANTRY_BRIDGE_SUBNET } : {}),
    ...(e.GANTRY_NETWORK_POOL ? { userPool: e.GANTRY_NETWORK_POOL } : {}),
    ...(e.GANTRY_CHAIN_PREFIX ? { chainPrefix: e.GANTRY_CHAIN_PREFIX } : {}),
  };
}
