// Every sign-in, and every failed one, in the activity record (action "auth.sign-in"): who (the account, when the
// email is one; an email no account has is not kept — it may be a password typed in the wrong field), from where, how
// (the method: "password", or a single sign-on provider), and for a failure why — which the person signing in is never
// told (lib/users/verify-credentials.ts answers every failure alike), but an admin reading the record is.
import { recordActivity } from "./record-activity";

export const SIGN_IN_ACTION = "auth.sign-in";

export type SignInOutcome = "ok" | "wrong_password" | "unknown_account" | "disabled" | "throttled";

export async function recordSignIn(input: {
  user: { id: string; email: string } | null;
  outcome: SignInOutcome;
  method: string;
  ip: string | null;
  userAgent?: string | null;
}): Promise<void> {
  try {
    await recordActivity({
      actor: input.user ? { id: input.user.id, email: input.user.email } : null,
      action: SIGN_IN_ACTION,
      target: input.user ? `users/${input.user.id}` : null,
      outcome: input.outcome,
      ip: input.ip,
      userAgent: input.userAgent ?? null,
      details: { method: input.method, summary: { verb: "sign in", object: "to Gantry", extra: `(${input.method})` } },
    });
  } catch (e) {
    // A sign-in is not refused because its record could not be written; the log says so.
    console.error("[gantry] could not write the activity record:", e instanceof Error ? e.message : e);
  }
}
