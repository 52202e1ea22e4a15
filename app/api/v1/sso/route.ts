// GET /api/v1/sso — the single sign-on settings (no secret), the redirect URI to register and the group mappings.
// PUT — save the provider from the dashboard (its discovery document is checked first).
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { saveOidcSettingsBody } from "@/lib/auth/oidc/schemas";
import { getSsoSettings } from "@/lib/auth/oidc/get-sso-settings";
import { saveOidcSettings } from "@/lib/auth/oidc/save-oidc-settings";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ actor }) => getSsoSettings(actor), { permission: "users.read" });

export const PUT = withAuth(async ({ req, actor }) => saveOidcSettings(actor, await parseJson(req, saveOidcSettingsBody)), { permission: "users.manage" });
