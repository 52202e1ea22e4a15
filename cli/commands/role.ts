// gantry role ls|bind|unbind — role bindings over /api/v1/role-bindings: a user (--user EMAIL) or a team (--team TEAM)
// gets a role (owner, admin, operator, viewer, or a custom role's name) on a scope: the whole fleet, a host group
// (group:NAME) or a namespace of the Kubernetes API (namespace:NAME). Needs users.manage (ls: users.read).
import { parseArgs, type ParsedArgs } from "../args";
import { createClient, type Client } from "../client";
import { loadConfig } from "../config";
import { CliError, usageError } from "../errors";
import { printJson, printLine } from "../output";
import { table } from "../table";
import { resolveGroup } from "./group";
import { resolveTeam } from "./team";

interface Binding {
  id: string;
  subject: { kind: "user" | "team"; id: string; name: string };
  role: { kind: "builtin" | "custom"; id: string | null; name: string };
  scope: { kind: "fleet" | "hostGroup" | "namespace"; id: string | null; name: string | null };
}

const USAGE = "usage: gantry role ls [--user USER|--team TEAM], gantry role bind|unbind --user USER|--team TEAM ROLE fleet|group:NAME|namespace:NAME";
const BUILTIN = ["owner", "admin", "operator", "viewer"];

type Subject = { userId: string } | { teamId: string };

async function subjectOf(client: Client, a: ParsedArgs, verb: string): Promise<{ subject: Subject; label: string } | null> {
  const user = a.values.user;
  const team = a.values.team;
  if (user !== undefined && team !== undefined) throw usageError(`role ${verb}: --user and --team: name one subject`);
  if (team !== undefined) {
    const t = await resolveTeam(client, team);
    return { subject: { teamId: t.id }, label: `team ${t.name}` };
  }
  if (user === undefined) return null;
  if (!user.includes("@")) return { subject: { userId: user }, label: `user ${user}` };
  const { users } = await client.request<{ users: Array<{ id: string; email: string }> }>("GET", "/users");
  const found = users.find((u) => u.email === user.toLowerCase());
  if (!found) throw new CliError(`--user: no user with the email ${user}`, 4);
  return { subject: { userId: found.id }, label: `user ${found.email}` };
}

/** fleet | group:NAME | namespace:NAME → the binding's scope fields. */
async function scopeOf(client: Client, text: string, verb: string): Promise<{ hostGroupId?: string; namespace?: string }> {
  if (text === "fleet") return {};
  const colon = text.indexOf(":");
  const [kind, name] = colon > 0 ? [text.slice(0, colon), text.slice(colon + 1)] : [text, ""];
  if (kind === "group" && name) return { hostGroupId: (await resolveGroup(client, name)).id };
  if ((kind === "namespace" || kind === "ns") && name) return { namespace: name };
  throw usageError(`role ${verb}: SCOPE "${text}" is not fleet, group:NAME or namespace:NAME`);
}

async function roleOf(client: Client, name: string): Promise<{ role: string } | { customRoleId: string }> {
  if (BUILTIN.includes(name)) return { role: name };
  const { roles } = await client.request<{ roles: Array<{ id: string | null; name: string; builtin: boolean }> }>("GET", "/roles");
  const custom = roles.find((r) => !r.builtin && (r.name === name || r.id === name));
  if (!custom?.id) throw new CliError(`ROLE: no role named "${name}" (built-in: ${BUILTIN.join(", ")}; custom roles: ${roles.filter((r) => !r.builtin).map((r) => r.name).join(", ") || "none"})`, 4);
  return { customRoleId: custom.id };
}

const scopeText = (b: Binding) => (b.scope.kind === "fleet" ? "fleet" : `${b.scope.kind === "hostGroup" ? "group" : "namespace"}:${b.scope.name}`);

export async function role(argv: string[]): Promise<void> {
  const [verb, ...rest] = argv;
  if (verb === "--help" || verb === "-h") return void parseArgs([verb], {});
  const a = parseArgs(rest, { values: ["user", "team"], booleans: ["json"] });
  if (verb === "ls") {
    if (a.positionals.length) throw usageError("usage: gantry role ls [--user USER|--team TEAM] [--json]");
    const client = createClient(loadConfig());
    const who = await subjectOf(client, a, verb);
    const query = who ? ("userId" in who.subject ? { userId: who.subject.userId } : { teamId: who.subject.teamId }) : undefined;
    const { roleBindings } = await client.request<{ roleBindings: Binding[] }>("GET", "/role-bindings", undefined, query);
    if (a.flags.has("json")) return printJson(roleBindings);
    return printLine(table(["SUBJECT", "ROLE", "SCOPE", "ID"], roleBindings.map((b) => [`${b.subject.kind}:${b.subject.name}`, b.role.name, scopeText(b), b.id])));
  }
  if (verb !== "bind" && verb !== "unbind") throw usageError(verb ? `role: unknown subcommand "${verb}"; ${USAGE}` : USAGE);
  if (a.positionals.length !== 2) throw usageError(`role ${verb}: name the role and the scope: gantry role ${verb} --user USER|--team TEAM ROLE fleet|group:NAME|namespace:NAME`);
  const client = createClient(loadConfig());
  const [roleName, scopeArg] = a.positionals as [string, string];
  const who = await subjectOf(client, a, verb);
  if (!who) throw usageError(`role ${verb}: name the subject with --user USER or --team TEAM`);
  const scope = await scopeOf(client, scopeArg, verb);
  const r = await roleOf(client, roleName);
  if (verb === "bind") {
    const created = await client.request<Binding>("POST", "/role-bindings", { ...who.subject, ...r, ...scope });
    return a.flags.has("json") ? printJson(created) : printLine(`${who.label} is ${created.role.name} on ${scopeText(created)} (binding ${created.id})`);
  }
  const query = "userId" in who.subject ? { userId: who.subject.userId } : { teamId: who.subject.teamId };
  const { roleBindings } = await client.request<{ roleBindings: Binding[] }>("GET", "/role-bindings", undefined, query);
  const match = roleBindings.find(
    (b) =>
      ("role" in r ? b.role.kind === "builtin" && b.role.name === r.role : b.role.id === r.customRoleId) &&
      (scope.hostGroupId ? b.scope.kind === "hostGroup" && b.scope.id === scope.hostGroupId : scope.namespace ? b.scope.kind === "namespace" && b.scope.name === scope.namespace : b.scope.kind === "fleet"),
  );
  if (!match) throw new CliError(`${who.label} has no binding ${roleName} on ${scopeArg} (see \`gantry role ls\`)`, 4);
  await client.request("DELETE", `/role-bindings/${encodeURIComponent(match.id)}`);
  printLine(`${who.label} is no longer ${match.role.name} on ${scopeText(match)}`);
}
