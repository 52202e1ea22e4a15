"use client";
// Teams, host groups and custom roles. Every change goes through the REST routes (/api/v1/teams, /host-groups,
// /role-bindings, /roles), so the server's rules and messages are the ones shown here.
import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import type { TeamView } from "@/lib/teams/schemas";
import type { HostGroupView } from "@/lib/host-groups/schemas";
import type { RoleBindingView, RoleView } from "@/lib/role-bindings/schemas";
import { Badge, Button, EmptyRow, FormAlert, Input, Select, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { ApiError, apiRequest } from "@/components/api/client";

async function send(method: "POST" | "PATCH" | "DELETE", url: string, body?: unknown): Promise<string | null> {
  try {
    await apiRequest(method, url, body);
    return null;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    const field = e.details.find((d) => d.path);
    return field ? `${field.path}: ${field.message}` : e.message;
  }
}

const scopeText = (b: RoleBindingView) => (b.scope.kind === "fleet" ? "the fleet" : b.scope.kind === "hostGroup" ? `host group ${b.scope.name}` : `namespace ${b.scope.name}`);

interface Props {
  teams: TeamView[];
  hostGroups: HostGroupView[];
  bindings: RoleBindingView[];
  roles: RoleView[];
  hosts: { id: number; name: string }[];
  rights: string[];
  manager: boolean;
  managesMembers: Record<string, boolean>;
}

export function TeamsView({ teams, hostGroups, bindings, roles, hosts, rights, manager, managesMembers }: Props) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function act(method: "POST" | "PATCH" | "DELETE", url: string, body?: unknown): Promise<boolean> {
    setBusy(true);
    setError(null);
    const err = await send(method, url, body);
    setBusy(false);
    if (err) setError(err);
    router.refresh();
    return !err;
  }

  function onSubmit(handler: (data: FormData) => Promise<boolean>) {
    return async (e: FormEvent<HTMLFormElement>) => {
      e.preventDefault();
      const form = e.currentTarget;
      if (await handler(new FormData(form))) form.reset();
    };
  }
  const text = (d: FormData, k: string) => String(d.get(k) ?? "").trim();

  return (
    <section aria-labelledby="teams-title" className="space-y-8">
      <div>
        <h1 id="teams-title" className="text-xl font-semibold">
          Teams
        </h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          A team&apos;s members get the roles bound to the team, on the fleet, a host group or a namespace. Team admins add and remove their team&apos;s members.
        </p>
      </div>
      <FormAlert message={error} />

      {manager && (
        <form aria-label="New team" className="flex flex-wrap items-end gap-2" onSubmit={onSubmit((d) => act("POST", "/api/v1/teams", { name: text(d, "name") }))}>
          <Input name="name" aria-label="New team name" placeholder="Team name" className="w-56" />
          <Button type="submit" loading={busy}>
            Create team
          </Button>
        </form>
      )}

      {teams.length === 0 && <p className="text-sm text-slate-600 dark:text-slate-400">No teams{manager ? " yet" : " of yours"}.</p>}
      {teams.map((t) => {
        const teamBindings = bindings.filter((b) => b.subject.kind === "team" && b.subject.id === t.id);
        return (
          <article key={t.id} aria-label={`Team ${t.name}`} className="space-y-3 rounded border border-slate-200 p-4 dark:border-slate-800">
            <div className="flex items-center justify-between gap-2">
              <h2 className="text-lg font-semibold">{t.name}</h2>
              {manager && (
                <Button size="sm" variant="danger" aria-label={`Delete team ${t.name}`} onClick={() => void act("DELETE", `/api/v1/teams/${t.id}`)}>
                  Delete team
                </Button>
              )}
            </div>
            <Table caption={`Members of ${t.name}`}>
              <THead>
                <Tr>
                  <Th>Name</Th>
                  <Th>Email</Th>
                  <Th>Team admin</Th>
                  <Th>
                    <span className="sr-only">Actions</span>
                  </Th>
                </Tr>
              </THead>
              <TBody>
                {t.members.length === 0 && <EmptyRow colSpan={4}>No members.</EmptyRow>}
                {t.members.map((m) => (
                  <Tr key={m.userId}>
                    <Td>{m.name}</Td>
                    <Td>{m.email}</Td>
                    <Td>{m.admin ? <Badge tone="info">admin</Badge> : ""}</Td>
                    <Td className="text-right">
                      {managesMembers[t.id] && (
                        <Button size="sm" variant="secondary" aria-label={`Remove ${m.email} from ${t.name}`} onClick={() => void act("DELETE", `/api/v1/teams/${t.id}/members/${m.userId}`)}>
                          Remove
                        </Button>
                      )}
                    </Td>
                  </Tr>
                ))}
              </TBody>
            </Table>
            {managesMembers[t.id] && (
              <form
                aria-label={`Add a member to ${t.name}`}
                className="flex flex-wrap items-center gap-2"
                onSubmit={onSubmit((d) => act("POST", `/api/v1/teams/${t.id}/members`, { email: text(d, "email"), ...(manager ? { admin: d.get("admin") === "on" } : {}) }))}
              >
                <Input name="email" type="email" aria-label={`Email of a new member of ${t.name}`} placeholder="user@example.com" className="w-64" />
                {manager && (
                  <label className="flex items-center gap-1 text-sm">
                    <input type="checkbox" name="admin" /> team admin
                  </label>
                )}
                <Button type="submit" size="sm" loading={busy}>
                  Add member
                </Button>
              </form>
            )}
            {manager && (
              <div className="space-y-2">
                <h3 className="text-sm font-semibold">Roles of {t.name}</h3>
                <ul className="space-y-1 text-sm">
                  {teamBindings.length === 0 && <li className="text-slate-600 dark:text-slate-400">No role bindings: members have only their own roles.</li>}
                  {teamBindings.map((b) => (
                    <li key={b.id} className="flex items-center gap-2">
                      <Badge tone="neutral">{b.role.name}</Badge> on {scopeText(b)}
                      <Button size="sm" variant="secondary" aria-label={`Remove ${b.role.name} on ${scopeText(b)} from ${t.name}`} onClick={() => void act("DELETE", `/api/v1/role-bindings/${b.id}`)}>
                        Remove
                      </Button>
                    </li>
                  ))}
                </ul>
                <BindingForm team={t} roles={roles} hostGroups={hostGroups} busy={busy} onBind={(body) => act("POST", "/api/v1/role-bindings", { teamId: t.id, ...body })} />
              </div>
            )}
          </article>
        );
      })}

      {manager && (
        <section aria-labelledby="groups-title" className="space-y-3">
          <h2 id="groups-title" className="text-lg font-semibold">
            Host groups
          </h2>
          <Table caption="Host groups">
            <THead>
              <Tr>
                <Th>Group</Th>
                <Th>Hosts</Th>
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              </Tr>
            </THead>
            <TBody>
              {hostGroups.length === 0 && <EmptyRow colSpan={3}>No host groups.</EmptyRow>}
              {hostGroups.map((g) => (
                <Tr key={g.id}>
                  <Td className="font-medium">{g.name}</Td>
                  <Td>
                    <span className="flex flex-wrap gap-1">
                      {g.hosts.map((h) => (
                        <button key={h.id} type="button" className="text-xs underline" aria-label={`Take ${h.name || h.id} out of ${g.name}`} onClick={() => void act("DELETE", `/api/v1/host-groups/${g.id}/hosts/${h.id}`)}>
                          {h.name || h.id} ×
                        </button>
                      ))}
                    </span>
                  </Td>
                  <Td className="text-right whitespace-nowrap">
                    <Select
                      aria-label={`Add a host to ${g.name}`}
                      value=""
                      onChange={(e) => e.target.value && void act("POST", `/api/v1/host-groups/${g.id}/hosts`, { hostIds: [Number(e.target.value)] })}
                      className="w-40"
                    >
                      <option value="">Add host…</option>
                      {hosts
                        .filter((h) => !g.hosts.some((x) => x.id === h.id))
                        .map((h) => (
                          <option key={h.id} value={h.id}>
                            {h.name} (#{h.id})
                          </option>
                        ))}
                    </Select>{" "}
                    <Button size="sm" variant="danger" aria-label={`Delete host group ${g.name}`} onClick={() => void act("DELETE", `/api/v1/host-groups/${g.id}`)}>
                      Delete
                    </Button>
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
          <form aria-label="New host group" className="flex flex-wrap items-end gap-2" onSubmit={onSubmit((d) => act("POST", "/api/v1/host-groups", { name: text(d, "name") }))}>
            <Input name="name" aria-label="New host group name" placeholder="Group name" className="w-56" />
            <Button type="submit" loading={busy}>
              Create host group
            </Button>
          </form>
        </section>
      )}

      {manager && (
        <section aria-labelledby="roles-title" className="space-y-3">
          <h2 id="roles-title" className="text-lg font-semibold">
            Roles
          </h2>
          <ul className="space-y-1 text-sm">
            {roles.map((r) => (
              <li key={r.name} className="flex flex-wrap items-center gap-2">
                <Badge tone={r.builtin ? "info" : "neutral"}>{r.name}</Badge>
                <span className="text-slate-600 dark:text-slate-400">{r.rights.join(", ")}</span>
                {!r.builtin && r.id && (
                  <Button size="sm" variant="secondary" aria-label={`Delete role ${r.name}`} onClick={() => void act("DELETE", `/api/v1/roles/${r.id}`)}>
                    Delete
                  </Button>
                )}
              </li>
            ))}
          </ul>
          <form
            aria-label="New custom role"
            className="space-y-2"
            onSubmit={onSubmit((d) => act("POST", "/api/v1/roles", { name: text(d, "name"), rights: d.getAll("rights").map(String) }))}
          >
            <Input name="name" aria-label="New role name" placeholder="role-name" className="w-56" />
            <fieldset className="flex flex-wrap gap-3 text-sm">
              <legend className="sr-only">Rights</legend>
              {rights.map((r) => (
                <label key={r} className="flex items-center gap-1">
                  <input type="checkbox" name="rights" value={r} /> {r}
                </label>
              ))}
            </fieldset>
            <Button type="submit" loading={busy}>
              Create role
            </Button>
          </form>
        </section>
      )}
    </section>
  );
}

function BindingForm({
  team,
  roles,
  hostGroups,
  busy,
  onBind,
}: {
  team: TeamView;
  roles: RoleView[];
  hostGroups: HostGroupView[];
  busy: boolean;
  onBind: (body: Record<string, string>) => Promise<boolean>;
}) {
  const [scope, setScope] = useState("fleet");
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const d = new FormData(e.currentTarget);
    const role = String(d.get("role") ?? "");
    const r = roles.find((x) => (x.id ?? x.name) === role);
    const body: Record<string, string> = r?.builtin ? { role: r.name } : { customRoleId: role };
    if (scope === "group") body.hostGroupId = String(d.get("hostGroupId") ?? "");
    if (scope === "namespace") body.namespace = String(d.get("namespace") ?? "").trim();
    await onBind(body);
  }
  return (
    <form aria-label={`Give ${team.name} a role`} className="flex flex-wrap items-center gap-2" onSubmit={submit}>
      <Select name="role" aria-label={`Role for ${team.name}`} className="w-36">
        {roles.map((r) => (
          <option key={r.id ?? r.name} value={r.id ?? r.name}>
            {r.name}
          </option>
        ))}
      </Select>
      <span className="text-sm">on</span>
      <Select aria-label={`Scope for ${team.name}`} value={scope} onChange={(e) => setScope(e.target.value)} className="w-36">
        <option value="fleet">the fleet</option>
        <option value="group">a host group</option>
        <option value="namespace">a namespace</option>
      </Select>
      {scope === "group" && (
        <Select name="hostGroupId" aria-label={`Host group for ${team.name}`} className="w-40">
          {hostGroups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </Select>
      )}
      {scope === "namespace" && <Input name="namespace" aria-label={`Namespace for ${team.name}`} placeholder="namespace" className="w-40" />}
      <Button type="submit" size="sm" loading={busy}>
        Give role
      </Button>
    </form>
  );
}
