// Published ports: the `-p` grammar, and the host-side reservation that makes `hostPort: 0` an ephemeral port and
// a taken port a clear error. A reservation is a socket the agent holds on hostIp:hostPort while the port is
// published (as dockerd does with its userland proxy off): traffic never reaches it — the DNAT rule rewrites it first —
// but no other program can bind the port meanwhile, and a port someone already uses is refused up front.
import net from "node:net";
import dgram from "node:dgram";
import { badRequest, conflict } from "../../lib/errors";
import { parseIPv4 } from "./ipv4";
import type { PortBinding } from "./types";

const MAX_RANGE = 1000;

function parsePortOrRange(text: string, what: string, spec: string): [number, number] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || lo > 65535 || hi > 65535 || hi < lo) throw badRequest(`invalid ${what} "${text}" in port specification "${spec}"`);
  if (hi - lo + 1 > MAX_RANGE) throw badRequest(`port range ${text} in "${spec}" is larger than ${MAX_RANGE} ports`);
  return [lo, hi];
}

/**
 * `-p [ip:][hostPort:]containerPort[/tcp|udp]`, ports or equal-length ranges ("8000-8001:80-81"). A missing or 0
 * host port means an ephemeral one. Examples: "8080:80", "127.0.0.1:5353:53/udp", "80", "127.0.0.1::80".
 */
export function parsePublishSpec(spec: string): PortBinding[] {
  const raw = spec.trim();
  const slash = raw.lastIndexOf("/");
  const protoText = slash >= 0 ? raw.slice(slash + 1).toLowerCase() : "tcp";
  if (protoText !== "tcp" && protoText !== "udp") {
    throw badRequest(`invalid protocol "${protoText}" in port specification "${spec}" (tcp or udp)`);
  }
  const protocol = protoText as "tcp" | "udp";
  const body = slash >= 0 ? raw.slice(0, slash) : raw;
  if (body.startsWith("[")) throw badRequest(`port specification "${spec}": IPv6 host addresses are not supported`);
  const parts = body.split(":");
  if (parts.length > 3 || body === "") throw badRequest(`invalid port specification "${spec}": expected [ip:]hostPort:containerPort[/udp]`);
  const containerText = parts[parts.length - 1];
  const hostText = parts.length >= 2 ? parts[parts.length - 2] : "";
  const hostIp = parts.length === 3 ? parts[0] || "0.0.0.0" : "0.0.0.0";
  if (parseIPv4(hostIp) === null) throw badRequest(`invalid host address "${hostIp}" in port specification "${spec}"`);
  const [cLo, cHi] = parsePortOrRange(containerText, "container port", spec);
  if (cLo === 0) throw badRequest(`invalid container port 0 in port specification "${spec}"`);
  const [hLo, hHi] = hostText === "" ? [0, 0] : parsePortOrRange(hostText, "host port", spec);
  const count = cHi - cLo + 1;
  if (hostText !== "" && hLo !== 0 && hHi - hLo + 1 !== count) {
    throw badRequest(`port specification "${spec}": the host range and the container range must have the same length`);
  }
  return Array.from({ length: count }, (_, i) => ({
    hostIp,
    hostPort: hLo === 0 ? 0 : hLo + i,
    containerPort: cLo + i,
    protocol,
  }));
}

/** Checks a binding that arrives structured (the Engine API's PortBindings) as strictly as the `-p` grammar. */
export function validatePortBinding(b: PortBinding): PortBinding {
  const where = `port binding ${JSON.stringify(b)}`;
  if (!b || typeof b !== "object") throw badRequest(`invalid ${where}`);
  if (b.protocol !== "tcp" && b.protocol !== "udp") throw badRequest(`invalid protocol "${b.protocol}" in ${where} (tcp or udp)`);
  if (typeof b.hostIp !== "string" || parseIPv4(b.hostIp) === null) throw badRequest(`invalid host address "${b.hostIp}" in ${where}`);
  if (!Number.isInteger(b.hostPort) || b.hostPort < 0 || b.hostPort > 65535) throw badRequest(`invalid host port "${b.hostPort}" in ${where}`);
  if (!Number.isInteger(b.containerPort) || b.containerPort < 1 || b.containerPort > 65535) {
    throw badRequest(`invalid container port "${b.containerPort}" in ${where}`);
  }
  return { hostIp: b.hostIp, hostPort: b.hostPort, containerPort: b.containerPort, protocol: b.protocol };
}

/** The socket holding one published port. */
export interface Reservation {
  binding: PortBinding;
  release(): Promise<void>;
}

const portKey = (b: PortBinding) => `${b.protocol}:${b.hostIp}:${b.hostPort}`;

/** Binds the host port (an ephemeral one for hostPort 0) and returns the binding with the real port. */
export async function reservePort(binding: PortBinding): Promise<Reservation> {
  const refuse = (e: Error) =>
    (e as NodeJS.ErrnoException).code === "EADDRNOTAVAIL"
      ? badRequest(`cannot publish on ${binding.hostIp}: it is not an address of this host`)
      : conflict(
          `Bind for ${binding.hostIp}:${binding.hostPort} failed: port is already allocated` +
            ((e as NodeJS.ErrnoException).code === "EADDRINUSE" ? "" : ` (${e.message})`),
        );
  if (binding.protocol === "tcp") {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once("error", (e) => reject(refuse(e)));
      server.listen({ host: binding.hostIp, port: binding.hostPort, exclusive: true }, () => resolve());
    });
    server.on("error", () => {});
    const port = (server.address() as net.AddressInfo).port;
    return { binding: { ...binding, hostPort: port }, release: () => new Promise((r) => server.close(() => r())) };
  }
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", (e) => reject(refuse(e)));
    socket.bind({ address: binding.hostIp, port: binding.hostPort, exclusive: true }, () => resolve());
  });
  socket.on("error", () => {});
  socket.on("message", () => {});
  const port = socket.address().port;
  return { binding: { ...binding, hostPort: port }, release: () => new Promise((r) => socket.close(() => r())) };
}

/** Reservations the service holds, keyed by protocol, host address and port. */
export class PortReservations {
  private readonly held = new Map<string, Reservation>();

  /** Reserves every binding (all or none); returns them with ephemeral ports resolved. */
  async reserveAll(bindings: PortBinding[]): Promise<PortBinding[]> {
    const taken: Reservation[] = [];
    try {
      for (const b of bindings) {
        if (b.hostPort !== 0 && this.held.has(portKey(b))) {
          throw conflict(`Bind for ${b.hostIp}:${b.hostPort} failed: port is already allocated`);
        }
        const r = await reservePort(b);
        this.held.set(portKey(r.binding), r);
        taken.push(r);
      }
      return taken.map((r) => r.binding);
    } catch (e) {
      await this.releaseAll(taken.map((r) => r.binding));
      throw e;
    }
  }

  async releaseAll(bindings: PortBinding[]): Promise<void> {
    for (const b of bindings) {
      const r = this.held.get(portKey(b));
      if (!r) continue;
      this.held.delete(portKey(b));
      await r.release();
    }
  }

  isHeld(b: PortBinding): boolean {
    return this.held.has(portKey(b));
  }
}
