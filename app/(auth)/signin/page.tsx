// /signin — email and password, and "Sign in with <provider>" when single sign-on is configured (lib/auth/oidc). Sends
// to /setup while no account exists, and signed-in people on to the app. A refused single sign-on comes back here with
// its code (lib/auth/oidc/sign-in-errors.ts), said as a sentence.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { isSetupNeeded } from "@/lib/users/is-setup-needed";
import { currentActor } from "@/lib/auth/current-actor";
import { SignInForm } from "./signin-form";
import { loadOidcSettings } from "@/lib/auth/oidc/oidc-config";
import { DiscoveryError, discover } from "@/lib/auth/oidc/discover";
import { describeOidcError, isOidcErrorCode } from "@/lib/auth/oidc/sign-in-errors";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

/** Only same-site paths are followed after sign-in (no open redirect). */
function safeNext(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return "/hosts";
  try {
    const u = new URL(v, "http://gantry.invalid");
    if (u.origin !== "http://gantry.invalid" || u.pathname.startsWith("/signin") || u.pathname.startsWith("/setup")) return "/hosts";
    return u.pathname + u.search;
  } catch {
    return "/hosts";
  }
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await isSetupNeeded()) redirect("/setup");
  const params = await searchParams;
  const next = safeNext(params.callbackUrl);
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
