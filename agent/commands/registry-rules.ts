// Pulls the control plane asks for may not reach this host's own loopback services: a reference such as
// 127.0.0.1:2375/x would make the agent speak HTTP to whatever listens there (a Docker API, a metadata proxy, a
// database). A registry whose host is a loopback or unspecified address (127.0.0.0/8, 0.0.0.0, ::1, ::, their
// IPv4-mapped forms), localhost or a *.localhost name, or a name that resolves to one of those, is refused unless the
// host's owner listed it in GANTRY_ALLOWED_LOOPBACK_REGISTRIES (as written in the reference, host:port).
// Not covered here: a registry elsewhere that redirects blob downloads or names a token server on loopback, and a name
// whose DNS answer changes between this check and the pull's own lookup.
// Pulls through the agent's local Docker API socket do not come through here (it is root-only: see bind-rules.ts).
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import { badRequest } from "../../lib/errors";
import { ImageReference } from "../../lib/oci/reference";

export type Lookup = (host: string) => Promise<string[]>;

const systemLookup: Lookup = async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Whether an IP address (v4 or v6) is loopback or unspecified. */
export function isLocalAddress(address: string): boolean {
  let a = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a) ?? /^0:0:0:0:0:ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) a = mapped[1]!;
  if (isIP(a) === 4) return a.startsWith("127.") || a.startsWith("0.");
  if (isIP(a) === 6) {
    const expanded = expandV6(a);
    return expanded === "0000:0000:0000:0000:0000:0000:0000:0001" || expanded === "0000:0000:0000:0000:0000:0000:0000:0000" || isLocalMappedHex(expanded);
  }
  return false;
}

/** ::ffff:7f00:1 — the IPv4-mapped loopback written in hex. */
function isLocalMappedHex(expanded: string): boolean {
  const parts = expanded.split(":");
  if (parts.slice(0, 5).join(":") !== "0000:0000:0000:0000:0000" || parts[5] !== "ffff") return false;
  const first = parseInt(parts[6]!, 16) >> 8;
  return first === 127 || first === 0;
}

function expandV6(a: string): string {
  const [head, tail = ""] = a.includes("::") ? a.split("::") : [a, undefined];
  const h = head ? head.split(":") : [];
  const t = a.includes("::") && tail ? tail.split(":") : [];
  const missing = 8 - h.length - t.length;
  const groups = a.includes("::") ? [...h, ...Array(missing).fill("0"), ...t] : h;
  return groups.map((g) => g.padStart(4, "0")).join(":");
}

/** "127.0.0.1:5000" → "127.0.0.1"; "[::1]:5000" → "::1"; "localhost" → "localhost". */
function hostOf(registry: string): string {
  if (registry.startsWith("[")) return registry.slice(1, registry.indexOf("]"));
  const colon = registry.lastIndexOf(":");
  return colon >= 0 ? registry.slice(0, colon) : registry;
}

/**
 * Refuses (400) a pull of `ref` from a loopback registry unless `allowed` lists it. A reference that does not parse is
 * left to the pull to report, as is a name that does not resolve.
 */
export async function checkPullRegistry(ref: string, allowed: readonly string[], lookup: Lookup = systemLookup): Promise<void> {
  const parsed = ImageReference.tryParse(ref);
  if (!parsed) return;
  const registry = parsed.registry.toLowerCase();
  if (allowed.includes(registry)) return;
  const host = hostOf(registry);
  const refuse = (why: string) =>
    badRequest(
      `this host refuses to pull from ${parsed.registry}: ${why}, one of this host's own services; its owner can allow a loopback registry with GANTRY_ALLOWED_LOOPBACK_REGISTRIES`,
    );
  if (host === "localhost" || host.endsWith(".localhost")) throw refuse(`${host} is this host's loopback`);
  if (isIP(host)) {
    if (isLocalAddress(host)) throw refuse(`${host} is a loopback address`);
    return;
  }
  const name = registry === "docker.io" ? "registry-1.docker.io" : host;
  let addresses: string[];
  try {
    addresses = await lookup(name);
  } catch {
    return;
  }
  const local = addresses.find(isLocalAddress);
  if (local) throw refuse(`${name} resolves to ${local}, a loopback address`);
}
