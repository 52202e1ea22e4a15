// /signin — email and password. Sends to /setup while no account exists, and signed-in people on to the app.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { isSetupNeeded } from "@/lib/users/is-setup-needed";
import { currentActor } from "@/lib/auth/current-actor";
import { SignInForm } from "./signin-form";

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
  // next-auth redirects here with ?error= when a plain form post fails; its text is not trusted, only its presence.
  const failed = params.error ? "Sign-in failed. Check your email and password and try again." : null;
  return (
    <>
      <h1 className="mb-6 text-lg font-semibold">Sign in</h1>
      <SignInForm next={next} initialError={failed} />
    </>
  );
}
