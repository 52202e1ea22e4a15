"use client";
// The API tokens page: a form to create one (name, role no higher than one's own, days until it expires), the new
// token shown once with a copy button, and the list with revoke (confirmed). Everything goes through /api/v1/tokens,
// so its rules and messages are the server's.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { Role } from "@/lib/auth/policy";
import type { ApiTokenView } from "@/lib/api-tokens/schemas";
import { callApi } from "@/components/api/client";
import { Badge, Button, ConfirmDialog, Dialog, EmptyRow, Field, FormAlert, Input, LocalTime, Select, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { CopyButton } from "./copy-button";

const EXPIRY_CHOICES = [1, 7, 30, 90, 180, 366];

type TokenState = "active" | "expired" | "revoked";

function stateOf(t: ApiTokenView, now: number): TokenState {
  if (t.revokedAt) return "revoked";
  return Date.parse(t.expiresAt) <= now ? "expired" : "active";
}

const TONE: Record<TokenState, "success" | "neutral" | "danger"> = { active: "success", expired: "neutral", revoked: "danger" };

export function TokensView({
  tokens,
  owners,
  all,
  canSeeAll,
  actorId,
  roles,
  defaultRole,
  maxDays,
  renderedAt,
}: {
  tokens: ApiTokenView[];
  owners: Record<string, string>;
  all: boolean;
  canSeeAll: boolean;
  actorId: string;
  roles: Role[];
  defaultRole: Role;
  maxDays: number;
  renderedAt: number;
}) {
  const router = useRouter();
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiTokenView | null>(null);
  const [revokeError, setRevokeError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  async function revoke() {
    if (!revoking) return;
    setBusy(true);
    const r = await callApi("DELETE", `/api/v1/tokens/${encodeURIComponent(revoking.id)}`);
    setBusy(false);
    if (!r.ok) return setRevokeError(r.error ?? "revoking failed");
    setNotice(`Revoked "${revoking.name}": it stops working at once.`);
    setRevoking(null);
    router.refresh();
  }

  const cols = all ? 8 : 7;
  return (
    <section aria-labelledby="tokens-title" className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 id="tokens-title" className="text-xl font-semibold">
            API tokens
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            For scripts and the <code>gantry</code> CLI (<code>gantry login URL --token gat_…</code>, or <code>Authorization: Bearer gat_…</code>). A
            token acts as you, with the role you give it, never more than your own.
          </p>
        </div>
        {canSeeAll && (
          <Link href={all ? "/tokens" : "/tokens?all=true"} className="text-sm font-medium text-indigo-700 hover:underline dark:text-indigo-400">
            {all ? "Show only mine" : "Show everyone's"}
          </Link>
        )}
      </div>

      <CreateTokenForm roles={roles} defaultRole={defaultRole} maxDays={maxDays} onCreated={(c) => { setCreated(c); setNotice(null); router.refresh(); }} />

      <FormAlert tone="info" message={notice} />

      <Table caption={all ? "Everyone's API tokens" : "Your API tokens"}>
        <THead>
          <Tr>
            <Th>Name</Th>
            {all && <Th>User</Th>}
            <Th>Token</Th>
            <Th>Role</Th>
            <Th>Status</Th>
            <Th>Expires</Th>
            <Th>Last used</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </Tr>
        </THead>
        <TBody>
          {tokens.length === 0 && <EmptyRow colSpan={cols}>No API tokens yet.</EmptyRow>}
          {tokens.map((t) => {
            const state = stateOf(t, renderedAt);
            return (
              <Tr key={t.id} data-testid={`token-row-${t.name}`}>
                <Td className="font-medium">{t.name}</Td>
                {all && <Td>{t.userId === actorId ? "you" : (owners[t.userId] ?? t.userId)}</Td>}
                <Td className="font-mono text-xs">{t.prefix}…</Td>
                <Td>{t.role}</Td>
                <Td>
                  <Badge tone={TONE[state]} data-state={state}>
                    {state}
                  </Badge>
                </Td>
                <Td>
                  <LocalTime iso={t.expiresAt} />
                </Td>
                <Td>
                  <LocalTime iso={t.lastUsedAt} empty="never" />
                </Td>
                <Td className="text-right">
                  {state === "active" && (
                    <Button size="sm" variant="danger" aria-label={`Revoke ${t.name}`} onClick={() => { setRevokeError(null); setRevoking(t); }}>
                      Revoke
                    </Button>
                  )}
                </Td>
              </Tr>
            );
          })}
        </TBody>
      </Table>

      <Dialog open={created !== null} onClose={() => setCreated(null)} title="Your new API token" description="Copy it now: it is shown this once and cannot be read again.">
        {created && (
          <div className="space-y-4">
            <div className="rounded-md bg-slate-950 p-3 text-slate-100">
              <code id="new-token" data-testid="new-token" className="block break-all font-mono text-xs select-all">
                {created.token}
              </code>
            </div>
            <div className="flex items-center justify-between gap-2">
              <CopyButton text={created.token} targetId="new-token" label="Copy token" />
              <Button variant="secondary" onClick={() => setCreated(null)}>
                Done
              </Button>
            </div>
          </div>
        )}
      </Dialog>

      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke ${revoking?.name ?? "token"}?`}
        description="Scripts and CLIs using it are refused from now on. This cannot be undone."
        confirm="Revoke token"
        danger
        busy={busy}
        error={revokeError}
        onConfirm={revoke}
        onClose={() => setRevoking(null)}
      />
    </section>
  );
}

function CreateTokenForm({
  roles,
  defaultRole,
  maxDays,
  onCreated,
}: {
  roles: Role[];
  defaultRole: Role;
  maxDays: number;
  onCreated: (c: { token: string; name: string }) => void;
}) {
  const [fields, setFields] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const body = { name: String(data.get("name") ?? "").trim(), role: String(data.get("role")), expiresInDays: Number(data.get("expiresInDays")) };
    setBusy(true);
    const r = await callApi<{ token: string; apiToken: ApiTokenView }>("POST", "/api/v1/tokens", body);
    setBusy(false);
    if (!r.ok) {
      const found: Record<string, string> = {};
      for (const d of r.details ?? []) if (d.path) found[d.path] ??= d.message;
      setFields(found);
      setMessage(Object.keys(found).length ? "Check the highlighted fields." : (r.error ?? "the token was not created"));
      return;
    }
    setFields({});
    setMessage(null);
    form.reset();
    onCreated({ token: r.data!.token, name: r.data!.apiToken.name });
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Create an API token" className="space-y-3 rounded-lg border border-slate-200 p-4 dark:border-slate-800">
      <h2 className="text-sm font-semibold">Create a token</h2>
      <FormAlert message={message} />
      <div className="grid gap-3 sm:grid-cols-[2fr_1fr_1fr_auto] sm:items-start">
        <Field id="token-name" label="Name" hint="What it is for, e.g. CI deploys" error={fields.name}>
          <Input id="token-name" name="name" maxLength={100} invalid={!!fields.name} aria-describedby={fields.name ? "token-name-error" : "token-name-hint"} />
        </Field>
        <Field id="token-role" label="Role" error={fields.role}>
          <Select id="token-role" name="role" defaultValue={defaultRole} invalid={!!fields.role}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </Select>
        </Field>
        <Field id="token-expiry" label="Expires after" error={fields.expiresInDays}>
          <Select id="token-expiry" name="expiresInDays" defaultValue="30" invalid={!!fields.expiresInDays}>
            {EXPIRY_CHOICES.filter((d) => d <= maxDays).map((d) => (
              <option key={d} value={d}>
                {d === 1 ? "1 day" : `${d} days`}
              </option>
            ))}
          </Select>
        </Field>
        <Button type="submit" className="sm:mt-6" loading={busy}>
          Create token
        </Button>
      </div>
    </form>
  );
}
