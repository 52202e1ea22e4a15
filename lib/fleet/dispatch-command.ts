// Sends one command over a host's live agent connection and waits for its reply until the deadline. Runs in the
// control-plane process (the socket lives there); route handlers reach it through lib/server-context.
import { controlPlaneMetrics } from "@/lib/metrics/control-plane-metrics";
import { randomUUID } from "node:crypto";
import { AGENT_NAMESPACE, agentRoom, describeZodError } from "@/lib/protocol";
import { CommandReply, UNKNOWN_KIND_REPLY, type CommandErrorCode, type HostCommand } from "@/lib/protocol/commands";
import { COMMAND_RESULTS } from "@/lib/protocol/results";
import { GantryError, conflict } from "@/lib/errors";
import { serverContext } from "@/lib/server-context";

export const DEFAULT_DEADLINE_MS = 30_000;


/** The live socket of a host's agent, or null when it is not connected to this control plane. */
export function agentSocket(hostId: number) {
  const nsp = serverContext.get().io.of(AGENT_NAMESPACE);
  for (const id of nsp.adapter.rooms.get(agentRoom(hostId)) ?? []) {
    const socket = nsp.sockets.get(id);
    if (socket?.connected) return socket;
  }
  return null;
}

type AgentSocket = NonNullable<ReturnType<typeof agentSocket>>;
const waiting = new WeakMap<AgentSocket, Set<() => void>>();
/** The commands waiting for an answer on a socket, told when it disconnects (one listener per socket, however many wait). */
function waitingOn(socket: AgentSocket): Set<() => void> {
  let set = waiting.get(socket);
  if (!set) {
    const fresh = new Set<() => void>();
    waiting.set(socket, fresh);
    socket.once("disconnect", () => {
      for (const f of fresh) f();
      fresh.clear();
    });
    set = fresh;
  }
  return set;
}

/** The command was sent but no answer came (the host went away, or the deadline passed): it may or may not have run. */
export class OutcomeUnknown extends GantryError {}

export class HostOffline extends GantryError {
  constructor(hostId: number, name: string, what: string) {
    super("conflict", `host ${hostId} (${name}) is offline: ${what} was not sent; retry when it is back, or queue it to run when it reconnects`);
  }
}

/**
 * Runs `command` on the host now. Resolves with the agent's result, checked against the shape its kind answers with
 * (lib/protocol/results.ts); rejects with a GantryError carrying the agent's reason, or naming what was malformed.
 * `id` names the request to the agent (an idempotency claim records it, see lib/fleet/send-command.ts).
 */
export async function dispatchCommand(
  host: { id: number; name: string },
  command: HostCommand,
  deadlineMs = DEFAULT_DEADLINE_MS,
  id: string = randomUUID(),
): Promise<unknown> {
  const metrics = controlPlaneMetrics();
  const started = performance.now();
  let outcome = "done";
  try {
    return await dispatch(host, command, deadlineMs, id);
  } catch (e) {
    outcome = e instanceof HostOffline ? "offline" : e instanceof OutcomeUnknown ? "unknown" : "refused";
    throw e;
  } finally {
    metrics.hostCommands.inc({ kind: command.kind, outcome });
    if (outcome === "done" || outcome === "refused") metrics.hostCommandSeconds.observe({ kind: command.kind }, (performance.now() - started) / 1000);
  }
}

async function dispatch(host: { id: number; name: string }, command: HostCommand, deadlineMs: number, id: string): Promise<unknown> {
  const socket = agentSocket(host.id);
  if (!socket) throw new HostOffline(host.id, host.name, command.kind);
  const deadline = new Date(Date.now() + deadlineMs).toISOString();
  let raw: unknown;
  // socket.io keeps an ack waiting until its timeout even when the connection is gone: a lost agent (killed, cut off)
  // ends the wait at once instead of after the whole deadline.
  let onDisconnect = () => {};
  const lost = new Promise<never>((_, reject) => {
    onDisconnect = () => reject(new Error("disconnected"));
    waitingOn(socket).add(onDisconnect);
  });
  try {
    raw = await Promise.race([socket.timeout(deadlineMs).emitWithAck("command", { id, command, deadline }), lost]);
  } catch {
    if (!socket.connected) throw new OutcomeUnknown("conflict", `host ${host.id} (${host.name}) went offline while running ${command.kind}; its outcome is unknown`);
    throw new OutcomeUnknown("unavailable", `host ${host.id} (${host.name}) did not answer ${command.kind} within ${Math.round(deadlineMs / 100) / 10} s; its outcome is unknown`);
  } finally {
    waitingOn(socket).delete(onDisconnect);
    lost.catch(() => {});
  }
  const reply = CommandReply.safeParse(raw);
  if (!reply.success || reply.data.id !== id) {
    throw new GantryError("internal", `host ${host.id} (${host.name}) sent a malformed reply to ${command.kind}`);
  }
  if (!reply.data.ok) throw commandError(host, command.kind, reply.data.error);
  const result = COMMAND_RESULTS[command.kind].safeParse(reply.data.result);
  if (!result.success) {
    throw new GantryError("internal", `host ${host.id} (${host.name}) sent a malformed ${command.kind} result (${describeZodError(result.error)}); is its agent the same version as this control plane?`);
  }
  return reply.data.result; // as sent: the check only gates it (nulls Docker writes stay nulls)
}

/** The error a host's refusal becomes. An agent older than this control plane refuses a command kind it does not know
 * with zod's message for the field (a list of the kinds it knows): said instead as what it means. */
export function commandError(host: { id: number; name: string }, kind: string, error: { code: CommandErrorCode; message: string }): GantryError {
  if (error.code === "bad_request" && error.message.startsWith(UNKNOWN_KIND_REPLY)) {
    return conflict(`host ${host.id} (${host.name}) runs an agent that does not know ${kind}: it is older than this control plane; upgrade gantry-agent on that host`);
  }
  return new GantryError(error.code, error.message);
}
