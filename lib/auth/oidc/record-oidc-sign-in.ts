// A sign-in through single sign-on, in the activity record (lib/activity): who (or which email was refused), from
// where, the issuer, the groups the provider sent, and the outcome ("ok" or the refusal's code). A failure to write it
// is logged, never turned into the person's error.
import { recordActivity } from "@/lib/activity/record-activity";
import type { Actor } from "@/lib/auth/policy";

export async function recordOidcSignIn(input: {
  user: Actor | null;
  email?: string | null;
  issuer: string | null;
  outcome: string;
  groups: string[];
  address: string | null;
  userAgent: string | null;
}): Promise<void> {
  try {
    await recordActivity({
      actor: input.user,
      action: "auth.sign-in",
      target: input.user ? `users/${input.user.id}` : null,
      outcome: input.outcome,
      ip: input.address,
      userAgent: input.userAgent,
      details: { method: "oidc", issuer: input.issuer, groups: input.groups.slice(0, 100), ...(input.user ? {} : { email: input.email ?? null }) },
    });
  } catch (e) {
    console.error("[gantry] could not write the sign-in's activity record:", e instanceof Error ? e.message : e);
  }
}
