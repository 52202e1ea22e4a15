// The activity row for a REST mutation: the policy action it needed, its path under /api/v1 as the target, the method,
// and the caller's address and user agent. A failure to write it is logged, never turned into the caller's error.
import type { NextRequest } from "next/server";
import type { Action, Actor } from "@/lib/auth/policy";
import { clientAddress } from "./client-address";
import { recordActivity } from "./record-activity";

export async function recordRequestActivity(req: NextRequest, actor: Actor, action: Action, params: unknown, outcome: string): Promise<void> {
  const path = new URL(req.url).pathname;
  try {
    await recordActivity({
      actor,
      action,
      target: path.replace(/^\/api\/v1\//, ""),
      outcome,
      ip: clientAddress(req.headers),
      userAgent: req.headers.get("user-agent"),
      details: { method: req.method, path, params: (params ?? {}) as Record<string, string> },
    });
  } catch (e) {
    console.error("[gantry] could not write the activity record:", e instanceof Error ? e.message : e);
  }
}
