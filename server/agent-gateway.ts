// socket.io namespace /agent: the agents' link. Authenticated once at the handshake with the per-host credential
// (protocol version checked first); every message is parsed with its zod schema and answered, rejected ones with a
// reason. A sweeper moves silent hosts online → stale → offline; every change reaches the browsers' "hosts" room.
// The inventory arrives in bounded pages, written in batches (lib/fleet/record-inventory-page.ts); the host reads
// "syncing" from its hello until its last page is in, and a page that cannot be recorded leaves it "syncing" with the
// reason. Built for a whole fleet at once: at most GANTRY_CONNECT_QUEUE connections are between handshake and hello at a
// time (the rest are refused with when to come back), a page the inventory queue cannot take is refused with when to
// send it again, and hello and heartbeat replies tell each agent the window to spread its next reconnection over.
import type { Server as SocketServer, Socket } from "socket.io";
import {
  AGENT_MESSAGES,
  AGENT_NAMESPACE,
  AgentHandshake,
  PROTOCOL_VERSION,
  agentRoom,
  describeZodError,
  type Ack,
  type AgentMessageName,
  type Refusal,
  type RefusalCode,
} from "@/lib/protocol";
import { BusyError, GantryError } from "@/lib/errors";
import { ReturnSlots } from "@/lib/admission/return-slots";
import { Throughput } from "@/lib/admission/throughput";
import { admissionLimits } from "@/lib/admission/limits";
import { reconnectWindowMs } from "@/lib/hosts/reconnect-window";
import { authenticateAgent } from "@/lib/hosts/authenticate-agent";
import { recordHello } from "@/lib/hosts/record-hello";
import { recordHeartbeat } from "@/lib/hosts/record-heartbeat";
import { recordFacts } from "@/lib/hosts/record-facts";
import { recordDisconnect } from "@/lib/hosts/record-disconnect";
import { resetConnections } from "@/lib/hosts/reset-connections";
import { sweepHostStatus } from "@/lib/hosts/sweep-host-status";
import { heartbeatThresholds } from "@/lib/hosts/heartbeat-thresholds";
import { runQueuedCommands } from "@/lib/fleet/run-queued-commands";
import { settleExpiredClaims, settleHostClaims } from "@/lib/fleet/settle-claim";
import { closeStaleIntents } from "@/lib/activity/close-stale-intents";
import { auditRetentionDays, pruneActivity } from "@/lib/activity/prune-activity";
import { endSocketStreams, receiveStreamData, receiveStreamEnd } from "@/lib/fleet/streams";
import type { InventoryMessage, StreamData, StreamEnd } from "@/lib/protocol/commands";
import { boundContainer, boundImage, type InventoryPage } from "@/lib/protocol/inventory";
import { recordInventoryPage } from "@/lib/fleet/record-inventory-page";
import { recordInventoryFailure } from "@/lib/fleet/record-inventory-failure";
import { publishContainerEvent } from "@/lib/fleet/publish-container-event";
import { getHostOrThrow } from "@/lib/hosts/get-host-or-throw";
import { publishHostEvent } from "@/lib/hosts/publish-host-event";
import type { PodStatusMessage } from "@/lib/protocol/pods";
import type { ServiceDispatch } from "./service-dispatch";
import type { PodDispatch } from "./pod-dispatch";
import type { NetworkDispatch } from "./network-dispatch";

const log = (msg: string) => console.log(`[gantry] agents: ${msg}`);

function refuse(code: RefusalCode, reason: string, retryAfterMs?: number): Error {
  const err = new Error(reason) as Error & { data: Refusal };
  err.data = { code, reason, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  return err;
}

/**
 * Refuses agents' and browsers' socket.io connections until `open()`: the server takes connections as soon as socket.io
 * is attached, and one taken before the gateways registered their middleware would sit in a namespace with no
 * authentication and no handlers — an agent's hello never answered, retried on that socket forever (a reconnect storm
 * after a restart left hosts so). socket.io copies a namespace's middleware when a connection arrives, so this one
 * refuses rather than holds; agents come back after `retryAfterMs` as from any busy control plane.
 */
export function refuseUntilOpen(io: SocketServer, namespaces: string[]): { open(): void } {
  let open = false;
  for (const name of namespaces) {
    io.of(name).use((_socket, next) =>
      open ? next() : next(name === AGENT_NAMESPACE ? refuse("unavailable", "the control plane is starting; retry shortly", 1_000) : new Error("the control plane is starting; retry shortly")),
    );
  }
  return { open: () => void (open = true) };
}

/** A connection that has not said hello after this long no longer counts as setting up. */
const SETUP_GRACE_MS = 20_000;

/** `pods`: where hosts' pods go (server/pod-dispatch.ts): told of hellos and goodbyes, and handed pods.status.
 *  `services`: what keeps hosts' service proxies current (server/service-dispatch.ts): told of hellos and goodbyes.
 *  `network`: the pod network's (server/network-dispatch.ts), told of hellos and goodbyes. */
export function attachAgentGateway(io: SocketServer, opts: { pods?: PodDispatch; services?: ServiceDispatch; network?: NetworkDispatch } = {}) {
  const thresholds = heartbeatThresholds();
  const nsp = io.of(AGENT_NAMESPACE);

  // Connections recorded by a previous process are cleared before any agent is let in.
  const ready = resetConnections().catch((e) => log(`resetting connections failed: ${(e as Error).message}`));

  // Connections between their handshake and their hello's answer, at most GANTRY_CONNECT_QUEUE (each costs a few queries).
  const maxSettingUp = admissionLimits().connectQueue;
  let settingUp = 0;
  const setUpPace = new Throughput(maxSettingUp, 100);
  const setUpSlots = new ReturnSlots(setUpPace);

  nsp.use(async (socket, next) => {
    await ready;
    if (settingUp >= maxSettingUp) {
      const ms = setUpSlots.take(settingUp, 1_000, 30_000);
      return next(refuse("unavailable", `the control plane is taking in ${settingUp} other connections: retry in ${Math.ceil(ms / 1000)} s`, ms));
    }
    settingUp++;
    let counted = true;
    const begunAt = Date.now();
    const setUp = () => {
      if (!counted) return;
      counted = false;
      clearTimeout(grace);
      settingUp--;
      setUpPace.done(1, Date.now() - begunAt);
    };
    const grace = setTimeout(setUp, SETUP_GRACE_MS);
    grace.unref();
    socket.data.setUp = setUp;
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    // The version is checked before anything else, so an agent from another release gets the one answer that helps.
    if (typeof auth.protocolVersion === "number" && auth.protocolVersion !== PROTOCOL_VERSION) {
      setUp();
      return next(
        refuse("protocol_version", `protocol version ${auth.protocolVersion} is not supported: this control plane speaks version ${PROTOCOL_VERSION}; upgrade the agent`),
      );
    }
    const parsed = AgentHandshake.safeParse(auth);
    if (!parsed.success) {
      setUp();
      return next(refuse("bad_handshake", `invalid handshake: ${describeZodError(parsed.error)}`));
    }
    try {
      const host = await authenticateAgent(parsed.data.credential);
      socket.data.hostId = host.id;
      next();
    } catch (e) {
      setUp();
      if (e instanceof GantryError && (e as GantryError & { revoked?: boolean }).revoked) return next(refuse("revoked", e.message));
      if (e instanceof GantryError && e.code === "unauthorized") return next(refuse("unauthorized", e.message));
      log(`handshake failed: ${(e as Error).message}`);
      next(refuse("unavailable", "the control plane could not check the credential; retry later", setUpSlots.take(settingUp, 1_000, 30_000)));
    }
  });

  nsp.on("connection", (socket: Socket) => {
    const hostId = socket.data.hostId as number;
    // One live connection per host: a reconnecting agent replaces a half-open old socket (joined first, so the old
    // socket's disconnect does not mark the host disconnected).
    void socket.join(agentRoom(hostId));
    for (const other of nsp.adapter.rooms.get(agentRoom(hostId)) ?? []) {
      if (other !== socket.id) nsp.sockets.get(other)?.disconnect(true);
    }
    log(`host ${hostId} connected from ${socket.handshake.address}`);

    const handlers: { [K in AgentMessageName]: (msg: never) => Promise<boolean> } = {
      hello: async (msg: { facts: Parameters<typeof recordHello>[1] }) => {
        // The host's connectedAt is this instant: its disconnect below changes the host only while it still is.
        const at = new Date();
        socket.data.helloAt = at;
        const hello = await recordHello(hostId, msg.facts, at);
        // After this hello is acknowledged: idempotency claims whose sender is gone (a control plane that died, or the
        // one this agent left) are settled by asking the host, then commands queued while it was away run, once each.
        if (hello) opts.network?.hostReady(hostId);
        if (hello) opts.pods?.hostReady(hostId);
        if (hello) opts.services?.hostReady(hostId);
        if (hello && (hello.hasClaims || hello.hasQueued)) {
          const { host } = hello;
          setImmediate(() =>
            void (hello.hasClaims ? settleHostClaims(host, log) : Promise.resolve())
              .catch((e) => log(`host ${hostId}: settling command claims failed: ${(e as Error).message}`))
              .then(() => (hello.hasQueued ? runQueuedCommands(host, log) : 0))
              .catch((e) => log(`host ${hostId}: running queued commands failed: ${(e as Error).message}`)),
          );
        }
        return hello !== null;
      },
      heartbeat: async () => recordHeartbeat(hostId),
      facts: async (msg: { facts: Parameters<typeof recordFacts>[1] }) => recordFacts(hostId, msg.facts),
      "stream.data": async (msg: StreamData) => (receiveStreamData(hostId, msg), true),
      "stream.end": async (msg: StreamEnd) => (receiveStreamEnd(hostId, msg), true),
      "inventory.page": async (msg: InventoryPage) => inventoryPage(msg),
      "pods.status": async (msg: PodStatusMessage) => {
        if (!opts.pods) throw new GantryError("unavailable", "this control plane does not run pods");
        await opts.pods.receiveStatus(hostId, msg);
        return true;
      },
      // An agent from before paging: its whole inventory is a sync of one page.
      inventory: async (msg: InventoryMessage) =>
        inventoryPage({ syncId: `whole-${socket.id}-${++wholeSyncs}`, index: 0, last: true, containers: msg.containers.map(boundContainer), images: msg.images.map(boundImage) }),
    };
    let wholeSyncs = 0;
    let inventoryCount = 0;
    const inventoryPage = async (page: InventoryPage) => {
      const outcome = await recordInventoryPage(hostId, page, () => socket.connected);
      inventoryCount = page.index === 0 ? page.containers.length : inventoryCount + page.containers.length;
      if (outcome.done) publishContainerEvent({ hostId, containers: inventoryCount });
      // The host's status changes when a sync begins on a synced host (→ syncing) and when one ends (→ online).
      if (outcome.statusChanged) publishHostEvent("status", outcome.host);
      return true;
    };

    socket.onAny(async (event: string, ...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === "function" ? (args.pop() as (r: Ack) => void) : undefined;
      const reject = (reason: string) => {
        if (ack) ack({ ok: false, error: reason });
        else socket.emit("protocol_error", { event: String(event).slice(0, 64), reason });
      };
      if (!Object.hasOwn(AGENT_MESSAGES, event)) return reject(`unknown message "${String(event).slice(0, 64)}"`);
      if (args.length !== 1) return reject(`message "${event}" takes exactly one payload, got ${args.length}`);
      const name = event as AgentMessageName;
      const parsed = AGENT_MESSAGES[name].safeParse(args[0]);
      if (!parsed.success) {
        const reason = `invalid ${name}: ${describeZodError(parsed.error)}`;
        if (name === "hello") (socket.data.setUp as () => void)();
        if (name === "inventory.page" || name === "inventory") await inventoryFailed(reason);
        return reject(reason);
      }
      try {
        const alive = await handlers[name](parsed.data as never);
        if (!alive) {
          socket.emit("revoked", { reason: `host ${hostId} was revoked` });
          socket.disconnect(true);
          return;
        }
        ack?.(name === "hello" || name === "heartbeat" ? { ok: true, reconnectWindowMs: await reconnectWindowMs() } : { ok: true });
      } catch (e) {
        if (e instanceof BusyError) {
          // Nothing recorded and nothing wrong: the agent sends it again when told.
          if (ack) ack({ ok: false, error: e.message, retryAfterMs: e.retryAfterMs });
          else socket.emit("protocol_error", { event: name, reason: e.message });
          return;
        }
        if (name === "inventory.page" || name === "inventory") {
          // Out of order or superseded: the agent starts its sync over. Anything else is ours: said without details.
          const reason = e instanceof GantryError ? e.message : `the control plane could not record the ${name}; it will be retried`;
          if (!(e instanceof GantryError)) log(`host ${hostId}: ${name} failed: ${(e as Error).message}`);
          if (socket.connected) await inventoryFailed(reason); // a page whose agent left is no failure of the host's
          return reject(reason);
        }
        // A pod status refused for a reason of its own (not this host's pod) says so; anything else is ours.
        if (name === "pods.status" && e instanceof GantryError) return reject(e.message);
        log(`host ${hostId}: ${name} failed: ${(e as Error).message}`);
        reject(`the control plane could not record the ${name}; it will be retried`);
      } finally {
        if (name === "hello") (socket.data.setUp as () => void)();
      }
    });
    const inventoryFailed = async (reason: string) => {
      try {
        if (await recordInventoryFailure(hostId, reason)) publishHostEvent("status", await getHostOrThrow(hostId));
      } catch (e) {
        log(`host ${hostId}: recording an inventory failure failed: ${(e as Error).message}`);
      }
    };

    socket.on("disconnect", (reason) => {
      (socket.data.setUp as () => void)();
      log(`host ${hostId} disconnected (${reason})`);
      endSocketStreams(socket.id, `host ${hostId} disconnected (${reason})`);
      if (closing) return; // shutting down: the next start clears every connection anyway
      // Only when no newer connection of the same host took over.
      if (nsp.adapter.rooms.get(agentRoom(hostId))?.size) return;
      opts.pods?.hostGone(hostId);
      opts.services?.hostGone(hostId);
      opts.network?.hostGone(hostId);
      // "client namespace disconnect": the agent closed its connection itself (stopping) — a goodbye, not a loss.
      const goodbye = reason === "client namespace disconnect";
      recordDisconnect(hostId, (socket.data.helloAt as Date | undefined) ?? null, { goodbye }).catch((e) => log(`host ${hostId}: recording the disconnect failed: ${(e as Error).message}`));
    });
  });

  // The sweep runs often enough that a status lags its deadline by at most a fifth of the stale grace.
  let closing = false;
  const sweepEvery = Math.max(100, Math.min(5_000, Math.floor(thresholds.staleMs / 5)));
  let sweeping = false;
  let lastRecovery = 0;
  let lastPrune = 0;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      for (const h of await sweepHostStatus(thresholds)) log(`host ${h.id} is ${h.status}`);
      // Once a minute: claims and activity rows a dead control plane left unfinished.
      if (Date.now() - lastRecovery > 60_000) {
        lastRecovery = Date.now();
        await settleExpiredClaims(log);
        const n = await closeStaleIntents();
        if (n) log(`${n} activity record(s) of requests a stopped control plane never finished marked interrupted`);
      }
      // Hourly (and at start): activity older than GANTRY_AUDIT_RETENTION_DAYS, from the start of the audit chain.
      const retention = auditRetentionDays();
      if (retention !== null && Date.now() - lastPrune > 3600_000) {
        lastPrune = Date.now();
        const { pruned, checkpointSeq } = await pruneActivity(retention);
        if (pruned) log(`${pruned} activity record(s) older than ${retention} days pruned; the audit chain now starts after seq ${checkpointSeq}`);
      }
    } catch (e) {
      log(`status sweep failed: ${(e as Error).message}`);
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), sweepEvery);
  timer.unref();

  return {
    close: async () => {
      closing = true;
      clearInterval(timer);
      nsp.disconnectSockets(true);
    },
  };
}
