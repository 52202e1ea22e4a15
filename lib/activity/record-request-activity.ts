// The activity row of a REST mutation: the policy action it needed, its path under /api/v1 as the target, the method
// (and idempotency key, when one was sent), what the request noted it did (lib/activity/activity-note.ts, as
// details.summary), and the caller's address and user agent. Written before the mutation runs
// — outcome "pending", so a crash mid-way leaves a trace — and completed with the outcome after. A failure to write it
// is logged, never turned into the caller's error.
import type { NextRequest } from "next/server";
import type { Action, Actor } from "@/lib/auth/policy";
import { clientAddress } from "./client-address";
import { recordActivity, type ActivityInput } from "./record-activity";
import type { ActivitySummary } from "./describe-activity";
import { PENDING, completeIntent } from "./audit-chain";

export { PENDING };

function requestActivity(req: NextRequest, actor: Actor, action: Action, params: unknown, outcome: string, summary?: ActivitySummary): ActivityInput {
  const path = new URL(req.url).pathname;
  const key = req.headers.get("idempotency-key");
  return {
    actor,
    action,
    target: path.replace(/^\/api\/v1\//, ""),
    outcome,
    ip: clientAddress(req.headers),
    userAgent: req.headers.get("user-agent"),
    details: {
      method: req.method,
      path,
      params: (params ?? {}) as Record<string, string>,
      ...(key ? { idempotencyKey: key.slice(0, 128) } : {}),
      ...(summary ? { summary: { ...summary } } : {}),
    },
  };
}

/** The mutation's intent, before it runs: the row's id, to complete it after (null if it could not be written). */
export async function recordRequestIntent(req: NextRequest, actor: Actor, action: Action, params: unknown): Promise<number | null> {
  try {
    return await recordActivity(requestActivity(req, actor, action, params, PENDING));
  } catch (e) {
    console.error("[gantry] could not write the activity record:", e instanceof Error ? e.message : e);
    return null;
  }
}

/**
 * The mutation ended: "ok" or its error code, appended as the intent's outcome row. Only a row still pending changes (a
 * settled claim may have said first); what the request noted it did is added to its details either way.
 */
export async function completeActivity(id: number, outcome: string, summary?: ActivitySummary): Promise<void> {
  try {
    await completeIntent(id, outcome, summary ? { ...summary } : undefined);
  } catch (e) {
    console.error("[gantry] could not complete the activity record:", e instanceof Error ? e.message : e);
  }
}

/** A whole row at once, for a mutation whose intent could not be written first. */
export async function recordRequestActivity(
  req: NextRequest,
  actor: Actor,
  action: Action,
  params: unknown,
  outcome: string,
  summary?: ActivitySummary,
): Promise<void> {
  try {
    await recordActivity(requestActivity(req, actor, action, params, outcome, summary));
  } catch (e) {
    console.error("[gantry] could not write the activity record:", e instanceof Error ? e.message : e);
  }
}
