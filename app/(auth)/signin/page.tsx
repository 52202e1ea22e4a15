// /signin — email and password, and "Sign in with <provider>" when single sign-on is configured (lib/auth/oidc). Sends
// to /setup while no account exists, and signed-in people on to the app. A refused single sign-on comes back here with
// its code (lib/auth/oidc/sign-in-errors.ts), said as a sentence.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { headers } from "next/headers";
import { isSetupNeeded } from "@/lib/users/is-setup-needed";
import { currentActor } from "@/lib/auth/current-actor";
import { SignInForm } from "./signin-form";
import { loadOidcSettings } from "@/lib/auth/oidc/oidc-config";
import { DiscoveryError, discover } from "@/lib/auth/oidc/discover";
import { describeOidcError, isOidcErrorCode } from "@/lib/auth/oidc/sign-in-errors";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

/** Where sign-in lands: the home page, unless a callbackUrl names a page of this site — a path, or an absolute URL of
 * the origin the request came to (next-auth writes those). Anything else is ignored: no open redirect. */
const HOME = "/";
function safeNext(value: string | string[] | undefined, host: string | null): string {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return HOME;
  try {
    const relative = new URL(v, "http://gantry.invalid");
    const absolute = relative.origin === "http://gantry.invalid" ? null : new URL(v);
    const ours = !absolute ? relative : host && /^https?:$/.test(absolute.protocol) && absolute.host === host ? absolute : null;
    if (!ours || ours.pathname.startsWith("/signin") || ours.pathname.startsWith("/setup") || ours.pathname.startsWith("/api/")) return HOME;
    return ours.pathname + ours.search;
  } catch {
    return HOME;
  }
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await isSetupNeeded()) redirect("/setup");
  const params = await searchParams;
  const next = safeNext(params.callbackUrl, (await headers()).get("host"));
  const actor = await currentActor();
  if (actor && !actor.disabled) redirect(next);
  const sso = await loadOidcSettings().catch(() => null);
  // next-auth redirects here with ?error= when a plain form post fails; its text is not trusted, only its code.
  const code = Array.isArray(params.error) ? params.error[0] : params.error;
  const failed = code ? await explain(code, sso?.name ?? "the identity provider", sso?.issuer ?? null) : null;
  return (
    <>
      <h1 className="mb-6 text-lg font-semibold">Sign in</h1>
      <SignInForm next={next} initialError={failed} sso={sso ? { name: sso.name } : null} />
    </>
  );
}

async function explain(code: string, provider: string, issuer: string | null): Promise<string> {
  if (!isOidcErrorCode(code)) return "Sign-in failed. Check your email and password and try again.";
  let reason: string | undefined;
  if (code === "OIDCDiscovery") {
    try {
      if (issuer) await discover(issuer);
      else reason = "it is not configured correctly (see the control plane's log)";
    } catch (e) {
      reason = e instanceof DiscoveryError ? e.message : "the identity provider could not be read";
    }
  }
  return describeOidcError(code, provider, reason);
}
