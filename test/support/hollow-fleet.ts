// Hollow hosts: many simulated hosts in one process, each the real agent's protocol code — agent/join.ts trades a real
// join token for a credential, agent/link.ts holds the connection (hello, heartbeats, paged inventory, back-off,
// resends) — over its own socket.io connection, with only the engine left out: facts and an inventory of ~18
// containers are made up, and commands are refused. For tests and benchmarks of a fleet's worth of agents.
import { randomBytes } from "node:crypto";
import { AgentLink, LinkRefused } from "@/agent/link";
import { joinWithToken } from "@/agent/join";
import { systemClock } from "@/agent/clock";
import { describeZodError, type HostFacts } from "@/lib/protocol";
import type { ContainerSummary, ImageSummary } from "@/lib/protocol/commands";
import { PodsSync } from "@/lib/protocol/pods";


export interface HollowFleetOptions {
  serverUrl: string;
  /** Mints one join token (e.g. POST /api/v1/join-tokens as the owner). */
  mintToken: () => Promise<string>;
  heartbeatIntervalMs?: number;
  containersPerHost?: number;
  /** A prefix for host names and container ids, unique per fleet. */
  prefix?: string;
}

/** What happened across the fleet's links, counted (hosts keep no logs: thousands of them would). */
export interface HollowCounters {
  /** Joins the control plane answered "busy, retry after" (429). */
  joinsBusy: number;
  /** Connections the control plane refused with "retry after" (too many being set up). */
  connectsBusy: number;
  connected: number;
  disconnected: number;
  /** Inventory pages the control plane said it was too busy to take, with when to send them again. */
  pagesBusy: number;
  pagesRejected: number;
  pagesUnacknowledged: number;
  helloFailed: number;
  refused: number;
  other: number;
}

export class HollowHost {
  token = "";
  /** Where the host is: "new", "joining" (its last word from agent/join.ts in `said`), "joined", "linked" (its link runs). */
  stage: "new" | "joining" | "joined" | "linked" = "new";
  said = "";
  hostId = 0;
  credential = "";
  /** Inventory changes made since the start (each makes one container come and another go). */
  generation = 0;
  containers: ContainerSummary[];
  images: ImageSummary[];
  joinMs = 0;
  link: AgentLink | null = null;
  running: Promise<void> | null = null;
  private listeners = new Set<() => void>();

  constructor(
    readonly index: number,
    readonly name: string,
    private readonly perHost: number,
  ) {
    this.images = [0, 1, 2].map((i) => hollowImage(name, i));
    this.containers = Array.from({ length: perHost }, (_, k) => hollowContainer(name, k, this.images[k % 3]!));
  }

  facts(): HostFacts {
    return { ...HOLLOW_FACTS, hostname: this.name };
  }

  /** The container ids the host runs now (what the control plane should list once synced). */
  containerIds(): string[] {
    return this.containers.map((c) => c.id);
  }

  /** One container exits and is removed, a new one is started: the inventory changes (sent at once when connected). */
  churn() {
    this.generation++;
    const k = this.perHost - 1 + this.generation;
    this.containers = [...this.containers.slice(1), hollowContainer(this.name, k, this.images[k % 3]!)];
    for (const l of this.listeners) l();
  }

  inventory() {
    return {
      snapshot: async () => ({ containers: this.containers, images: this.images }),
      subscribe: (onChange: () => void) => {
        this.listeners.add(onChange);
        return () => this.listeners.delete(onChange);
      },
    };
  }
}

export class HollowFleet {
  readonly hosts: HollowHost[];
  readonly counters: HollowCounters = { joinsBusy: 0, connectsBusy: 0, connected: 0, disconnected: 0, pagesBusy: 0, pagesRejected: 0, pagesUnacknowledged: 0, helloFailed: 0, refused: 0, other: 0 };
  /** A few of the links' messages that were not routine, for a failure's explanation. */
  readonly notes: string[] = [];

  constructor(
    readonly opts: HollowFleetOptions,
    size: number,
  ) {
    const prefix = opts.prefix ?? `hollow-${randomBytes(3).toString("hex")}`;
    this.hosts = Array.from({ length: size }, (_, i) => new HollowHost(i, `${prefix}-${i}`, opts.containersPerHost ?? 18));
  }

  /** Mints a join token for every host, `concurrency` at a time (before a join storm, so the storm is joins alone). */
  async mint(concurrency = 20, hosts = this.hosts): Promise<void> {
    let next = 0;
    const mint = async () => {
      for (let i = next++; i < hosts.length; i = next++) hosts[i]!.token = await this.opts.mintToken();
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, hosts.length) }, mint));
  }

  /**
   * A join storm: every host trades its token for a credential at once, through agent/join.ts (which waits out the
   * control plane's "retry after" answers) — and with `connect`, opens its link as soon as it has joined. Tokens are
   * minted first when missing. Resolves with each join's duration in ms.
   */
  async join(opts: { connect?: boolean } = {}, hosts = this.hosts): Promise<number[]> {
    await this.mint(20, hosts.filter((h) => !h.token));
    await Promise.all(
      hosts.map(async (h) => {
        const t0 = performance.now();
        h.stage = "joining";
        const log = (m: string) => {
          h.said = m;
          if (/ is busy /.test(m)) this.counters.joinsBusy++;
          else this.note(m);
        };
        const joined = await joinWithToken(this.opts.serverUrl, h.token, h.facts(), { clock: systemClock, random: Math.random, log });
        h.joinMs = performance.now() - t0;
        h.stage = "joined";
        h.hostId = joined.hostId;
        h.credential = joined.credential;
        if (opts.connect) this.connect([h]);
      }),
    );
    return hosts.map((h) => h.joinMs);
  }

  /** Starts every joined host's link (they connect at once: a join or reconnect storm of its own). */
  connect(hosts = this.hosts) {
    for (const h of hosts) {
      if (h.link) continue;
      const link = new AgentLink({
        serverUrl: this.opts.serverUrl,
        credential: h.credential,
        facts: async () => h.facts(),
        heartbeatIntervalMs: this.opts.heartbeatIntervalMs ?? 10_000,
        clock: systemClock,
        random: Math.random,
        log: (m) => this.count(m),
        inventory: h.inventory(),
        pods: HOLLOW_PODS,
      });
      h.link = link;
      h.stage = "linked";
      h.running = link.run().catch((e) => {
        this.counters.refused++;
        this.note(`${h.name}: ${e instanceof LinkRefused ? e.message : String(e)}`);
      });
    }
  }

  /** How many hosts are at each stage, and what a few of those still joining last heard. */
  stages(): { counts: Record<string, number>; joining: string[] } {
    const counts: Record<string, number> = {};
    for (const h of this.hosts) counts[h.stage] = (counts[h.stage] ?? 0) + 1;
    return { counts, joining: this.hosts.filter((h) => h.stage === "joining").slice(0, 3).map((h) => `${h.name}: ${h.said || "(nothing yet)"}`) };
  }

  stop() {
    for (const h of this.hosts) {
      h.link?.stop();
      h.link = null;
    }
  }

  private count(m: string) {
    if (m.startsWith("connected to")) this.counters.connected++;
    else if (m.startsWith("disconnected")) this.counters.disconnected++;
    else if (/^inventory page .* not taken yet/.test(m)) return void this.counters.pagesBusy++;
    else if (/taking in \d+ other connections/.test(m)) return void this.counters.connectsBusy++;
    else if (/^inventory page .* rejected/.test(m)) this.counters.pagesRejected++;
    else if (/^inventory page .* not acknowledged/.test(m)) this.counters.pagesUnacknowledged++;
    else if (m.startsWith("hello")) this.counters.helloFailed++;
    else if (/reconnecting in|heartbeat/.test(m)) return;
    else this.counters.other++;
    if (!/^(connected|disconnected)/.test(m)) this.note(m);
  }

  private note(m: string) {
    if (this.notes.length < 50) this.notes.push(m);
  }
}

/**
 * A host runs pods as the real agent does (agent/pods/manager.ts) as far as the link goes: the control plane's desired
 * set is checked and taken — a hollow host is given none, no host of a fleet without workloads is — and it has no
 * statuses to report. (Refusing, as an agent without pods does, would have the control plane send it again and again.)
 */
const HOLLOW_PODS = {
  sync(raw: unknown) {
    const parsed = PodsSync.safeParse(raw);
    return parsed.success ? ({ ok: true } as const) : ({ ok: false, error: `invalid pods.sync: ${describeZodError(parsed.error)}` } as const);
  },
  statuses: () => [],
  subscribe: () => () => {},
};

export const HOLLOW_FACTS: HostFacts = {
  hostname: "hollow",
  os: { id: "debian", name: "Debian GNU/Linux", version: "12", prettyName: "Debian GNU/Linux 12 (bookworm)" },
  kernel: "6.1.0-hollow",
  arch: "x86_64",
  cpus: 4,
  memoryBytes: 8 * 1024 ** 3,
  disk: { path: "/var/lib/gantry", totalBytes: 100 * 1024 ** 3, freeBytes: 60 * 1024 ** 3 },
  cgroupVersion: "v2",
  engineVersion: "hollow",
  agentVersion: "0.1.0",
};

const APPS = ["web", "api", "worker", "cache", "db", "proxy"];

function hollowImage(host: string, i: number): ImageSummary {
  const id = "sha256:" + Buffer.from(`${host}/${i}`).toString("hex").padEnd(64, "0").slice(0, 64);
  return { id, repoTags: [`registry.example/${APPS[i]}:1.${i}`], repoDigests: [`registry.example/${APPS[i]}@${id}`], sizeBytes: 50_000_000 + i, createdAt: "2026-11-01T00:00:00.000Z" };
}

/** A container as a compose-managed service's replica looks in an inventory: half a kilobyte with its labels. */
function hollowContainer(host: string, k: number, image: ImageSummary): ContainerSummary {
  const app = APPS[k % APPS.length]!;
  const at = new Date(Date.UTC(2026, 10, 1, 0, 0, k)).toISOString();
  return {
    id: `${host}-c${k}`,
    name: `${app}-${k}`,
    image: image.repoTags[0]!,
    imageId: image.id,
    command: `/usr/local/bin/${app} --port 80${k % 10}`,
    state: "running",
    createdAt: at,
    startedAt: at,
    finishedAt: null,
    exitCode: null,
    labels: { "com.docker.compose.project": "shop", "com.docker.compose.service": app, "com.docker.compose.container-number": String(k), team: "platform" },
    ports: k % 3 === 0 ? [{ container: 80, protocol: "tcp", host: 8000 + k, hostIp: "0.0.0.0" }] : [],
  };
}
