// A real agent running pods, for tests of the agent's pod wing: the agent process (its own GANTRY_ROOT, bridge, chains
// and address ranges), a registry holding busybox, the docker CLI on the agent's socket to look at what it made — and,
// on the other end of its link, the control plane's side of the agent protocol and nothing more: it takes the
// handshake (a credential written into the agent's state beforehand), acknowledges hello, heartbeats and inventory,
// hands the agent `pods.sync` and keeps every `pods.status` it receives, parsed with the protocol's own schema (a status
// that does not parse fails the test). The real control plane's pod glue is tested end to end with kubectl
// (test/pods/kubectl-pods.test.ts); this is for what only the agent decides.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Server as SocketServer, type Socket } from "socket.io";
import { AGENT_NAMESPACE, AgentHandshake, PROTOCOL_VERSION, SOCKET_PATH, type Ack } from "@/lib/protocol";
import { PodStatusMessage, PodsSync, type AgentPodInput, type PodStatus } from "@/lib/protocol/pods";
import { NetworkSync } from "@/lib/protocol/network";
import { CredentialStore } from "@/agent/credential-store";
import { startAgent, uninstallAgent, type AgentProcess } from "./agent";
import { GANTRY_RUNTIME } from "./bundle";
import { dockerCli, dockerClientEnv, freeSubnets, networkingEnv, pushBusybox, testNetworking, type TestNetworking } from "./docker-cli";
import { freePort, startRegistry, type TestRegistry } from "./registry";

export interface StatusSeen {
  at: number;
  status: PodStatus;
}

/** The control plane's half of the agent protocol, as far as pods go. */
export class PodLinkServer {
  readonly statuses = new Map<string, StatusSeen[]>();
  readonly rejected: string[] = [];
  private socket: Socket | null = null;
  /** Answers to pods.status kept back (holdStatuses), in the order the statuses came. */
  private held: Array<{ uid: string; ack?: (r: Ack) => void }> | null = null;
  private http: HttpServer;
  private io: SocketServer;
  private waiters = new Set<() => void>();
  /** The pod range this stand-in gives the agent in network.sync after each hello (no peers: no overlay). */
  readonly podCIDR: string;
  readonly networkAcks: Ack[] = [];
  private constructor(readonly port: number, podCIDR?: string) {
    this.podCIDR = podCIDR ?? freeSubnets(1)[0]!.replace(/\.0\.0\/16$/, ".0.0/24");
    this.http = createServer();
    this.io = new SocketServer(this.http, { path: SOCKET_PATH, serveClient: false });
    const nsp = this.io.of(AGENT_NAMESPACE);
    nsp.use((socket, next) => {
      const auth = AgentHandshake.safeParse(socket.handshake.auth);
      if (!auth.success || auth.data.protocolVersion !== PROTOCOL_VERSION) return next(new Error("bad handshake"));
      next();
    });
    nsp.on("connection", (socket) => {
      this.socket = socket;
      socket.onAny((event: string, ...args: unknown[]) => {
        const ack = typeof args[args.length - 1] === "function" ? (args.pop() as (r: Ack) => void) : undefined;
        if (event === "pods.status") {
          const parsed = PodStatusMessage.safeParse(args[0]);
          if (!parsed.success) {
            this.rejected.push(JSON.stringify(parsed.error.issues.slice(0, 3)));
            return ack?.({ ok: false, error: "invalid pods.status" });
          }
          const seen = this.statuses.get(parsed.data.uid) ?? [];
          seen.push({ at: Date.now(), status: parsed.data.status });
          this.statuses.set(parsed.data.uid, seen);
          if (this.held) {
            this.held.push({ uid: parsed.data.uid, ack });
            return this.notify();
          }
        }
        ack?.({ ok: true });
        if (event === "hello") void this.sendNetwork(socket);
        this.notify();
      });
      socket.on("disconnect", () => {
        if (this.socket === socket) this.socket = null;
        this.notify();
      });
      this.notify();
    });
  }

  /** `podCIDR`: the range to give (a server standing in for an earlier one gives the same). */
  static async start(port?: number, opts: { podCIDR?: string } = {}): Promise<PodLinkServer> {
    const s = new PodLinkServer(port ?? (await freePort()), opts.podCIDR);
    await new Promise<void>((r) => s.http.listen(s.port, "127.0.0.1", () => r()));
    return s;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  private networkRevision = 0;
  private async sendNetwork(socket: Socket) {
    const msg = NetworkSync.parse({
      revision: ++this.networkRevision,
      podCIDR: this.podCIDR,
      clusterCIDR: this.podCIDR,
      clusterDomain: "cluster.local",
      vxlan: { vni: 1, port: 4789, mtu: null },
      peers: [],
    });
    const ack = (await socket.timeout(30_000).emitWithAck("network.sync", msg).catch((e: Error) => ({ ok: false, error: e.message }))) as Ack;
    this.networkAcks.push(ack);
    this.notify();
  }

  private notify() {
    for (const w of this.waiters) w();
  }

  /** Resolves once `check` holds (checked on every message), or fails after `ms` saying what it waited for. */
  async until<T>(what: string | (() => string), check: () => T | undefined | false, ms = 20_000): Promise<T> {
    const first = check();
    if (first) return first;
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        this.waiters.delete(test);
        clearTimeout(timer);
        clearInterval(poll);
      };
      const test = () => {
        const v = check();
        if (v) {
          done();
          resolve(v);
        }
      };
      const poll = setInterval(test, 100);
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${ms} ms waiting for ${typeof what === "string" ? what : what()}`));
      }, ms);
      this.waiters.add(test);
    });
  }

  connected(ms = 30_000) {
    return this.until("the agent to connect", () => this.socket?.connected, ms);
  }

  /** Sends the desired set (the agent's acknowledgement must be ok). */
  async sync(pods: AgentPodInput[]): Promise<void> {
    const msg = PodsSync.parse({ pods, full: true }); // what the control plane would send, parsed the same way
    await this.connected();
    const ack = (await this.socket!.timeout(10_000).emitWithAck("pods.sync", msg)) as Ack;
    assert.deepEqual(ack, { ok: true }, "the agent took the sync");
  }

  /** Sends a raw pods.sync, for what no honest control plane sends. */
  async syncRaw(payload: unknown): Promise<Ack> {
    await this.connected();
    return (await this.socket!.timeout(10_000).emitWithAck("pods.sync", payload)) as Ack;
  }

  /** From now on pods.status is answered only at releaseStatuses(), as a control plane busy writing answers late. */
  holdStatuses(): void {
    this.held ??= [];
  }

  /** The pods whose statuses were received and not answered yet (a uid once per unanswered status). */
  unanswered(): string[] {
    return this.held?.map((h) => h.uid) ?? [];
  }

  /** Answers every status held back, and answers the next ones at once again. */
  releaseStatuses(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const h of held) h.ack?.({ ok: true });
  }

  latest(uid: string): PodStatus | undefined {
    const seen = this.statuses.get(uid);
    return seen?.[seen.length - 1]?.status;
  }

  /** Waits until the pod's latest status satisfies `check`; returns it. */
  status(uid: string, what: string, check: (s: PodStatus) => boolean, ms = 20_000): Promise<PodStatus> {
    return this.until(() => `pod ${uid}: ${what} (last status: ${JSON.stringify(this.latest(uid))})`, () => {
      const s = this.latest(uid);
      return s && check(s) ? s : undefined;
    }, ms);
  }

  private closed = false;

  /** Stops serving (once; closing again does nothing). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.io.disconnectSockets(true);
    await new Promise<void>((r) => this.io.close(() => r()));
    this.http.closeAllConnections();
  }
}

export interface PodHost {
  root: string;
  agent: AgentProcess;
  server: PodLinkServer;
  registry: TestRegistry;
  /** registry/busybox:latest */
  image: string;
  net: TestNetworking;
  docker: ReturnType<typeof dockerCli>["docker"];
  ok: ReturnType<typeof dockerCli>["ok"];
  /** Starts the agent again on the same state (after it stopped), linked to `serverUrl` (default: the server's). */
  restartAgent(serverUrl?: string): Promise<void>;
  /** The agent's environment (for `gantry-agent uninstall` on its root). */
  env: Record<string, string>;
  destroy(): Promise<void>;
}

/** A uid as the control plane makes them. */
export const newUid = () => {
  const h = randomBytes(16).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

export async function startPodHost(prefix: string, env: Record<string, string> = {}): Promise<PodHost> {
  const work = mkdtempSync(join(tmpdir(), "gantry-pod-host-"));
  const root = join(work, "root");
  const socket = join(work, "docker.sock");
  const net = testNetworking(prefix);
  // The pod range: the last /24 of the agent's own user-network pool (no other test's, and never one of its networks).
  const podCIDR = net.userPool.replace(/\.0\.0\/16$/, ".255.0/24");
  const [registry, server] = await Promise.all([startRegistry("open"), PodLinkServer.start(undefined, { podCIDR })]);
  const image = await pushBusybox(registry.host);
  new CredentialStore(root).save({ credential: `gch_${randomBytes(32).toString("base64url").slice(0, 43)}`, serverUrl: server.url, hostId: 1, pin: null });
  const clientEnv: Record<string, string> = dockerClientEnv(work, socket);
  const { docker, ok } = dockerCli(clientEnv);
  const agentEnv = (serverUrl: string): Record<string, string> => ({
    GANTRY_RUNTIME,
    GANTRY_DOCKER_SOCKET: socket,
    GANTRY_SERVER_URL: serverUrl,
    GANTRY_ALLOWED_LOOPBACK_REGISTRIES: registry.host,
    ...networkingEnv(net),
    ...env,
  });
  const host: PodHost = {
    root,
    agent: startAgent({ root, serverUrl: server.url, env: agentEnv(server.url) }),
    server,
    registry,
    image,
    net,
    docker,
    ok,
    env: agentEnv(server.url),
    async restartAgent(serverUrl = server.url) {
      host.agent = startAgent({ root, serverUrl, env: agentEnv(serverUrl) });
      await host.agent.waitForOutput("Docker API listening", 30_000);
    },
    async destroy() {
      try {
        // The agent first (running, it would make its pods' containers again as they go), then what it made.
        await host.agent.stop();
        await uninstallAgent(root, host.env);
      } finally {
        // Even when that failed: a server or registry left running keeps the test file (and the suite) from ending.
        // The server a test may have put in place of the first (it already closed that one).
        await Promise.all([host.server.close(), registry.stop()]);
        rmSync(work, { recursive: true, force: true });
      }
    },
  };
  await host.agent.waitForOutput("Docker API listening", 30_000);
  await server.connected();
  return host;
}
