// A host command in the activity record's words, with the names a person knows: "stop" "container colors" "on host
// web-1" rather than a path with a 64-character id. The host's name and the container's come from the database (the
// inventory) as they are when the command is sent; read-only commands say nothing.
import { db } from "@/lib/db";
import type { ActivitySummary } from "@/lib/activity/describe-activity";
import type { HostCommand } from "@/lib/protocol/commands";

export async function hostPhrase(hostId: number): Promise<string> {
  const host = await db.host.findUnique({ where: { id: hostId }, select: { name: true } });
  return host ? `host ${host.name}` : `host ${hostId}`;
}

/** A container by the name the inventory has for the reference (an id, an id prefix or a name), else as written. */
async function containerPhrase(hostId: number, ref: string): Promise<string> {
  const row = await db.container.findFirst({
    where: { hostId, OR: [{ name: ref }, ...(/^[0-9a-f]{1,64}$/.test(ref) ? [{ containerId: { startsWith: ref } }] : [])] },
    select: { name: true },
  });
  return `container ${row?.name ?? ref}`;
}

export async function commandSummary(hostId: number, command: HostCommand | { kind: "image.pull"; ref: string }): Promise<ActivitySummary | null> {
  const on = async () => `on ${await hostPhrase(hostId)}`;
  switch (command.kind) {
    case "container.run":
      return { verb: "run", object: `container ${command.spec.name ?? "(named by the host)"}`, extra: `from ${command.spec.image} ${await on()}` };
    case "container.start":
    case "container.stop":
    case "container.restart":
    case "container.kill":
    case "container.pause":
    case "container.unpause":
    case "container.remove": {
      const verb = command.kind.slice("container.".length) as "start" | "stop" | "restart" | "kill" | "pause" | "unpause" | "remove";
      const signal = command.kind === "container.kill" && command.signal ? ` with ${command.signal}` : "";
      return { verb, object: await containerPhrase(hostId, command.id), extra: `${await on()}${signal}` };
    }
    case "container.rename":
      return { verb: "rename", object: await containerPhrase(hostId, command.id), extra: `to ${command.name} ${await on()}` };
    case "image.pull":
      return { verb: "pull", object: `image ${command.ref}`, extra: await on() };
    case "image.tag":
      return { verb: "tag", object: `image ${command.source}`, extra: `as ${command.target} ${await on()}` };
    case "image.remove":
      return { verb: "remove", object: `image ${command.ref}`, extra: await on() };
    case "network.create":
      return { verb: "create", object: `network ${command.spec.name}`, extra: `(${command.spec.subnet ?? "subnet from the host's pool"}) ${await on()}` };
    case "network.remove":
      return { verb: "remove", object: `network ${command.network}`, extra: await on() };
    case "network.connect":
      return { verb: "connect", object: await containerPhrase(hostId, command.container), extra: `to network ${command.network} ${await on()}` };
    case "network.disconnect":
      return { verb: "disconnect", object: await containerPhrase(hostId, command.container), extra: `from network ${command.network} ${await on()}` };
    case "volume.create":
      return { verb: "create", object: `volume ${command.spec.name}`, extra: await on() };
    case "volume.remove":
      return { verb: "remove", object: `volume ${command.name}`, extra: `${await on()}${command.force ? " (forced)" : ""}` };
    case "volume.prune":
      return { verb: "prune", object: command.all ? "unused volumes" : "unused anonymous volumes", extra: await on() };
    case "image.prune":
      return { verb: "prune", object: command.all ? "unused images" : "untagged images", extra: await on() };
    case "container.list":
    case "container.inspect":
    case "image.list":
    case "host.metrics":
    case "host.prometheus":
    case "network.list":
    case "volume.list":
      return null;
  }
}

/** The note refined by what the host answered: the name it gave a container, how much a prune freed. */
export function summaryAfter(summary: ActivitySummary, command: HostCommand, result: unknown): ActivitySummary {
  const r = (result ?? {}) as { container?: { name?: unknown }; deleted?: unknown; spaceReclaimedBytes?: unknown };
  if (command.kind === "container.run" && !command.spec.name && typeof r.container?.name === "string") {
    return { ...summary, object: `container ${r.container.name}` };
  }
  if (command.kind === "volume.prune" && Array.isArray(r.deleted)) {
    const n = r.deleted.length;
    const freed = typeof r.spaceReclaimedBytes === "number" ? `, ${r.spaceReclaimedBytes} bytes freed` : "";
    return { ...summary, extra: `${summary.extra ?? ""} (${n} volume${n === 1 ? "" : "s"}${n ? `: ${r.deleted.slice(0, 10).join(", ")}` : ""}${freed})`.trim() };
  }
  if (command.kind === "image.prune" && Array.isArray(r.deleted)) {
    const n = r.deleted.length;
    const freed = typeof r.spaceReclaimedBytes === "number" ? `, ${r.spaceReclaimedBytes} bytes freed` : "";
    return { ...summary, extra: `${summary.extra ?? ""} (${n} image${n === 1 ? "" : "s"}${freed})`.trim() };
  }
  return summary;
}
