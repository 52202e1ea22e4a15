// Where a request came from, decided once per request by the process that holds the socket: the peer's address, or —
// only when the peer is a proxy the operator trusts (GANTRY_TRUSTED_PROXIES: addresses and CIDR ranges, comma
// separated) — the nearest X-Forwarded-For hop that is not itself a trusted proxy (hops further left are whatever the
// client wrote). The answer is stamped on the request as CLIENT_ADDRESS_HEADER, overwriting anything a client sent
// under that name, and read back by lib/activity/client-address.ts and the sign-in throttle.
import { BlockList, isIP } from "node:net";

export const CLIENT_ADDRESS_HEADER = "x-gantry-client-address";

/** Parses GANTRY_TRUSTED_PROXIES ("10.0.0.1, 10.1.0.0/16, ::1"); throws naming an entry that is neither. */
export function parseTrustedProxies(value: string | undefined): BlockList {
  const list = new BlockList();
  for (const raw of (value ?? "").split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    const [addr, bits, extra] = entry.split("/");
    const family = isIP(addr ?? "");
    const prefix = bits === undefined ? null : Number(bits);
    const max = family === 6 ? 128 : 32;
    if (!family || extra !== undefined || (prefix !== null && (!/^\d{1,3}$/.test(bits!) || prefix > max))) {
      throw new Error(`GANTRY_TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`);
    }
    const type = family === 6 ? "ipv6" : "ipv4";
    if (prefix === null) list.addAddress(addr!, type);
    else list.addSubnet(addr!, prefix, type);
  }
  return list;
}

const normalize = (a: string) => a.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? "ipv6" : "ipv4");
}

/** The client's address given the socket peer and the X-Forwarded-For header it sent. */
export function resolveClientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: BlockList): string | null {
  if (!peer) return null;
  let address = normalize(peer);
  if (!isTrusted(trusted, address)) return address;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? "")).split(",").map(normalize).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (!isIP(hop)) return address; // a hop that is no address: stop at the last one we could vouch for
    address = hop;
    if (!isTrusted(trusted, hop)) return hop;
  }
  return address;
}

const KEY = Symbol.for("gantry.trusted-proxies");
const store = globalThis as unknown as { [KEY]?: BlockList };

/** The trusted proxies, read from the environment once per process. */
export function trustedProxies(): BlockList {
  return (store[KEY] ??= parseTrustedProxies(process.env.GANTRY_TRUSTED_PROXIES));
}

type NodeRequest = { headers: Record<string, string | string[] | undefined>; socket?: { remoteAddress?: string } | null };

/** Stamps a Node request (HTTP, or a socket.io handshake) with the client's address; called before anything reads it. */
export function stampClientAddress(req: NodeRequest, trusted: BlockList = trustedProxies()): string | null {
  const address = resolveClientAddress(req.socket?.remoteAddress, req.headers["x-forwarded-for"], trusted);
  if (address) req.headers[CLIENT_ADDRESS_HEADER] = address;
  else delete req.headers[CLIENT_ADDRESS_HEADER];
  return address;
}
