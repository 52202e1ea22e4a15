// /settings/sso — single sign-on through OpenID Connect: the provider (from the environment, shown read-only, or set
// here), the redirect URI to register at it, and which of its groups make people members of which teams.
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { getSsoSettings } from "@/lib/auth/oidc/get-sso-settings";
import { roleValues } from "@/lib/auth/oidc/oidc-config";
import { NotAllowed } from "@/components/ui";
import { SsoSettingsView } from "@/components/sso/sso-settings-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Single sign-on" };

export default async function SsoSettingsPage() {
  const { actor, allowed } = await pageAccess("users.read");
  if (!allowed) return <NotAllowed title="Single sign-on" role={actor.role} action="users.read" what="Seeing single sign-on's settings" />;
  return <SsoSettingsView view={await getSsoSettings(actor)} canManage={can(actor, "users.manage")} roles={roleValues} />;
}
