// The agent's copy of the cluster's Services, kept from `services.sync` (lib/protocol/services.ts): a full set replaces
// the table, a delta replaces or removes the services it names. The revision must grow by exactly one per message on
// a connection: a delta after a gap (or before any full set) is refused, leaving the table as it was, and the control
// plane answers the refusal with a full set. Each accepted message says what changed, for the proxy to rewrite only
// those services' rules and for the cluster DNS to answer from.
import { describeZodError } from "../../lib/protocol";
import { serviceKey, ServicesSync, type AgentService } from "../../lib/protocol/services";

export interface TableChange {
  /** A full set: everything is to be rewritten and whatever is not in the table removed. */
  full: boolean;
  /** "namespace/name" of services added, replaced or removed (all of them when full). */
  keys: Set<string>;
  /** The services as they were before this message, for those in `keys` that existed. */
  before: Map<string, AgentService>;
}

export class ServiceTable {
  private readonly services = new Map<string, AgentService>();
  private revision: number | null = null;
  clusterDomain = "cluster.local";
  serviceCIDR = "";

  /** Parses and applies one `services.sync`; a message refused changes nothing. */
  apply(raw: unknown): { ok: true; change: TableChange } | { ok: false; error: string } {
    const parsed = ServicesSync.safeParse(raw);
    if (!parsed.success) return { ok: false, error: `invalid services.sync: ${describeZodError(parsed.error)}` };
    const msg = parsed.data;
    if (!msg.full && (this.revision === null || msg.revision !== this.revision + 1)) {
      const expected = this.revision === null ? "a full set first" : `revision ${this.revision + 1}`;
      return { ok: false, error: `services.sync revision gap: expected ${expected}, got ${msg.revision} (send the full set)` };
    }
    const seen = new Set<string>();
    for (const s of msg.services) {
      const key = serviceKey(s);
      if (seen.has(key)) return { ok: false, error: `invalid services.sync: services: ${key} is listed twice` };
      seen.add(key);
    }
    const before = new Map<string, AgentService>();
    const keys = new Set<string>();
    if (msg.full) {
      for (const [k, s] of this.services) (before.set(k, s), keys.add(k));
      this.services.clear();
    }
    for (const k of msg.removed) {
      const old = this.services.get(k);
      if (old) before.set(k, old);
      this.services.delete(k);
      keys.add(k);
    }
    for (const s of msg.services) {
      const k = serviceKey(s);
      const old = this.services.get(k);
      if (old && !before.has(k)) before.set(k, old);
      this.services.set(k, s);
      keys.add(k);
    }
    this.revision = msg.revision;
    this.clusterDomain = msg.clusterDomain.replace(/\.$/, "").toLowerCase();
    this.serviceCIDR = msg.serviceCIDR;
    return { ok: true, change: { full: msg.full, keys, before } };
  }

  get(key: string): AgentService | undefined {
    return this.services.get(key);
  }

  get size(): number {
    return this.services.size;
  }

  values(): IterableIterator<AgentService> {
    return this.services.values();
  }
}
