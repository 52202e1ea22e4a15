// An agent that is only its protocol: joins with a real join token over HTTP, connects to /agent with the credential it
// got, says hello, and then sends and answers whatever the test says — including what no honest agent would (a
// container id made to climb out of a URL, a malformed command result, an inventory in pieces). For tests of how the
// control plane treats what agents send.
import { io as connect, type Socket } from "socket.io-client";
import { AGENT_NAMESPACE, JOIN_PATH, PROTOCOL_VERSION, SOCKET_PATH, type HostFacts } from "@/lib/protocol";
import type { ContainerSummary } from "@/lib/protocol/commands";
import { mintJoinToken } from "./agent";

export const FAKE_FACTS: HostFacts = {
  hostname: "fake-agent",
  os: { id: "debian", name: "Debian GNU/Linux", version: "12", prettyName: "Debian GNU/Linux 12 (bookworm)" },
  kernel: "6.1.0",
  arch: "x86_64",
  cpus: 2,
  memoryBytes: 2 * 1024 ** 3,
  disk: { path: "/var/lib/gantry", totalBytes: 10 * 1024 ** 3, freeBytes: 5 * 1024 ** 3 },
  cgroupVersion: "v2",
  engineVersion: "fake",
  agentVersion: "0.1.0",
};

export interface FakeAgent {
  hostId: number;
  socket: Socket;
  /** Sends an agent → server message and resolves with its acknowledgement. */
  send(event: string, payload: unknown): Promise<{ ok: boolean; error?: string }>;
  /** Answers every "command" request with what `answer` returns for it. */
  onCommand(answer: (req: { id: string; command: { kind: string; [k: string]: unknown } }) => unknown): void;
  close(): void;
}

/** A container summary as an agent reports it, with the fields given. */
export function fakeContainer(over: Partial<ContainerSummary> & { id: string }): ContainerSummary {
  return {
    name: over.id.slice(0, 12),
    image: "busybox:latest",
    imageId: "sha256:" + "0".repeat(64),
    command: "sh",
    state: "running",
    createdAt: new Date().toISOString(),
    startedAt: new Date().toISOString(),
    finishedAt: null,
    exitCode: null,
    labels: {},
    ports: [],
    ...over,
  };
}

export async function startFakeAgent(url: string, cookie: string): Promise<FakeAgent> {
  const { token } = await mintJoinToken(url, cookie);
  const res = await fetch(url + JOIN_PATH, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token, facts: FAKE_FACTS }) });
  const joined = (await res.json()) as { hostId: number; credential: string };
  if (res.status !== 201 && res.status !== 200) throw new Error(`join failed: ${res.status} ${JSON.stringify(joined)}`);
  const socket = connect(url + AGENT_NAMESPACE, {
    path: SOCKET_PATH,
    auth: { protocolVersion: PROTOCOL_VERSION, credential: joined.credential },
    transports: ["websocket"],
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (e) => reject(e));
  });
  const send = (event: string, payload: unknown) => socket.timeout(30_000).emitWithAck(event, payload) as Promise<{ ok: boolean; error?: string }>;
  const hello = await send("hello", { facts: FAKE_FACTS });
  if (!hello.ok) throw new Error(`hello refused: ${hello.error}`);
  let answer: ((req: { id: string; command: { kind: string } }) => unknown) | null = null;
  socket.on("command", (req: { id: string; command: { kind: string } }, ack: (r: unknown) => void) => {
    ack(answer ? answer(req) : { id: req.id, ok: false, error: { code: "unavailable", message: "this fake agent was not told how to answer" } });
  });
  return {
    hostId: joined.hostId,
    socket,
    send,
    onCommand: (f) => (answer = f as typeof answer),
    close: () => socket.disconnect(),
  };
}
