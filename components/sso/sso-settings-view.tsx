"use client";
// Single sign-on's settings page: the provider form (PUT /api/v1/sso — its issuer's discovery is checked by the server,
// whose message names the field) and the group → team mappings (PUT /api/v1/sso/group-mappings). The client secret is
// never shown; left empty it is kept.
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { SsoSettingsView as View } from "@/lib/auth/oidc/schemas";
import { callApi } from "@/components/api/client";
import { Button, Field, FormAlert, Input, Select } from "@/components/ui";

export function SsoSettingsView({ view, canManage, roles }: { view: View; canManage: boolean; roles: string[] }) {
  const router = useRouter();
  const s = view.settings;
  const readOnly = !canManage || view.source === "environment";
  const [message, setMessage] = useState<{ tone: "info" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [mappings, setMappings] = useState(view.mappings.map((m) => ({ group: m.group, teamId: m.teamId })));

  async function save(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const body: Record<string, unknown> = {
      enabled: f.get("enabled") === "on",
      name: String(f.get("name") ?? ""),
      issuer: String(f.get("issuer") ?? "").trim(),
      clientId: String(f.get("clientId") ?? "").trim(),
      scopes: String(f.get("scopes") ?? "").trim(),
      groupsClaim: String(f.get("groupsClaim") ?? "").trim(),
      defaultRole: String(f.get("defaultRole") ?? ""),
    };
    const secret = String(f.get("clientSecret") ?? "");
    if (secret) body.clientSecret = secret;
    setBusy(true);
    const r = await callApi("PUT", "/api/v1/sso", body);
    setBusy(false);
    setMessage(r.ok ? { tone: "info", text: "Saved: the sign-in page offers it now." } : { tone: "error", text: r.error ?? "saving failed" });
    if (r.ok) router.refresh();
  }

  async function saveMappings() {
    setBusy(true);
    const r = await callApi("PUT", "/api/v1/sso/group-mappings", { mappings: mappings.filter((m) => m.group.trim() && m.teamId) });
    setBusy(false);
    setMessage(r.ok ? { tone: "info", text: "Group mappings saved: they apply at each person's next sign-in." } : { tone: "error", text: r.error ?? "saving failed" });
    if (r.ok) router.refresh();
  }

  return (
    <section aria-labelledby="sso-title" className="max-w-2xl space-y-6">
      <div>
        <h1 id="sso-title" className="text-xl font-semibold">
          Single sign-on
        </h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          OpenID Connect (authorization code with PKCE). Register this redirect URI at your provider: <code data-testid="redirect-uri" className="break-all">{view.redirectUri}</code>. Local
          accounts keep working beside it.
        </p>
        {view.source === "environment" && <p className="mt-2 text-sm">Configured by the environment (GANTRY_OIDC_*): change it there.</p>}
        {view.environmentError && <FormAlert message={`The environment's single sign-on is wrong: ${view.environmentError}`} />}
        {s && !s.clientSecretReadable && <FormAlert message="The stored client secret cannot be read (the session key changed): enter it again." />}
      </div>
      <FormAlert tone={message?.tone === "info" ? "info" : undefined} message={message?.text ?? null} />
      <form onSubmit={save} className="space-y-4">
        <fieldset disabled={readOnly} className="space-y-4">
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="enabled" defaultChecked={s?.enabled ?? true} /> Offer single sign-on on the sign-in page
          </label>
          <Field id="sso-name" label="Name on the button">
            <Input id="sso-name" name="name" defaultValue={s?.name ?? ""} placeholder="Okta" required />
          </Field>
          <Field id="sso-issuer" label="Issuer URL">
            <Input id="sso-issuer" name="issuer" defaultValue={s?.issuer ?? ""} placeholder="https://id.example.com/realms/main" required />
          </Field>
          <Field id="sso-client-id" label="Client ID">
            <Input id="sso-client-id" name="clientId" defaultValue={s?.clientId ?? ""} required />
          </Field>
          <Field id="sso-client-secret" label={s ? "Client secret (empty: keep the stored one)" : "Client secret"}>
            <Input id="sso-client-secret" name="clientSecret" type="password" autoComplete="off" />
          </Field>
          <Field id="sso-scopes" label="Scopes">
            <Input id="sso-scopes" name="scopes" defaultValue={s?.scopes ?? "openid email profile"} />
          </Field>
          <Field id="sso-groups-claim" label="Groups claim">
            <Input id="sso-groups-claim" name="groupsClaim" defaultValue={s?.groupsClaim ?? "groups"} />
          </Field>
          <Field id="sso-default-role" label="Fleet-wide role of a new user">
            <Select id="sso-default-role" name="defaultRole" defaultValue={s?.defaultRole ?? (roles.includes("none") ? "none" : "viewer")}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r === "none" ? "none (only what their teams give)" : r}
                </option>
              ))}
            </Select>
          </Field>
          {!readOnly && (
            <Button type="submit" loading={busy}>
              Save single sign-on
            </Button>
          )}
        </fieldset>
      </form>

      <div className="space-y-3">
        <h2 className="text-lg font-semibold">Groups → teams</h2>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          At each sign-in a person joins the teams their groups map to and leaves mapped teams their groups no longer map to. Teams no group maps to are left alone.
        </p>
        {mappings.map((m, i) => (
          <div key={i} className="flex gap-2">
            <Input aria-label={`Group ${i + 1}`} value={m.group} disabled={!canManage} onChange={(e) => setMappings(mappings.map((x, j) => (j === i ? { ...x, group: e.target.value } : x)))} />
            <Select aria-label={`Team for group ${i + 1}`} value={m.teamId} disabled={!canManage} onChange={(e) => setMappings(mappings.map((x, j) => (j === i ? { ...x, teamId: e.target.value } : x)))}>
              <option value="">choose a team</option>
              {view.teams.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </Select>
            {canManage && (
              <Button variant="secondary" aria-label={`Remove mapping ${i + 1}`} onClick={() => setMappings(mappings.filter((_, j) => j !== i))}>
                Remove
              </Button>
            )}
          </div>
        ))}
        {canManage && (
          <div className="flex gap-2">
            <Button variant="secondary" onClick={() => setMappings([...mappings, { group: "", teamId: "" }])}>
              Add a mapping
            </Button>
            <Button onClick={() => void saveMappings()} loading={busy}>
              Save mappings
            </Button>
          </div>
        )}
      </div>
    </section>
  );
}
