// The agent's Services: `services.sync` from the control plane (registered in agent/link.ts as pods.sync is) goes into
// the service table, answered at once — refused on a payload that does not parse (naming the field) or on a revision
// gap, so the control plane sends a full set — and the proxy's rules follow in the background: changes arriving while
// a sync runs are merged into the next one, and a failed sync is tried again, in full, after a back-off. The cluster
// DNS reads the same table (`resolver`, handed to the network engine's embedded DNS).
import type { Ack } from "../../lib/protocol";
import type { AgentService } from "../../lib/protocol/services";
import type { Resolver } from "../network/dns";
import { defaultChainPrefix } from "../network/network-service";
import { resolveClusterName } from "./cluster-dns";
import { ServiceProxy, type SyncStats } from "./service-proxy";
import { ServiceTable } from "./service-table";

/** The proxy's chain prefix: the network engine's (GANTRY_CHAIN_PREFIX, else from GANTRY_BRIDGE), so both follow the bridge. */
export function servicesChainPrefix(env: NodeJS.ProcessEnv = process.env): string {
  return env.GANTRY_CHAIN_PREFIX || defaultChainPrefix(env.GANTRY_BRIDGE || "gantry0");
}

export interface AgentServicesOptions {
  /** iptables chain prefix (the network engine's). */
  prefix: string;
  netns?: string;
  log: (msg: string) => void;
  /** The first retry after a failed sync (doubles to 30 s). */
  retryMs?: number;
}

export class AgentServices {
  readonly table = new ServiceTable();
  readonly proxy: ServiceProxy;
  private pendingFull = false;
  private readonly pendingKeys = new Set<string>();
  private readonly pendingBefore = new Map<string, AgentService>();
  private running: Promise<void> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retryMs: number;
  private closed = false;
  /** The last sync's figures (benchmarks, diagnostics). */
  lastSync: (SyncStats & { ms: number }) | null = null;

  constructor(private readonly opts: AgentServicesOptions) {
    this.proxy = new ServiceProxy({ prefix: opts.prefix, netns: opts.netns, log: opts.log });
    this.retryMs = opts.retryMs ?? 1000;
  }

  /** `services.sync`: taken into the table (or refused), the rules following in the background. */
  sync(raw: unknown): Ack {
    const r = this.table.apply(raw);
    if (!r.ok) {
      this.opts.log(r.error);
      return { ok: false, error: r.error };
    }
    if (r.change.full) {
      this.pendingFull = true;
      this.pendingKeys.clear();
      this.pendingBefore.clear();
    }
    for (const k of r.change.keys) this.pendingKeys.add(k);
    for (const [k, s] of r.change.before) if (!this.pendingBefore.has(k)) this.pendingBefore.set(k, s);
    void this.kick();
    return { ok: true };
  }

  /** Cluster names for the embedded DNS. */
  readonly resolver: Resolver = ({ name, type }) => resolveClusterName(this.table, name, type);

  private kick(): Promise<void> {
    if (this.running || this.closed) return this.running ?? Promise.resolve();
    if (!this.pendingFull && !this.pendingKeys.size) return Promise.resolve();
    this.running = (async () => {
      while (!this.closed && (this.pendingFull || this.pendingKeys.size)) {
        const full = this.pendingFull;
        const keys = [...this.pendingKeys];
        const before = new Map(this.pendingBefore);
        this.pendingFull = false;
        this.pendingKeys.clear();
        this.pendingBefore.clear();
        const services = new Map<string, AgentService>();
        for (const s of this.table.values()) services.set(`${s.namespace}/${s.name}`, s);
        const started = performance.now();
        try {
          const stats = await this.proxy.sync(services, { full, keys, before });
          this.lastSync = { ...stats, ms: performance.now() - started };
          this.retryMs = this.opts.retryMs ?? 1000;
        } catch (e) {
          this.opts.log(`service proxy rules not applied (trying again in full in ${this.retryMs} ms): ${(e as Error).message}`);
          this.pendingFull = true;
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            void this.kick();
          }, this.retryMs);
          this.retryTimer.unref?.();
          this.retryMs = Math.min(this.retryMs * 2, 30_000);
          break;
        }
      }
    })().finally(() => {
      this.running = null;
      if (!this.retryTimer && (this.pendingFull || this.pendingKeys.size)) void this.kick(); // arrived as the loop ended
    });
    return this.running;
  }

  /** Resolves once every accepted sync is in the rules (or the last attempt failed and waits to be retried). */
  async flushed(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops applying (the rules stay: service traffic keeps flowing while the agent is down). */
  close() {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }
}
