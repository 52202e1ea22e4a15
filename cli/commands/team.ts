// gantry team ls|create|rm, gantry team member add|rm — teams and their members over /api/v1/teams. A team is named by
// its name or id, a user by email (or id). Those who manage users do all of it; a team's admins manage its members.
import { parseArgs } from "../args";
import { createClient, type Client } from "../client";
import { loadConfig } from "../config";
import { CliError, usageError } from "../errors";
import { printJson, printLine } from "../output";
import { table } from "../table";

interface Member {
  userId: string;
  email: string;
  name: string;
  admin: boolean;
}
export interface Team {
  id: string;
  name: string;
  description: string | null;
  members: Member[];
}

const USAGE = "usage: gantry team ls|create|rm …, gantry team member add|rm TEAM USER [--admin]";

/** A team by its exact name or its id, among those one may see. */
export async function resolveTeam(client: Client, ref: string): Promise<Team> {
  const { teams } = await client.request<{ teams: Team[] }>("GET", "/teams");
  const found = teams.find((t) => t.id === ref) ?? teams.find((t) => t.name === ref);
  if (!found) throw new CliError(`no team named "${ref}" (see \`gantry team ls\`)`, 4);
  return found;
}

export async function team(argv: string[]): Promise<void> {
  const [verb, ...rest] = argv;
  if (verb === "--help" || verb === "-h") return void parseArgs([verb], {});
  if (verb === "member") return member(rest);
  const a = parseArgs(rest, { values: ["description"], booleans: ["json"], aliases: { d: "description" } });
  let made: Client | undefined;
  const client = () => (made ??= createClient(loadConfig()));
  switch (verb) {
    case "ls": {
      if (a.positionals.length) throw usageError("usage: gantry team ls [--json]");
      const { teams } = await client().request<{ teams: Team[] }>("GET", "/teams");
      if (a.flags.has("json")) return printJson(teams);
      const who = (t: Team) => t.members.map((m) => `${m.email}${m.admin ? " (admin)" : ""}`).join(", ");
      return printLine(table(["NAME", "ID", "MEMBERS"], teams.map((t) => [t.name, t.id, who(t)])));
    }
    case "create": {
      if (a.positionals.length !== 1) throw usageError("team create: name the team: gantry team create NAME [--description TEXT]");
      const created = await client().request<Team>("POST", "/teams", { name: a.positionals[0], ...(a.values.description !== undefined ? { description: a.values.description } : {}) });
      return a.flags.has("json") ? printJson(created) : printLine(`team ${created.name} created (${created.id})`);
    }
    case "rm": {
      if (a.positionals.length !== 1) throw usageError("team rm: name the team: gantry team rm TEAM");
      const t = await resolveTeam(client(), a.positionals[0]!);
      await client().request("DELETE", `/teams/${encodeURIComponent(t.id)}`);
      return printLine(`team ${t.name} removed`);
    }
    default:
      throw usageError(verb ? `team: unknown subcommand "${verb}"; ${USAGE}` : USAGE);
  }
}

async function member(argv: string[]): Promise<void> {
  const [verb, ...rest] = argv;
  const a = parseArgs(rest, { booleans: ["admin", "json"] });
  if (verb !== "add" && verb !== "rm") throw usageError(verb ? `team member: unknown subcommand "${verb}"; ${USAGE}` : USAGE);
  if (a.positionals.length !== 2) throw usageError(`team member ${verb}: name the team and the user: gantry team member ${verb} TEAM USER${verb === "add" ? " [--admin]" : ""}`);
  const [teamRef, user] = a.positionals as [string, string];
  const client = createClient(loadConfig());
  const t = await resolveTeam(client, teamRef);
  if (verb === "add") {
    const by = user.includes("@") ? { email: user } : { userId: user };
    const updated = await client.request<Team>("POST", `/teams/${encodeURIComponent(t.id)}/members`, { ...by, ...(a.flags.has("admin") ? { admin: true } : {}) });
    if (a.flags.has("json")) return printJson(updated);
    const m = updated.members.find((x) => x.email === user.toLowerCase() || x.userId === user);
    return printLine(`${m?.email ?? user} is a member of team ${t.name}${m?.admin ? " (team admin)" : ""}`);
  }
  if (a.flags.has("admin")) throw usageError("team member rm: --admin is a flag of team member add");
  const m = t.members.find((x) => x.email === user.toLowerCase() || x.userId === user);
  if (!m) throw new CliError(`${user} is not a member of team ${t.name}`, 4);
  await client.request("DELETE", `/teams/${encodeURIComponent(t.id)}/members/${encodeURIComponent(m.userId)}`);
  printLine(`${m.email} left team ${t.name}`);
}
