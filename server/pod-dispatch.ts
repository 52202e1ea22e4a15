// The pods' way to their hosts: every pod bound to a node (spec.nodeName = a host's name) is known here from one list +
// watch of the Kubernetes API's pods (the in-process system client), and each connected agent of this replica is sent
// the complete set of its pods (pods.sync, lib/pods/desired-pods.ts) when it says hello and whenever one of its pods —
// or a ConfigMap or Secret one of them reads — changes. Its reports (pods.status, through the agent gateway) are written
// by lib/pods/record-pod-status.ts, for pods bound to that very host only. A watch that falls behind lists again; until
// the first list is in, no host is sent anything (an empty set would stop its pods).
import type { Server as SocketServer } from "socket.io";
import { AGENT_NAMESPACE, agentRoom, Ack } from "@/lib/protocol";
import { GantryError } from "@/lib/errors";
import type { KubeObject } from "@/lib/k8s/meta";
import type { PodSpec } from "@/lib/k8s/kinds/pod-types";
import { systemClient } from "@/lib/k8s/system-client";
import type { PodStatusMessage } from "@/lib/protocol/pods";
import { desiredPods, referencedObjects } from "@/lib/pods/desired-pods";
import { hostsNamed } from "@/lib/pods/hosts-named";
import { nodeNameOfHost } from "@/lib/pods/node-of-host";
import { PodStatusWriter } from "@/lib/pods/record-pod-status";

const log = (msg: string) => console.log(`[gantry] pods: ${msg}`);

/** Changes in quick succession make one sync. */
const DEBOUNCE_MS = 50;
/** A sync the agent did not acknowledge is sent again after this long, doubling (an agent from before pods never
 *  acknowledges one) up to RETRY_MAX_MS. */
const RETRY_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;

export interface PodDispatch {
  /** A host said hello on this replica: send it its pods. */
  hostReady(hostId: number): void;
  /** A host's last connection to this replica closed. */
  hostGone(hostId: number): void;
  /** A host's report of one of its pods. */
  receiveStatus(hostId: number, msg: PodStatusMessage): Promise<void>;
  close(): Promise<void>;
}

interface HostState {
  node: Promise<string | null>;
  timer: ReturnType<typeof setTimeout> | null;
  sending: boolean;
  again: boolean;
  /** Syncs in a row that were not delivered. */
  failures: number;
}

export function attachPodDispatch(io: SocketServer): PodDispatch {
  const client = systemClient("gantry-pod-dispatch");
  const statuses = new PodStatusWriter(client, "gantry-pod-dispatch");
  const nsp = io.of(AGENT_NAMESPACE);
  /** Every pod bound to a node, by uid. */
  let pods = new Map<string, KubeObject>();
  const hosts = new Map<number, HostState>();
  const stops: Array<() => void> = [];
  let closed = false;
  let ready: Promise<void>;

  const nodeOf = (pod: KubeObject) => (pod.spec as PodSpec | undefined)?.nodeName ?? "";

  /** Syncs every connected host whose node is one of `nodes` (all when null). */
  const touch = async (nodes: Set<string> | null) => {
    for (const [hostId, h] of hosts) {
      const node = await h.node;
      if (node && (!nodes || nodes.has(node))) schedule(hostId, DEBOUNCE_MS);
    }
  };

  const watchPods = async () => {
    const list = await client.list("pods");
    const next = new Map<string, KubeObject>();
    for (const p of list.items) if (nodeOf(p)) next.set(p.metadata.uid!, p);
    pods = next;
    const stop = client.watch(
      "pods",
      list.resourceVersion,
      (type, pod) => {
        const uid = pod.metadata.uid!;
        const before = pods.get(uid);
        if (type === "DELETED" || !nodeOf(pod)) pods.delete(uid);
        else pods.set(uid, pod);
        const nodes = new Set([before && nodeOf(before), nodeOf(pod)].filter((n): n is string => !!n));
        if (nodes.size) void touch(nodes);
      },
      () => {
        if (closed) return;
        log("the pod watch fell behind: listing again");
        void restart();
      },
    );
    stops.push(stop);
  };

  /** A ConfigMap or Secret changed: the hosts of the pods that read it are synced (volumes update in place). */
  const watchReferenced = async (resource: "configmaps" | "secrets") => {
    const list = await client.list(resource);
    const stop = client.watch(
      resource,
      list.resourceVersion,
      (_type, obj) => {
        const key = `${resource}/${obj.metadata.namespace}/${obj.metadata.name}`;
        const nodes = new Set<string>();
        for (const p of pods.values()) if (referencedObjects(p).has(key)) nodes.add(nodeOf(p));
        if (nodes.size) void touch(nodes);
      },
      () => {
        if (!closed) void restart();
      },
    );
    stops.push(stop);
  };

  /**
   * A Node came or went (a host renamed is a Node of the new name, the old one deleted): the connected hosts of that
   * name, or that had it, have their node name asked again and are synced, so pods bound to a new name reach it.
   */
  const watchNodes = async () => {
    const list = await client.list("nodes");
    const stop = client.watch(
      "nodes",
      list.resourceVersion,
      (type, node) => {
        if (type === "MODIFIED") return; // a name only comes or goes
        // Only a host that bore the name or bears it now can gain or lose it. (Asking every connected host again on
        // each Node was quadratic: a 5,000-host join storm, a Node added per host, stalled at 3,000 hosts under it.)
        const name = node.metadata.name!;
        void hostsNamed(name)
          .then(async (named) => {
            for (const [hostId, h] of hosts) {
              if (!named.has(hostId) && (await h.node) !== name) continue;
              h.node = nodeNameOfHost(hostId).catch(() => null);
              schedule(hostId, DEBOUNCE_MS);
            }
          })
          .catch((e) => log(`node ${name}: finding its host failed: ${(e as Error).message}`));
      },
      () => {
        if (!closed) void restart();
      },
    );
    stops.push(stop);
  };

  const start = async () => {
    for (;;) {
      try {
        await Promise.all([watchPods(), watchReferenced("configmaps"), watchReferenced("secrets"), watchNodes()]);
        return;
      } catch (e) {
        log(`listing pods failed: ${(e as Error).message}; trying again`);
        for (const s of stops.splice(0)) s();
        await new Promise((r) => setTimeout(r, 1000));
        if (closed) return;
      }
    }
  };

  let restarting = false;
  const restart = async () => {
    if (restarting) return;
    restarting = true;
    for (const s of stops.splice(0)) s();
    ready = start();
    await ready;
    restarting = false;
    await touch(null);
  };

  ready = start();

  const schedule = (hostId: number, ms: number) => {
    const h = hosts.get(hostId);
    if (!h || closed) return;
    if (h.timer) clearTimeout(h.timer);
    h.timer = setTimeout(() => {
      h.timer = null;
      void send(hostId);
    }, ms);
  };

  const send = async (hostId: number) => {
    const h = hosts.get(hostId);
    if (!h) return;
    if (h.sending) {
      h.again = true;
      return;
    }
    h.sending = true;
    try {
      await ready;
      const node = await h.node;
      if (!node) return;
      const mine = [...pods.values()].filter((p) => nodeOf(p) === node);
      const desired = await desiredPods(mine, client, log);
      let delivered = false;
      for (const id of nsp.adapter.rooms.get(agentRoom(hostId)) ?? []) {
        const socket = nsp.sockets.get(id);
        if (!socket?.connected) continue;
        try {
          const ack = Ack.parse(await socket.timeout(30_000).emitWithAck("pods.sync", { pods: desired, full: true }));
          if (ack.ok) delivered = true;
          else log(`host ${hostId} refused its pods: ${ack.error}`);
        } catch (e) {
          log(`host ${hostId} did not acknowledge its pods: ${(e as Error).message}`);
        }
      }
      if (delivered) h.failures = 0;
      else if (hosts.has(hostId)) schedule(hostId, Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** h.failures++));
    } catch (e) {
      log(`host ${hostId}: sending its pods failed: ${(e as Error).message}`);
      schedule(hostId, Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** h.failures++));
    } finally {
      h.sending = false;
      if (h.again) {
        h.again = false;
        schedule(hostId, 0);
      }
    }
  };

  return {
    hostReady(hostId) {
      const node = nodeNameOfHost(hostId).catch(() => null);
      const h = hosts.get(hostId);
      if (h) {
        h.node = node;
        h.failures = 0;
      } else hosts.set(hostId, { node, timer: null, sending: false, again: false, failures: 0 });
      schedule(hostId, 0);
    },
    hostGone(hostId) {
      const h = hosts.get(hostId);
      if (h?.timer) clearTimeout(h.timer);
      hosts.delete(hostId);
    },
    async receiveStatus(hostId, msg) {
      await ready;
      const node = await (hosts.get(hostId)?.node ?? nodeNameOfHost(hostId));
      const pod = pods.get(msg.uid);
      // Only a pod bound to this very host: an agent cannot write another host's pods (re-checked on the stored pod).
      if (!node || !pod || nodeOf(pod) !== node) throw new GantryError("not_found", `no pod with uid ${msg.uid} is bound to this host`);
      const outcome = await statuses.record({ node, msg, at: { namespace: pod.metadata.namespace!, name: pod.metadata.name! } });
      if (outcome === "removed") log(`pod ${pod.metadata.namespace}/${pod.metadata.name} stopped on ${node}: removed`);
    },
    async close() {
      closed = true;
      for (const s of stops.splice(0)) s();
      for (const h of hosts.values()) if (h.timer) clearTimeout(h.timer);
      hosts.clear();
    },
  };
}
