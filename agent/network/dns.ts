// The embedded DNS server of user-defined networks: one UDP socket per network, bound to port 53 on the network's
// gateway address (on its bridge), so containers reach it as the nameserver in their resolv.conf. It answers A
// (AAAA on dual-stack networks, and PTR) questions for the containers the asker shares a network with; anything else
// is NXDOMAIN, or an empty answer when the name exists but has no record of that type. No forwarding: Gantry hosts may have no
// upstream resolver, and containers on user networks only need each other's names. Names of the cluster domain
// (agent/services/cluster-dns.ts) come through the same Resolver: SRV records and CNAMEs (ExternalName) besides A.
import dgram from "node:dgram";
import { parseIPv6 } from "./ipv6";

export const TYPE_A = 1;
export const TYPE_CNAME = 5;
export const TYPE_PTR = 12;
export const TYPE_SRV = 33;
export const TYPE_AAAA = 28;
const CLASS_IN = 1;
const RCODE_OK = 0;
const RCODE_FORMERR = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_NOTIMP = 4;
/** Docker's embedded resolver answers with this TTL. */
const TTL = 600;

export interface Question {
  name: string;
  type: number;
  klass: number;
}

/**
 * A lookup over the engine's state: records for the name ({} when it exists without this type: NODATA); null when
 * the engine does not know it (NXDOMAIN, or forwarded when upstreams are configured); "nxdomain" when the engine
 * knows it does not exist and no upstream should be asked.
 */
export type Resolver = (q: { name: string; type: number; asker: string }) => Records | null | "nxdomain";

/** What a name has. `cname`: the name is an alias (answered for any type, with `a` then being the target's addresses). */
export interface Records {
  a?: string[];
  aaaa?: string[];
  ptr?: string[];
  srv?: { priority: number; weight: number; port: number; target: string }[];
  cname?: string;
}

export interface ParsedQuery {
  id: number;
  flags: number;
  question: Question;
  /** Bytes of the question section, echoed back in the answer. */
  questionBytes: Buffer;
}

/** Parses a one-question query; null when the packet is not one this server can answer (it is then dropped). */
export function parseQuery(msg: Buffer): ParsedQuery | null {
  if (msg.length < 12) return null;
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000) return null; // a response, not a query
  if (msg.readUInt16BE(4) !== 1) return null;
  const labels: string[] = [];
  let off = 12;
  for (;;) {
    if (off >= msg.length) return null;
    const len = msg[off];
    if (len === 0) {
      off++;
      break;
    }
    if (len > 63 || off + 1 + len > msg.length) return null; // compression pointers never occur in a question
    labels.push(msg.toString("latin1", off + 1, off + 1 + len));
    off += 1 + len;
  }
  if (off + 4 > msg.length) return null;
  const question = { name: labels.join(".").toLowerCase(), type: msg.readUInt16BE(off), klass: msg.readUInt16BE(off + 2) };
  return { id, flags, question, questionBytes: msg.subarray(12, off + 4) };
}

function encodeName(name: string): Buffer {
  const parts = name.split(".").filter(Boolean).map((l) => Buffer.from(l, "latin1"));
  return Buffer.concat([...parts.flatMap((p) => [Buffer.from([p.length]), p]), Buffer.from([0])]);
}

/** Builds the answer to `query`; a record without `owner` is of the question's name. */
export function buildResponse(query: ParsedQuery, rcode: number, answers: { type: number; data: Buffer; owner?: string }[]): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.id, 0);
  // QR, the query's opcode and RD, AA (we are the authority for these names), RA.
  header.writeUInt16BE(0x8000 | (query.flags & 0x7900) | 0x0400 | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const records = answers.map(({ type, data, owner }) => {
    const name = owner === undefined ? Buffer.from([0xc0, 0x0c]) : encodeName(owner); // else a pointer to the question's name
    const rr = Buffer.alloc(10);
    rr.writeUInt16BE(type, 0);
    rr.writeUInt16BE(CLASS_IN, 2);
    rr.writeUInt32BE(TTL, 4);
    rr.writeUInt16BE(data.length, 8);
    return Buffer.concat([name, rr, data]);
  });
  return Buffer.concat([header, query.questionBytes, ...records]);
}

/** What `answer` returns for a name it does not know when forwarding is allowed. */
export const FORWARD = Symbol("forward");

/** The reply to a query (null: drop it); with forwardUnknown, FORWARD for a name the resolver does not know. */
export function answer(msg: Buffer, asker: string, resolve: Resolver): Buffer | null;
export function answer(msg: Buffer, asker: string, resolve: Resolver, opts: { forwardUnknown?: boolean }): Buffer | null | typeof FORWARD;
export function answer(msg: Buffer, asker: string, resolve: Resolver, opts: { forwardUnknown?: boolean } = {}): Buffer | null | typeof FORWARD {
  const query = parseQuery(msg);
  if (!query) {
    if (msg.length >= 12 && !(msg.readUInt16BE(2) & 0x8000)) {
      const h = Buffer.from(msg.subarray(0, 12));
      h.writeUInt16BE(0x8000 | RCODE_FORMERR, 2);
      h.fill(0, 4);
      return h;
    }
    return null;
  }
  const opcode = (query.flags >> 11) & 0xf;
  if (opcode !== 0 || query.question.klass !== CLASS_IN) return buildResponse(query, RCODE_NOTIMP, []);
  const found = resolve({ name: query.question.name, type: query.question.type, asker });
  if (found === "nxdomain") return buildResponse(query, RCODE_NXDOMAIN, []);
  if (!found) return opts.forwardUnknown ? FORWARD : buildResponse(query, RCODE_NXDOMAIN, []);
  const answers: { type: number; data: Buffer; owner?: string }[] = [];
  if (found.cname !== undefined) {
    // An alias: the CNAME, and the target's addresses when the resolver knows them (owned by the target's name).
    answers.push({ type: TYPE_CNAME, data: encodeName(found.cname) });
    if (query.question.type === TYPE_A) {
      for (const a of found.a ?? []) answers.push({ type: TYPE_A, data: Buffer.from(a.split(".").map(Number)), owner: found.cname });
    }
  } else if (query.question.type === TYPE_A) {
    for (const a of found.a ?? []) answers.push({ type: TYPE_A, data: Buffer.from(a.split(".").map(Number)) });
  } else if (query.question.type === TYPE_SRV) {
    for (const r of found.srv ?? []) {
      const head = Buffer.alloc(6);
      head.writeUInt16BE(r.priority, 0);
      head.writeUInt16BE(r.weight, 2);
      head.writeUInt16BE(r.port, 4);
      answers.push({ type: TYPE_SRV, data: Buffer.concat([head, encodeName(r.target)]) });
    }
  } else if (query.question.type === TYPE_AAAA) {
    for (const a of found.aaaa ?? []) {
      const n = parseIPv6(a);
      if (n === null) continue;
      const data = Buffer.alloc(16);
      for (let i = 0; i < 16; i++) data[i] = Number((n >> BigInt(120 - 8 * i)) & 0xffn);
      answers.push({ type: TYPE_AAAA, data });
    }
  } else if (query.question.type === TYPE_PTR) {
    for (const p of found.ptr ?? []) answers.push({ type: TYPE_PTR, data: encodeName(p) });
  }
  return buildResponse(query, RCODE_OK, answers);
}

const RCODE_SERVFAIL = 2;
const FORWARD_TIMEOUT_MS = 2000;

/** "10.0.0.2" or "127.0.0.1:5353" → address and port. */
export function parseUpstream(text: string): { address: string; port: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text);
  const port = m?.[2] ? Number(m[2]) : 53;
  if (!m || port < 1 || port > 65535) throw new Error(`invalid DNS upstream "${text}": expected an IPv4 address, optionally with :port`);
  return { address: m[1], port };
}

/**
 * Sends the query, unchanged, to each upstream in turn (from the root namespace, so loopback resolvers work too) and
 * returns the first answer; SERVFAIL when none answers in time.
 */
async function forward(msg: Buffer, upstreams: { address: string; port: number }[]): Promise<Buffer> {
  for (const up of upstreams) {
    const reply = await new Promise<Buffer | null>((resolve) => {
      const s = dgram.createSocket("udp4");
      const done = (b: Buffer | null) => {
        clearTimeout(timer);
        s.close();
        resolve(b);
      };
      const timer = setTimeout(() => done(null), FORWARD_TIMEOUT_MS);
      s.on("error", () => done(null));
      s.on("message", (m, r) => {
        if (r.address === up.address && m.length >= 12 && m.readUInt16BE(0) === msg.readUInt16BE(0)) done(m);
      });
      s.send(msg, up.port, up.address);
    });
    if (reply) return reply;
  }
  return buildResponse(parseQuery(msg)!, RCODE_SERVFAIL, []);
}

/** One listening socket. `close()` is idempotent. */
export class DnsServer {
  private socket: dgram.Socket | null = null;
  private readonly upstreams: { address: string; port: number }[];

  constructor(
    readonly address: string,
    private readonly resolve: Resolver,
    private readonly log: (msg: string) => void,
    readonly port = 53,
    /** Where names this server does not know are forwarded ("10.0.0.2", "127.0.0.1:5353"); none: NXDOMAIN. */
    upstreams: string[] = [],
  ) {
    this.upstreams = upstreams.map(parseUpstream);
  }

  async listen(): Promise<void> {
    const socket = dgram.createSocket({ type: "udp4", reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind({ address: this.address, port: this.port, exclusive: true }, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    socket.on("error", (e) => this.log(`DNS server on ${this.address}:${this.port}: ${e.message}`));
    socket.on("message", (msg, rinfo) => {
      let reply: Buffer | null | typeof FORWARD = null;
      try {
        reply = answer(msg, rinfo.address, this.resolve, { forwardUnknown: this.upstreams.length > 0 });
      } catch (e) {
        this.log(`DNS server on ${this.address}: failed to answer a query from ${rinfo.address}: ${(e as Error).message}`);
      }
      if (reply === FORWARD) {
        forward(msg, this.upstreams).then((r) => this.socket?.send(r, rinfo.port, rinfo.address));
      } else if (reply) socket.send(reply, rinfo.port, rinfo.address);
    });
    this.socket = socket;
  }

  close(): Promise<void> {
    const s = this.socket;
    this.socket = null;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => s.close(() => resolve()));
  }
}

/** "5.0.88.10.in-addr.arpa" → "10.88.0.5"; null for any other name. */
export function reverseName(name: string): string | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(name);
  return m ? [m[4], m[3], m[2], m[1]].join(".") : null;
}
