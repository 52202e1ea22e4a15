// The pod network's way to the hosts (issue 14): every host connected to this replica is sent `network.sync`
// (lib/protocol/network.ts) — its pod CIDR, the cluster CIDR, the VXLAN settings and every other host's underlay
// address, pod CIDR and VTEP MAC — after each hello and whenever that picture changes: a host joins or says hello from
// another address (a peer moves), or is revoked (it leaves, its range freed). A host is a peer of the others once its
// agent reports its place on the underlay; an agent without a pod network says so and is sent nothing more until its
// next hello. A host without a pod CIDR is given one at its hello (lib/network/allocate-pod-cidr.ts; not
// at its join, which stays one statement for join storms); when none is left the Node gets a CIDRNotAvailable event and the
// host is sent the rest with no range (its plain containers are unaffected). The picture is read from the database
// every POLL_MS (one small query), so changes made through another replica or the REST API reach every host too.
import type { Server as SocketServer } from "socket.io";
import { AGENT_NAMESPACE, agentRoom, Ack } from "@/lib/protocol";
import type { NetworkSync } from "@/lib/protocol/network";
import type { ClusterNetworkConfig } from "@/lib/network/cluster-cidrs";
import type { OverlayConfig } from "@/lib/network/overlay-config";
import { allocatePodCidr, fitsPlan, PodCidrExhaustedError } from "@/lib/network/allocate-pod-cidr";
import { listOverlayHosts, peersOf, type OverlayHost } from "@/lib/network/overlay-peers";
import { recordNetworkSync } from "@/lib/network/record-network-sync";
import { recordEvent } from "@/lib/k8s/events";
import { db } from "@/lib/db";

const log = (msg: string) => console.log(`[gantry] network: ${msg}`);

const POLL_MS = 2_000;
const DEBOUNCE_MS = 50;
const RETRY_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;

export interface NetworkDispatch {
  hostReady(hostId: number): void;
  hostGone(hostId: number): void;
  close(): Promise<void>;
}

interface HostState {
  revision: number;
  /** What was last delivered (without its revision): the same picture is not sent again. */
  delivered: string | null;
  timer: ReturnType<typeof setTimeout> | null;
  sending: boolean;
  again: boolean;
  failures: number;
  /** The range given at this host's hello, until the table read after it holds it. */
  podCIDR?: string;
  /** Its agent has no pod network (one before it, or the bench's hollow hosts): nothing more is sent until its next
   *  hello, so a fleet of them costs no resends and no messages per change of the table. */
  noPodNetwork?: boolean;
}

export function attachNetworkDispatch(io: SocketServer, cfg: { plan: ClusterNetworkConfig; overlay: OverlayConfig }): NetworkDispatch {
  const nsp = io.of(AGENT_NAMESPACE);
  const hosts = new Map<number, HostState>();
  let table: OverlayHost[] = [];
  let tableKey = "";
  let closed = false;

  /** Reads the picture again; every connected host is synced when it changed. */
  const refresh = async () => {
    const next = await listOverlayHosts();
    if (next.length < table.length) exhausted = false; // a range was given back
    const key = JSON.stringify(next);
    table = next;
    if (key === tableKey) return;
    tableKey = key;
    for (const [id, h] of hosts) if (!h.noPodNetwork) schedule(id, DEBOUNCE_MS);
  };
  let polling = false;
  const poll = setInterval(() => {
    if (polling || closed) return;
    polling = true;
    refresh()
      .catch((e) => log(`reading the hosts' overlay failed: ${(e as Error).message}`))
      .finally(() => (polling = false));
  }, POLL_MS);
  poll.unref();

  const schedule = (hostId: number, ms: number) => {
    const h = hosts.get(hostId);
    if (!h || closed) return;
    if (h.timer) clearTimeout(h.timer);
    h.timer = setTimeout(() => {
      h.timer = null;
      void send(hostId);
    }, ms);
  };

  const hostGone = (hostId: number) => {
    const h = hosts.get(hostId);
    if (h?.timer) clearTimeout(h.timer);
    hosts.delete(hostId);
  };

  const messageFor = (hostId: number): Omit<NetworkSync, "revision"> => ({
    podCIDR: table.find((t) => t.hostId === hostId)?.podCIDR ?? hosts.get(hostId)?.podCIDR ?? null,
    clusterCIDR: cfg.plan.clusterCIDR.text,
    clusterDomain: cfg.plan.clusterDomain,
    vxlan: { vni: cfg.overlay.vni, port: cfg.overlay.port, mtu: cfg.overlay.mtu },
    peers: peersOf(hostId, table),
  });

  const send = async (hostId: number) => {
    const h = hosts.get(hostId);
    if (!h) return;
    if (h.sending) {
      h.again = true;
      return;
    }
    h.sending = true;
    try {
      const body = messageFor(hostId);
      const key = JSON.stringify(body);
      if (key === h.delivered) return;
      let delivered = false;
      for (const id of nsp.adapter.rooms.get(agentRoom(hostId)) ?? []) {
        const socket = nsp.sockets.get(id);
        if (!socket?.connected) continue;
        try {
          const ack = Ack.parse(await socket.timeout(30_000).emitWithAck("network.sync", { ...body, revision: ++h.revision }));
          if (ack.ok) delivered = true;
          else if (/has no pod network/.test(ack.error)) h.noPodNetwork = true;
          else log(`host ${hostId} could not take the pod network: ${ack.error}`);
        } catch (e) {
          log(`host ${hostId} did not acknowledge the pod network: ${(e as Error).message}`);
        }
      }
      if (delivered) {
        h.failures = 0;
        h.delivered = key;
        await recordNetworkSync(hostId).catch((e) => log(`host ${hostId}: recording the sync failed: ${(e as Error).message}`));
      } else if (hosts.has(hostId) && !h.noPodNetwork) schedule(hostId, Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** h.failures++));
    } finally {
      h.sending = false;
      if (h.again) {
        h.again = false;
        schedule(hostId, 0);
      }
    }
  };

  /** Hosts already told their Node that no range is left (once per host and process, not at every hello). */
  const warnedExhausted = new Set<number>();
  /** The last allocation found the cluster CIDR used up: no host is tried again until one leaves the table (a join
   *  storm past the plan's size would otherwise take the allocation lock once per hello). */
  let exhausted = false;

  /** One read of the table for the hellos of a moment (a reconnect storm reads it a few times, not once a host). */
  let pending: Promise<void> | null = null;
  const refreshSoon = () =>
    (pending ??= new Promise((r) => setTimeout(r, DEBOUNCE_MS)).then(refresh).finally(() => (pending = null)));

  /**
   * The host's range, given now if it has none (a used-up cluster CIDR is said on its Node, once), and the table read
   * again if the host is new to it or moved. Every host gets a range, whether or not its agent found its place on the
   * underlay: its pods run on its pod bridge either way; only peers need the underlay.
   */
  const prepare = async (hostId: number): Promise<void> => {
    const [row] = await db.$queryRaw<{ podCIDR: string | null; ip: string | null; mac: string | null }[]>`
      SELECT "podCIDR", facts->'network'->>'underlayIP' AS ip, facts->'network'->>'vtepMAC' AS mac
      FROM "Host" WHERE id = ${hostId} AND "revokedAt" IS NULL`;
    if (!row) return;
    const known = table.find((t) => t.hostId === hostId);
    const fits = !!row.podCIDR && fitsPlan(row.podCIDR, cfg.plan);
    if (fits && known?.podCIDR === row.podCIDR && known.underlayIP === row.ip && known.vtepMAC === row.mac) return;
    if (!fits && !exhausted) {
      try {
        const cidr = await allocatePodCidr(hostId, cfg.plan);
        const h = hosts.get(hostId);
        if (h && cidr) h.podCIDR = cidr;
      } catch (e) {
        if (!(e instanceof PodCidrExhaustedError)) throw e;
        exhausted = true;
        if (!warnedExhausted.has(hostId)) {
          warnedExhausted.add(hostId);
          log(e.message);
          const host = await db.host.findUnique({ where: { id: hostId }, select: { name: true } });
          if (host) await recordEvent("gantry-network", { kind: "Node", apiVersion: "v1", name: host.name }, "Warning", "CIDRNotAvailable", e.message);
        }
      }
    }
    await refreshSoon();
  };

  return {
    hostReady(hostId) {
      const h = hosts.get(hostId);
      if (h) {
        h.failures = 0;
        h.delivered = null; // a new connection: the agent is sent the whole picture again
        h.noPodNetwork = false;
      } else hosts.set(hostId, { revision: 0, delivered: null, timer: null, sending: false, again: false, failures: 0 });
      void prepare(hostId)
        .then(() => schedule(hostId, 0))
        .catch((e) => {
          log(`host ${hostId}: setting up its pod network failed: ${(e as Error).message}`);
          schedule(hostId, RETRY_MS);
        });
    },
    hostGone,
    async close() {
      closed = true;
      clearInterval(poll);
      for (const h of hosts.values()) if (h.timer) clearTimeout(h.timer);
      hosts.clear();
    },
  };
}
