// The agent's connection to the control plane: socket.io on /agent, authenticated with the host credential and the
// protocol version. Says hello with its facts on every connection, beats every interval ± jitter, and reconnects with
// capped exponential back-off + jitter for as long as it runs — after losing a connection, at a random moment of the
// reconnect window the control plane gave in its last hello or heartbeat reply (it grows with the fleet), or after the "retry after" a
// busy control plane refused the connection with. A permanent refusal (revoked, unknown credential, other
// protocol version) ends it with the server's reason. The inventory is sent until it is accepted: a page the control
// plane was too busy to take is sent again after the time it said, a refused or unacknowledged one starts the sync over. Nothing it sends may pass the socket's message limit, which
// would cut the connection — and, sent again on every reconnection, cut it forever: the inventory goes in bounded
// pages (lib/protocol/inventory.ts), a command reply too large to send is answered with an error instead, and stream
// data is split into messages of at most STREAM_MESSAGE_BYTES.
// Why one file of ~500 lines: one connection's state (its socket, the hello's reconnect window, the inventory sync in
// flight, the heartbeat timer) is what every part here reads; the protocol's shapes and limits live in lib/protocol.
import { Agent as HttpsAgent } from "node:https";
import { io, type Socket } from "socket.io-client";
import {
  AGENT_NAMESPACE,
  Ack,
  CredentialRotate,
  describeZodError,
  PERMANENT_REFUSALS,
  ProtocolError,
  PROTOCOL_VERSION,
  Refusal,
  RevokedMessage,
  SOCKET_PATH,
  type AgentToServerEvents,
  type HostFacts,
  type ServerToAgentEvents,
} from "../lib/protocol";
import { randomUUID } from "node:crypto";
import type { CommandReply, ContainerSummary, ImageSummary, StreamData, StreamEnd, StreamOpenReply } from "../lib/protocol/commands";
import type { PodStatusMessage } from "../lib/protocol/pods";
import { inventoryPages } from "../lib/protocol/inventory";
import { afterHint, jittered, reconnectDelay, type BackoffPolicy, DEFAULT_BACKOFF } from "./backoff";
import type { Clock, Random } from "./clock";
import type { PinnedTlsOptions } from "./tls-pin";

export class LinkRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LinkRefused";
  }
}

export interface LinkOptions {
  serverUrl: string;
  credential: string;
  /** TLS options for an https control plane whose certificate is pinned (agent/tls-pin.ts); else the system's CAs. */
  tls?: PinnedTlsOptions;
  facts: () => Promise<HostFacts>;
  heartbeatIntervalMs: number;
  clock: Clock;
  random: Random;
  log: (msg: string) => void;
  backoff?: BackoffPolicy;
  /** Facts are re-read every this many heartbeats and sent when they changed (default 30: ~5 min). */
  factsEveryBeats?: number;
  /** Overrides the handshake's protocol version (tests of the version check). */
  protocolVersion?: number;
  /** Answers a "command" request from the control plane (agent/commands); without it commands are refused. */
  onCommand?: (request: unknown) => Promise<CommandReply>;
  /** Serves streams the control plane opens (agent/commands/streams.ts); without it they are refused. */
  streams?: LinkStreams;
  /** The host's inventory, sent in full (in pages) after every hello and again (debounced) whenever `subscribe` reports a change. */
  inventory?: { snapshot(): Promise<{ containers: ContainerSummary[]; images: ImageSummary[] }>; subscribe(onChange: () => void): () => void };
  /** The host's pods (agent/pods): the control plane's desired set comes in (pods.sync), their statuses go out. */
  pods?: LinkPods;
  /** The cluster's Services (agent/services): services.sync, answered at once (refused: the control plane sends all again). */
  services?: { sync(raw: unknown): Ack };
  /** Stores a rotated credential (agent/credential-store.ts) before it is acknowledged; without it rotations are refused. */
  onCredential?: (credential: string) => void;
  /** The pod network (agent/network/overlay.ts): network.sync is applied, then acknowledged. */
  network?: { sync(raw: unknown): Promise<Ack> };
}

/** What the link needs of the agent's pods: a sync to take (answered at once), and their statuses. */
export interface LinkPods {
  sync(raw: unknown): Ack;
  /** Every pod's status now: sent after each hello. */
  statuses(): PodStatusMessage[];
  /** Hears each status change. */
  subscribe(onStatus: (m: PodStatusMessage) => void): () => void;
}

/** What the link needs of the agent's streams: messages in, and a sink for the frames going out on this connection. */
export interface LinkStreams {
  open(raw: unknown, sink: { data(msg: StreamData): void; end(msg: StreamEnd): void }): Promise<StreamOpenReply>;
  credit(raw: unknown): void;
  input(raw: unknown, ack?: (written: boolean) => void): void;
  resize(raw: unknown): void;
  close(raw: unknown): void;
  closeAll(): void;
}

type AgentSocket = Socket<ServerToAgentEvents, AgentToServerEvents>;

/** Commands that change nothing: no inventory to send before answering them. */
const READ_ONLY_COMMANDS = new Set(["container.list", "container.inspect", "image.list", "host.metrics", "host.prometheus"]);
const INVENTORY_FLUSH_WAIT_MS = 5_000;
/** How long a page may wait for its acknowledgement. */
const INVENTORY_PAGE_WAIT_MS = 120_000;
/** A sync that failed (a page refused or not acknowledged) is tried again after this long (and up to half more). */
const INVENTORY_RETRY_MS = 5_000;
/** A hello that failed is said again after this long (and up to half more), unless the control plane said when. */
const HELLO_RETRY_MS = 5_000;
/** Pod statuses sent and not yet answered, at most (a burst of pods starting reports in batches, not one by one). */
const POD_STATUSES_IN_FLIGHT = 32;
/** The socket cuts a connection on a message over 1,000,000 bytes; replies stay below this. */
export const MAX_MESSAGE_BYTES = 900_000;
/** Stream data goes in messages of at most this many bytes of chunk data. */
export const STREAM_MESSAGE_BYTES = 256 << 10;

export class AgentLink {
  private socket: AgentSocket | null = null;
  private attempt = 0;
  private seq = 0;
  private lastFacts = "";
  private timer: unknown = null;
  private stopped = false;
  private settle: { resolve: () => void; reject: (e: Error) => void } | null = null;
  /** From the last hello or heartbeat reply: reconnections after a lost connection are spread over this long. */
  private reconnectWindowMs = 0;

  private inventoryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Inventory sends run one at a time, in order; `inventoryQueued` is a send not yet begun, which later asks join. */
  private inventoryRunning: Promise<void> = Promise.resolve();
  private inventoryQueued: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private unsubscribePods: (() => void) | null = null;
  /** Pod statuses not sent yet, the latest per pod, sent one at a time while connected (and said hello). */
  private readonly podStatuses = new Map<string, PodStatusMessage>();
  /** Pods whose status is on its way (sent, not yet answered). */
  private readonly podsInFlight = new Set<string>();
  private helloDone: AgentSocket | null = null;

  constructor(private readonly opts: LinkOptions) {}

  /** Sends the inventory soon (after a change): changes in quick succession make one send. */
  private scheduleInventory(delayMs: number) {
    if (!this.opts.inventory || this.stopped) return;
    if (this.inventoryTimer) clearTimeout(this.inventoryTimer);
    this.inventoryTimer = setTimeout(() => {
      this.inventoryTimer = null;
      void this.flushInventory();
    }, delayMs);
  }

  /**
   * Sends a snapshot taken after this call and resolves once the control plane has recorded it (or could not).
   * Sends never overlap; callers arriving while one is queued share it, so a burst of changes costs one more send.
   */
  private flushInventory(): Promise<void> {
    if (this.inventoryTimer) {
      clearTimeout(this.inventoryTimer);
      this.inventoryTimer = null;
    }
    if (this.inventoryQueued) return this.inventoryQueued;
    const send = this.inventoryRunning.then(() => {
      this.inventoryQueued = null;
      return this.sendInventory();
    });
    this.inventoryQueued = send;
    this.inventoryRunning = send;
    return send;
  }

  /** One sync: the snapshot in pages, each sent once the previous one is acknowledged; a failure tries again later. */
  private async sendInventory() {
    const socket = this.socket;
    if (!socket?.connected || !this.opts.inventory) return;
    let pages;
    try {
      pages = inventoryPages(await this.opts.inventory.snapshot(), randomUUID());
    } catch (e) {
      this.opts.log(`reading the inventory failed: ${(e as Error).message}`);
      return this.scheduleInventory(INVENTORY_RETRY_MS);
    }
    const gone = () => this.stopped || this.socket !== socket || !socket.connected; // a new connection syncs again
    for (let i = 0; i < pages.length; ) {
      const page = pages[i]!;
      if (gone()) return;
      try {
        // Patient: when a whole fleet reconnects at once, the control plane writes pages in turn.
        const ack = Ack.parse(await socket.timeout(INVENTORY_PAGE_WAIT_MS).emitWithAck("inventory.page", page));
        if (ack.ok) {
          i++;
          continue;
        }
        if (ack.retryAfterMs !== undefined) {
          // Not recorded, and not wrong: the control plane is busy. The same page again, when it said.
          const wait = afterHint(ack.retryAfterMs, this.opts.random);
          this.opts.log(`inventory page ${page.index + 1} of ${pages.length} not taken yet (${ack.error}); sending it again in ${(wait / 1000).toFixed(1)} s`);
          await new Promise((r) => this.opts.clock.setTimeout(() => r(undefined), wait));
          continue;
        }
        this.opts.log(`inventory page ${page.index + 1} of ${pages.length} rejected: ${ack.error}`);
      } catch (e) {
        this.opts.log(`inventory page ${page.index + 1} of ${pages.length} not acknowledged: ${(e as Error).message}`);
      }
      return this.scheduleInventory(afterHint(INVENTORY_RETRY_MS, this.opts.random));
    }
  }

  /** Runs until stop() (resolves) or a permanent refusal (rejects with LinkRefused). */
  run(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      this.unsubscribe = this.opts.inventory?.subscribe(() => this.scheduleInventory(200)) ?? null;
      this.unsubscribePods =
        this.opts.pods?.subscribe((m) => {
          this.podStatuses.delete(m.uid); // kept in the order of change
          this.podStatuses.set(m.uid, m);
          void this.sendPodStatuses();
        }) ?? null;
      this.connect();
    });
  }

  stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribePods?.();
    if (this.inventoryTimer) clearTimeout(this.inventoryTimer);
    this.clearTimer();
    this.socket?.disconnect();
    this.socket = null;
    this.settle?.resolve();
  }

  private finish(error: LinkRefused) {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribePods?.();
    if (this.inventoryTimer) clearTimeout(this.inventoryTimer);
    this.clearTimer();
    this.socket?.disconnect();
    this.socket = null;
    this.settle?.reject(error);
  }

  private clearTimer() {
    if (this.timer !== null) this.opts.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private connect() {
    if (this.stopped) return;
    const { serverUrl, credential } = this.opts;
    const socket: AgentSocket = io(serverUrl + AGENT_NAMESPACE, {
      path: SOCKET_PATH,
      auth: { protocolVersion: this.opts.protocolVersion ?? PROTOCOL_VERSION, credential },
      reconnection: false, // reconnection is ours: back-off with injected clock and jitter
      transports: ["websocket"],
      timeout: 10_000,
      // A pinned certificate travels in an https.Agent: socket.io-client passes only some TLS options on by themselves.
      ...(this.opts.tls ? { agent: new HttpsAgent(this.opts.tls) as unknown as string } : {}),
    });
    this.socket = socket;

    socket.on("connect", () => {
      this.attempt = 0;
      this.opts.log(`connected to ${serverUrl}`);
      void this.hello(socket);
    });
    socket.on("connect_error", (err: Error & { data?: unknown }) => {
      const refusal = Refusal.safeParse(err.data);
      if (refusal.success && PERMANENT_REFUSALS.includes(refusal.data.code)) {
        return this.finish(new LinkRefused(`${serverUrl} refused this agent: ${refusal.data.reason}`));
      }
      // A TLS failure (certificate not the pinned one, not trusted) is in the transport error's description.
      const cause = (err as { description?: { message?: string } }).description?.message;
      // A control plane that is still starting (or restarting) answers 503: expected, not an error of the link.
      if (!refusal.success && /Unexpected server response: 503/.test(cause ?? "")) return this.retry("the control plane is starting (503)", socket);
      if (refusal.success) return this.retry(refusal.data.reason, socket, refusal.data.retryAfterMs);
      this.retry(cause ? `${err.message}: ${cause}` : err.message, socket);
    });
    socket.on("disconnect", (reason) => {
      streams?.closeAll();
      if (this.stopped || this.socket !== socket) return;
      this.clearTimer();
      this.opts.log(`disconnected (${reason})`);
      this.retry("connection lost", socket);
    });
    // What the server sends is parsed like what it receives: a revocation ends the link even if its reason is garbled.
    socket.on("revoked", (msg: unknown) => {
      const parsed = RevokedMessage.safeParse(msg);
      this.finish(new LinkRefused(`${serverUrl} revoked this host: ${parsed.success ? parsed.data.reason : "no reason given"}`));
    });
    socket.on("command", (req: unknown, ack: unknown) => {
      if (typeof ack !== "function") return;
      const answer = this.opts.onCommand
        ? this.opts.onCommand(req)
        : Promise.resolve<CommandReply>({ id: String((req as { id?: unknown })?.id ?? ""), ok: false, error: { code: "unavailable", message: "this agent does not take commands" } });
      // A change a command made is in the control plane's inventory before the command is answered, so whoever asked
      // reads their own write (`gantry stop x && gantry ps -a` shows x exited). Bounded: a slow database delays no reply long.
      void answer
        .then(async (reply) => {
          if (reply.ok && this.opts.inventory && !READ_ONLY_COMMANDS.has(String((req as { command?: { kind?: unknown } })?.command?.kind))) {
            await Promise.race([this.flushInventory(), new Promise((r) => setTimeout(r, INVENTORY_FLUSH_WAIT_MS))]);
          }
          return sendable(reply);
        })
        .then((reply) => (ack as (r: CommandReply) => void)(reply));
    });
    const streams = this.opts.streams;
    socket.on("stream.open", (msg: unknown, ack: unknown) => {
      if (typeof ack !== "function") return;
      const reply = (r: StreamOpenReply) => (ack as (r: StreamOpenReply) => void)(r);
      if (!streams) return reply({ ok: false, error: { code: "unavailable", message: "this agent does not serve streams" } });
      const sink = {
        data: (m: StreamData) => {
          if (socket.connected) for (const part of splitStreamData(m)) socket.emit("stream.data", part);
        },
        end: (m: StreamEnd) => void (socket.connected && socket.emit("stream.end", m)),
        // Bytes sent and not yet taken by the connection (the websocket's send buffer): streams that can wait do.
        backlog: () => (socket.io.engine?.transport as unknown as { ws?: { bufferedAmount?: number } } | undefined)?.ws?.bufferedAmount ?? 0,
      };
      void streams.open(msg, sink).then(reply);
    });
    socket.on("stream.credit", (msg: unknown) => streams?.credit(msg));
    socket.on("stream.input", (msg: unknown, ack: unknown) => streams?.input(msg, typeof ack === "function" ? (ack as (written: boolean) => void) : undefined));
    socket.on("stream.resize", (msg: unknown) => streams?.resize(msg));
    socket.on("stream.close", (msg: unknown) => streams?.close(msg));
    socket.on("pods.sync", (msg: unknown, ack: unknown) => {
      if (typeof ack !== "function") return;
      const reply: Ack = this.opts.pods ? this.opts.pods.sync(msg) : { ok: false, error: "this agent does not run pods" };
      (ack as (r: Ack) => void)(reply);
    });
    socket.on("services.sync", (msg: unknown, ack: unknown) => {
      if (typeof ack !== "function") return;
      const reply: Ack = this.opts.services ? this.opts.services.sync(msg) : { ok: false, error: "this agent does not run the service proxy" };
      (ack as (r: Ack) => void)(reply);
    });
    socket.on("network.sync", (msg: unknown, ack: unknown) => {
      if (typeof ack !== "function") return;
      if (!this.opts.network) return (ack as (r: Ack) => void)({ ok: false, error: "this agent has no pod network" });
      void this.opts.network.sync(msg).then((r) => (ack as (r: Ack) => void)(r));
    });
    // A rotated credential: stored first, then used for every later connection, then acknowledged — an agent that
    // dies before the acknowledgement comes back with the new one, which the control plane accepts as the confirmation.
    socket.on("credential.rotate", (msg: unknown, ack: unknown) => {
      if (typeof ack !== "function") return;
      const reply = ack as (r: Ack) => void;
      const parsed = CredentialRotate.safeParse(msg);
      if (!parsed.success) return reply({ ok: false, error: `credential.rotate: ${describeZodError(parsed.error)}` });
      if (!this.opts.onCredential) return reply({ ok: false, error: "this agent cannot store a new credential" });
      try {
        this.opts.onCredential(parsed.data.credential);
      } catch (e) {
        return reply({ ok: false, error: `storing the new credential failed: ${(e as Error).message}` });
      }
      this.opts.credential = parsed.data.credential;
      this.opts.log("stored a rotated host credential");
      reply({ ok: true });
    });
    socket.on("protocol_error", (msg: unknown) => {
      const parsed = ProtocolError.safeParse(msg);
      this.opts.log(parsed.success ? `the control plane rejected "${parsed.data.event}": ${parsed.data.reason}` : "the control plane sent a malformed protocol_error");
    });
  }

  /** Reconnects later: after `retryAfterMs` (± jitter) when the control plane said so, else by back-off over the window. */
  private retry(problem: string, socket: AgentSocket, retryAfterMs?: number) {
    if (this.stopped || this.socket !== socket) return;
    socket.removeAllListeners();
    socket.disconnect();
    this.socket = null;
    const wait =
      retryAfterMs !== undefined
        ? afterHint(retryAfterMs, this.opts.random)
        : reconnectDelay(this.attempt++, this.opts.backoff ?? DEFAULT_BACKOFF, this.reconnectWindowMs, this.opts.random);
    this.opts.log(`${problem}; reconnecting in ${(wait / 1000).toFixed(1)} s`);
    this.clearTimer();
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = null;
      this.connect();
    }, wait);
  }

  /** Says hello until it is accepted (or this connection ends); heartbeats begin after the first try either way. */
  private async hello(socket: AgentSocket) {
    for (let first = true; ; first = false) {
      if (this.stopped || this.socket !== socket || !socket.connected) return;
      let wait = HELLO_RETRY_MS;
      try {
        const facts = await this.opts.facts();
        const ack = Ack.parse(await socket.timeout(10_000).emitWithAck("hello", { facts }));
        if (ack.ok) {
          this.lastFacts = JSON.stringify(facts);
          this.reconnectWindowMs = ack.reconnectWindowMs ?? this.reconnectWindowMs;
          // A full resync on every (re)connection: whatever changed while away is in it.
          this.scheduleInventory(0);
          if (this.opts.pods) {
            this.helloDone = socket;
            for (const m of this.opts.pods.statuses()) if (!this.podStatuses.has(m.uid)) this.podStatuses.set(m.uid, m);
            void this.sendPodStatuses();
          }
          if (first) this.scheduleHeartbeat(socket);
          return;
        }
        this.opts.log(`hello rejected: ${ack.error}`);
        wait = ack.retryAfterMs ?? HELLO_RETRY_MS;
      } catch (e) {
        this.opts.log(`hello failed: ${(e as Error).message}`);
      }
      if (first) this.scheduleHeartbeat(socket);
      await new Promise((r) => this.opts.clock.setTimeout(() => r(undefined), afterHint(wait, this.opts.random)));
    }
  }

  /**
   * Sends the pending pod statuses, up to POD_STATUSES_IN_FLIGHT at once and one per pod at a time (a pod's newer
   * status waits for its last one's answer, so they arrive in order); the control plane writes those that arrive
   * together in one transaction. What is not acknowledged waits for the next connection.
   */
  private sendPodStatuses() {
    const socket = this.socket;
    if (this.stopped || !socket?.connected || this.helloDone !== socket) return;
    for (const m of this.podStatuses.values()) {
      if (this.podsInFlight.size >= POD_STATUSES_IN_FLIGHT) return;
      if (this.podsInFlight.has(m.uid)) continue;
      this.podStatuses.delete(m.uid);
      this.podsInFlight.add(m.uid);
      void (async () => {
        let delivered = true;
        try {
          const ack = Ack.parse(await socket.timeout(30_000).emitWithAck("pods.status", m));
          if (!ack.ok) this.opts.log(`pod ${m.uid}: status rejected: ${ack.error}`);
        } catch (e) {
          delivered = false;
          // Not delivered: sent again on the next connection (unless a newer one is waiting already).
          if (!this.podStatuses.has(m.uid)) this.podStatuses.set(m.uid, m);
          this.opts.log(`pod ${m.uid}: status not acknowledged: ${(e as Error).message}`);
        } finally {
          this.podsInFlight.delete(m.uid);
        }
        if (delivered) this.sendPodStatuses();
      })();
    }
  }

  private scheduleHeartbeat(socket: AgentSocket) {
    if (this.stopped || this.socket !== socket) return;
    this.clearTimer();
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = null;
      void this.beat(socket);
    }, jittered(this.opts.heartbeatIntervalMs, this.opts.random));
  }

  private async beat(socket: AgentSocket) {
    if (this.stopped || this.socket !== socket || !socket.connected) return;
    try {
      const ack = Ack.parse(
        await socket
          .timeout(Math.max(2_000, this.opts.heartbeatIntervalMs))
          .emitWithAck("heartbeat", { seq: this.seq++, sentAt: new Date(this.opts.clock.now()).toISOString() }),
      );
      if (!ack.ok) this.opts.log(`heartbeat rejected: ${ack.error}`);
      else if (ack.reconnectWindowMs !== undefined) this.reconnectWindowMs = ack.reconnectWindowMs; // the fleet may have grown
      if (this.seq % (this.opts.factsEveryBeats ?? 30) === 0) await this.refreshFacts(socket);
    } catch (e) {
      this.opts.log(`heartbeat not acknowledged: ${(e as Error).message}`);
    }
    this.scheduleHeartbeat(socket);
  }

  private async refreshFacts(socket: AgentSocket) {
    const facts = await this.opts.facts();
    const text = JSON.stringify(facts);
    if (text === this.lastFacts || !socket.connected) return;
    const ack = Ack.parse(await socket.timeout(10_000).emitWithAck("facts", { facts }));
    if (!ack.ok) this.opts.log(`facts rejected: ${ack.error}`);
    else this.lastFacts = text;
  }
}

/** A reply the socket can carry: one over MAX_MESSAGE_BYTES would cut the connection, so it becomes an error saying so. */
function sendable(reply: CommandReply): CommandReply {
  if (!reply.ok) return reply;
  const bytes = Buffer.byteLength(JSON.stringify(reply), "utf8");
  if (bytes <= MAX_MESSAGE_BYTES) return reply;
  return {
    id: reply.id,
    ok: false,
    error: { code: "unprocessable", message: `the result is ${Math.ceil(bytes / 1024)} KiB, more than the ${Math.floor(MAX_MESSAGE_BYTES / 1024)} KiB a reply may carry; ask for less (for a container list, the inventory has every container)` },
  };
}

/** Stream data in messages of at most STREAM_MESSAGE_BYTES of chunk data (a chunk larger than that is cut, at a character). */
export function splitStreamData(m: StreamData): StreamData[] {
  const out: StreamData[] = [];
  let chunks: StreamData["chunks"] = [];
  let bytes = 0;
  const push = (c: StreamData["chunks"][number], n: number) => {
    if (chunks.length && (bytes + n > STREAM_MESSAGE_BYTES || chunks.length >= 5000)) {
      out.push({ streamId: m.streamId, chunks });
      chunks = [];
      bytes = 0;
    }
    chunks.push(c);
    bytes += n;
  };
  for (const c of m.chunks) {
    const n = Buffer.byteLength(c.data, "utf8");
    if (n <= STREAM_MESSAGE_BYTES) {
      push(c, n);
      continue;
    }
    // Cut by characters into pieces whose UTF-8 stays within the limit (4 bytes a character at most).
    const step = Math.floor(STREAM_MESSAGE_BYTES / 4);
    for (let i = 0; i < c.data.length; ) {
      let end = Math.min(c.data.length, i + step);
      if (end < c.data.length && /[\ud800-\udbff]/.test(c.data[end - 1]!)) end--; // never split a surrogate pair
      const data = c.data.slice(i, end);
      push({ ...c, data }, Buffer.byteLength(data, "utf8"));
      i = end;
    }
  }
  if (chunks.length) out.push({ streamId: m.streamId, chunks });
  return out;
}
