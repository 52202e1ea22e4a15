// The Services' way to every host (issue 14): each connected agent of this replica is kept told of every Service of the
// cluster with its endpoints resolved (services.sync, lib/protocol/services.ts), for its service proxy and cluster DNS.
// Services and EndpointSlices are known here from one list + watch each (informers over the in-process system client);
// changes in quick succession are gathered (DEBOUNCE_MS) and each Service they touched is turned into its AgentService
// once (lib/services/to-agent-service.ts). What differs from the last message becomes one delta — the same object sent
// to every connection that is in step — so a change costs one computation however many hosts there are, and a hello
// (a join or reconnect storm) shares the one full set kept for the current revision.
//
// Revisions: one counter for this replica, one more per delta. A connection gets a full set at the current revision on
// each hello, then every delta after it, so what it sees grows by one each time. An agent that answers { ok: false }
// (it saw a gap, or could not apply one) is sent a full set again, and if it refuses that too, again after 5 s doubling
// to 5 min; deltas skip it meanwhile. An agent that never answers (one from before Services) is left alone until it
// says hello again — no message is repeated to it on a timer.
import type { Server as SocketServer, Socket } from "socket.io";
import { AGENT_NAMESPACE, agentRoom, Ack } from "@/lib/protocol";
import type { KubeObject } from "@/lib/k8s/meta";
import { systemClient } from "@/lib/k8s/system-client";
import { Informer } from "@/lib/orchestration/informer";
import { ENDPOINT_SLICES, sliceService } from "@/lib/orchestration/endpoints-controller";
import { keyOf } from "@/lib/orchestration/objects";
import { clusterNetwork } from "@/lib/network/cluster-network";
import { serviceKey, type AgentService, type ServicesSync } from "@/lib/protocol/services";
import { toAgentService } from "@/lib/services/to-agent-service";

const log = (msg: string) => console.log(`[gantry] services: ${msg}`);

/** Changes in quick succession make one delta. */
const DEBOUNCE_MS = 20;
const ACK_TIMEOUT_MS = 30_000;
const RETRY_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;

export interface ServiceDispatch {
  /** A host said hello on this replica: its connection gets the full set. */
  hostReady(hostId: number): void;
  /** A host's last connection to this replica closed. */
  hostGone(hostId: number): void;
  close(): Promise<void>;
}

interface Connection {
  socket: Socket;
  /** Deltas go to it: its last full set was taken (or is on its way). */
  inStep: boolean;
  /** Fulls in a row it refused. */
  refusals: number;
  retry: ReturnType<typeof setTimeout> | null;
}

export function attachServiceDispatch(io: SocketServer): ServiceDispatch {
  const nsp = io.of(AGENT_NAMESPACE);
  const reader = systemClient("gantry-service-dispatch");
  const services = new Informer<KubeObject>(reader, "services", log);
  const slices = new Informer<KubeObject>(reader, ENDPOINT_SLICES, log);
  slices.addIndex("service", sliceService);
  const network = clusterNetwork();

  /** What the hosts were last told, by "namespace/name". */
  const told = new Map<string, { service: AgentService; json: string }>();
  let revision = 1;
  /** The full set at `revision`, built on the first hello that needs it. */
  let fullCache: ServicesSync | null = null;
  const connections = new Map<string, Connection>();
  const dirty = new Set<string>();
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  let started = false;

  const touch = (key: string) => {
    dirty.add(key);
    if (!flushTimer && started && !closed) flushTimer = setTimeout(flush, DEBOUNCE_MS);
  };
  services.on({ add: (s) => touch(keyOf(s)), update: (_, s) => touch(keyOf(s)), delete: (s) => touch(keyOf(s)) });
  const bySlice = (s: KubeObject) => sliceService(s).forEach(touch);
  slices.on({ add: bySlice, update: (_, s) => bySlice(s), delete: bySlice });

  /** The AgentService a key stands for now (null: none, or one the protocol cannot carry). */
  const compute = (key: string): AgentService | null => {
    const svc = services.get(key);
    if (!svc) return null;
    const built = toAgentService(svc, slices.byIndex("service", key));
    if ("error" in built) {
      log(`service ${key} is not sent to hosts: ${built.error}`);
      return null;
    }
    return built.service;
  };

  const base = () => ({ clusterDomain: network.clusterDomain, serviceCIDR: network.serviceCIDR.text });

  function flush() {
    flushTimer = null;
    if (closed) return;
    const changed: AgentService[] = [];
    const removed: string[] = [];
    for (const key of dirty) {
      const next = compute(key);
      const before = told.get(key);
      if (!next) {
        if (before) {
          told.delete(key);
          removed.push(key);
        }
        continue;
      }
      const json = JSON.stringify(next);
      if (before?.json === json) continue;
      told.set(key, { service: next, json });
      changed.push(next);
    }
    dirty.clear();
    if (!changed.length && !removed.length) return;
    revision++;
    fullCache = null;
    const delta: ServicesSync = { full: false, revision, ...base(), services: changed, removed };
    for (const c of connections.values()) if (c.inStep) send(c, delta);
  }

  const full = (): ServicesSync => (fullCache ??= { full: true, revision, ...base(), services: [...told.values()].map((t) => t.service), removed: [] });

  function send(c: Connection, msg: ServicesSync) {
    if (!c.socket.connected) return forget(c.socket.id);
    c.socket.timeout(ACK_TIMEOUT_MS).emit("services.sync", msg, (err: Error | null, reply: unknown) => {
      if (connections.get(c.socket.id) !== c) return;
      if (err) {
        // Never answered: an agent that does not take services.sync. Nothing more until its next hello.
        if (c.inStep) log(`host ${c.socket.data.hostId} did not acknowledge services.sync (revision ${msg.revision}): not sent more until it connects again`);
        c.inStep = false;
        return;
      }
      const ack = Ack.safeParse(reply);
      if (ack.success && ack.data.ok) {
        if (msg.full) c.refusals = 0;
        return;
      }
      const why = ack.success && !ack.data.ok ? ack.data.error : "an answer that is not an acknowledgement";
      // Only the newest refusal counts: a delta refused after a newer full was sent is already answered by that full.
      if (!c.inStep && !msg.full) return;
      c.inStep = false;
      const wait = msg.full ? Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** c.refusals++) : 0;
      if (msg.full) log(`host ${c.socket.data.hostId} refused the full services.sync (${why}): again in ${wait / 1000} s`);
      if (c.retry) clearTimeout(c.retry);
      c.retry = setTimeout(() => {
        c.retry = null;
        sendFull(c);
      }, wait);
    });
  }

  function sendFull(c: Connection) {
    if (closed || connections.get(c.socket.id) !== c) return;
    c.inStep = true;
    send(c, full());
  }

  function forget(socketId: string) {
    const c = connections.get(socketId);
    if (c?.retry) clearTimeout(c.retry);
    connections.delete(socketId);
  }

  // Until the first lists are in, hellos wait (a full set from nothing would tell a host every Service is gone).
  const ready = (async () => {
    for (;;) {
      try {
        await Promise.all([services.start(), slices.start()]);
        break;
      } catch (e) {
        if (closed) return;
        log(`listing Services failed: ${(e as Error).message}; trying again`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    started = true;
    for (const s of services.list()) dirty.add(keyOf(s));
    flush();
    // The first flush made the set hosts are told; a full set from it, not a delta, is what anyone connected gets.
  })();

  return {
    hostReady(hostId) {
      void ready.then(() => {
        for (const id of nsp.adapter.rooms.get(agentRoom(hostId)) ?? []) {
          const socket = nsp.sockets.get(id);
          if (!socket?.connected) continue;
          let c = connections.get(id);
          if (!c) {
            c = { socket, inStep: false, refusals: 0, retry: null };
            connections.set(id, c);
            socket.once("disconnect", () => forget(id));
          }
          // Changes gathered but not yet sent go out first, so the full set is current.
          if (dirty.size) {
            if (flushTimer) clearTimeout(flushTimer);
            flush();
          }
          sendFull(c);
        }
      });
    },
    hostGone(hostId) {
      for (const [id, c] of connections) if (c.socket.data.hostId === hostId) forget(id);
    },
    async close() {
      closed = true;
      if (flushTimer) clearTimeout(flushTimer);
      for (const id of [...connections.keys()]) forget(id);
      services.stop();
      slices.stop();
    },
  };
}
