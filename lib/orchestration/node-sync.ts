// Keeps a Node object for every host (the control plane plays each host's kubelet and node lifecycle controller): it
// registers a Node for a host that has none, writes what the host reports (labels it owns, capacity, Ready from the
// heartbeats — lib/orchestration/node-projection.ts) and the taints that follow from Ready and cordoning
// (node-taints.ts), and removes the Node of a revoked or deleted host. It reads the Host table every `intervalMs`
// (id, name, status: a small query; facts again only for new hosts, changed ones and every 30 s) and writes only what
// changed. lastHeartbeatTime moves at most once a minute while nothing else changes, so a thousand beating hosts do not
// rewrite their Nodes every ten seconds.
import { db } from "@/lib/db";
import { nameErrors } from "@/lib/k8s/meta";
import type { SystemClient } from "@/lib/k8s/system-client";
import { canonicalJson } from "@/lib/k8s/canonical";
import { message, isAlreadyExists, isConflict, isNotFound } from "./errors";
import type { Informer } from "./informer";
import { HOST_ID_LABEL, HOST_ROW_SELECT, HOST_STATUS_ANNOTATION, hostLabels, hostNodeStatus, newNodeFor, type HostRow } from "./node-projection";
import { desiredTaints, sameTaints } from "./node-taints";
import type { Node } from "./objects";

const HEARTBEAT_REFRESH_MS = 60_000;
const FACTS_REFRESH_MS = 30_000;

export interface NodeSyncOptions {
  intervalMs?: number;
  log?(msg: string): void;
}

/** The status with lastHeartbeatTime left out, to compare. */
const comparable = (s: Node["status"]) => canonicalJson({ ...s, conditions: s?.conditions?.map((c) => ({ ...c, lastHeartbeatTime: undefined })) });

export class NodeSync {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private facts = new Map<number, { facts: unknown; at: number; key: string }>();
  private refused = new Set<string>();
  private stopped = false;
  private readonly log: (msg: string) => void;

  constructor(
    private readonly client: SystemClient,
    private readonly nodes: Informer<Node>,
    private readonly opts: NodeSyncOptions = {},
  ) {
    this.log = opts.log ?? (() => {});
  }

  start(): void {
    const tick = () => {
      if (this.stopped || this.running) return;
      this.running = this.sync()
        .catch((e) => this.log(`node sync: ${message(e)}`))
        .finally(() => (this.running = null));
    };
    tick();
    this.timer = setInterval(tick, this.opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass over every host. */
  async sync(now = new Date()): Promise<void> {
    const rows = await db.host.findMany({
      where: { revokedAt: null },
      select: { id: true, name: true, status: true, statusChangedAt: true, lastSeenAt: true, agentVersion: true, engineVersion: true, createdAt: true, podCIDR: true },
      orderBy: { id: "asc" },
    });
    const stale = rows.filter((r) => {
      const f = this.facts.get(r.id);
      return !f || now.getTime() - f.at > FACTS_REFRESH_MS || f.key !== `${r.status}|${r.statusChangedAt.getTime()}|${r.agentVersion}|${r.engineVersion}`;
    });
    if (stale.length) {
      const withFacts = await db.host.findMany({ where: { id: { in: stale.map((r) => r.id) } }, select: { id: true, facts: true } });
      for (const r of stale) {
        const f = withFacts.find((x) => x.id === r.id);
        this.facts.set(r.id, { facts: f?.facts ?? null, at: now.getTime(), key: `${r.status}|${r.statusChangedAt.getTime()}|${r.agentVersion}|${r.engineVersion}` });
      }
    }
    const live = new Set(rows.map((r) => r.id));
    for (const id of this.facts.keys()) if (!live.has(id)) this.facts.delete(id);

    const wanted = new Map<string, HostRow>();
    for (const r of rows) {
      if (wanted.has(r.name)) continue; // two hosts of one name: the older one is the Node
      if (nameErrors("dns1123-subdomain", r.name).length) {
        if (!this.refused.has(r.name)) this.log(`host ${r.id} is named ${JSON.stringify(r.name)}, which is no valid Node name: it gets no Node`);
        this.refused.add(r.name);
        continue;
      }
      wanted.set(r.name, { ...(r as Omit<HostRow, "facts">), facts: this.facts.get(r.id)?.facts ?? null });
    }
    for (const host of wanted.values()) {
      if (this.stopped) return;
      try {
        await this.syncHost(host, now);
      } catch (e) {
        if (!isConflict(e)) this.log(`node ${host.name}: ${message(e)}`);
      }
    }
    // Nodes of hosts that are gone (revoked, removed).
    for (const node of this.nodes.list()) {
      if (this.stopped) return;
      const name = node.metadata.name!;
      if (wanted.has(name) || !node.metadata.labels?.[HOST_ID_LABEL]) continue;
      const removed = await this.client.delete("nodes", "", name, { preconditions: { uid: node.metadata.uid } }).catch((e) => {
        if (!isNotFound(e) && !isConflict(e)) this.log(`node ${name}: removing it failed: ${message(e)}`);
        return null;
      });
      if (removed) {
        this.nodes.observeDeleted(removed);
        this.log(`node ${name} removed: its host is gone`);
      }
    }
  }

  private async syncHost(host: HostRow, now: Date): Promise<void> {
    let node = this.nodes.get(host.name);
    if (!node) {
      try {
        node = (await this.client.create("nodes", "", newNodeFor(host))) as Node;
        this.log(`node ${host.name} registered for host ${host.id}`);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        node = ((await this.client.get("nodes", "", host.name)) ?? undefined) as Node | undefined;
        if (!node) return;
      }
      this.nodes.observe(node);
    }

    // Status: what the host reports.
    const status = hostNodeStatus(host);
    const cur = node.status;
    const heartbeatOld = (() => {
      const was = cur?.conditions?.find((c) => c.type === "Ready")?.lastHeartbeatTime;
      const is = status.conditions?.find((c) => c.type === "Ready")?.lastHeartbeatTime;
      if (!is || was === is) return false;
      return !was || Date.parse(is) - Date.parse(was) >= HEARTBEAT_REFRESH_MS;
    })();
    if (!cur || comparable(cur) !== comparable(status) || heartbeatOld) {
      node = (await this.client.updateStatus("nodes", "", { ...node, status })) as Node;
      this.nodes.observe(node);
    }

    // Labels the host owns, and the taints that follow from Ready and cordoning.
    const labels = { ...(node.metadata.labels ?? {}), ...hostLabels(host) };
    const annotations = { ...(node.metadata.annotations ?? {}), [HOST_STATUS_ANNOTATION]: host.status };
    const taints = desiredTaints(node, now);
    const labelsChanged = canonicalJson(labels) !== canonicalJson(node.metadata.labels ?? {}) || canonicalJson(annotations) !== canonicalJson(node.metadata.annotations ?? {});
    // spec.podCIDR(s): the host's pod range, as the node IPAM controller sets it.
    const cidrChanged = (node.spec?.podCIDR ?? null) !== (host.podCIDR ?? null) || ((node.spec?.podCIDRs as string[] | undefined) ?? []).join() !== (host.podCIDR ?? "");
    if (labelsChanged || cidrChanged || !sameTaints(taints, node.spec?.taints)) {
      const spec = { ...(node.spec ?? {}) };
      if (taints.length) spec.taints = taints;
      else delete spec.taints;
      if (host.podCIDR) Object.assign(spec, { podCIDR: host.podCIDR, podCIDRs: [host.podCIDR] });
      else {
        delete spec.podCIDR;
        delete spec.podCIDRs;
      }
      const written = (await this.client.update("nodes", "", { ...node, metadata: { ...node.metadata, labels, annotations }, spec })) as Node;
      this.nodes.observe(written);
    }
  }
}
