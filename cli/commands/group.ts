// gantry group ls|create|rm, gantry group host add|rm GROUP HOST… — host groups over /api/v1/host-groups (a host may be
// in several). A group is named by its name or id, a host by its id or name. Needs users.manage (ls: users.read).
import { parseArgs } from "../args";
import { createClient, type Client } from "../client";
import { loadConfig } from "../config";
import { CliError, usageError } from "../errors";
import { printJson, printLine } from "../output";
import { table } from "../table";
import { resolveHost } from "../targets";

export interface HostGroup {
  id: string;
  name: string;
  description: string | null;
  hosts: Array<{ id: number; name: string }>;
}

const USAGE = "usage: gantry group ls|create|rm …, gantry group host add|rm GROUP HOST…";

/** A host group by its exact name or its id. */
export async function resolveGroup(client: Client, ref: string): Promise<HostGroup> {
  const { hostGroups } = await client.request<{ hostGroups: HostGroup[] }>("GET", "/host-groups");
  const found = hostGroups.find((g) => g.id === ref) ?? hostGroups.find((g) => g.name === ref);
  if (!found) throw new CliError(`no host group named "${ref}" (see \`gantry group ls\`)`, 4);
  return found;
}

export async function group(argv: string[]): Promise<void> {
  const [verb, ...rest] = argv;
  if (verb === "--help" || verb === "-h") return void parseArgs([verb], {});
  if (verb === "host") return hosts(rest);
  const a = parseArgs(rest, { values: ["description"], repeated: ["host"], booleans: ["json"], aliases: { d: "description" } });
  let made: Client | undefined;
  const client = () => (made ??= createClient(loadConfig()));
  switch (verb) {
    case "ls": {
      if (a.positionals.length) throw usageError("usage: gantry group ls [--json]");
      const { hostGroups } = await client().request<{ hostGroups: HostGroup[] }>("GET", "/host-groups");
      if (a.flags.has("json")) return printJson(hostGroups);
      return printLine(table(["NAME", "ID", "HOSTS"], hostGroups.map((g) => [g.name, g.id, g.hosts.map((h) => `${h.id} ${h.name}`).join(", ")])));
    }
    case "create": {
      if (a.positionals.length !== 1) throw usageError("group create: name the group: gantry group create NAME [--host N]…");
      const hostIds = await Promise.all((a.lists.host ?? []).map((h) => resolveHost(client(), h)));
      const body = { name: a.positionals[0], ...(hostIds.length ? { hostIds } : {}), ...(a.values.description !== undefined ? { description: a.values.description } : {}) };
      const created = await client().request<HostGroup>("POST", "/host-groups", body);
      return a.flags.has("json") ? printJson(created) : printLine(`host group ${created.name} created (${created.id})${created.hosts.length ? ` with host ${created.hosts.map((h) => h.id).join(", ")}` : ""}`);
    }
    case "rm": {
      if (a.positionals.length !== 1) throw usageError("group rm: name the group: gantry group rm GROUP");
      const g = await resolveGroup(client(), a.positionals[0]!);
      await client().request("DELETE", `/host-groups/${encodeURIComponent(g.id)}`);
      return printLine(`host group ${g.name} removed`);
    }
    default:
      throw usageError(verb ? `group: unknown subcommand "${verb}"; ${USAGE}` : USAGE);
  }
}

async function hosts(argv: string[]): Promise<void> {
  const [verb, ...rest] = argv;
  const a = parseArgs(rest, { booleans: ["json"] });
  if (verb !== "add" && verb !== "rm") throw usageError(verb ? `group host: unknown subcommand "${verb}"; ${USAGE}` : USAGE);
  if (a.positionals.length < 2) throw usageError(`group host ${verb}: name the group and at least one host: gantry group host ${verb} GROUP HOST…`);
  const [groupRef, ...hostRefs] = a.positionals as [string, ...string[]];
  const client = createClient(loadConfig());
  const g = await resolveGroup(client, groupRef);
  const hostIds = await Promise.all(hostRefs.map((h) => resolveHost(client, h)));
  if (verb === "add") {
    const updated = await client.request<HostGroup>("POST", `/host-groups/${encodeURIComponent(g.id)}/hosts`, { hostIds });
    return a.flags.has("json") ? printJson(updated) : printLine(`host group ${g.name}: ${updated.hosts.map((h) => `${h.id} ${h.name}`).join(", ")}`);
  }
  for (const id of hostIds) await client.request("DELETE", `/host-groups/${encodeURIComponent(g.id)}/hosts/${id}`);
  printLine(`host ${hostIds.join(", ")} left host group ${g.name}`);
}
