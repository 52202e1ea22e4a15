// Route handlers are `withAuth(handler, { permission })`: the wrapper refuses state-changing requests that a foreign
// page made or that carry a form body (lib/http/same-origin.ts), finds the actor, asks the policy module, and turns
// whatever the handler throws into a response (lib/http/respond.ts). The handler returns a value (sent as JSON, 200) or
// a Response.
import { controlPlaneMetrics } from "@/lib/metrics/control-plane-metrics";
import type { NextRequest } from "next/server";
import { authorize, authorizeHost, authorizeNamespace, authorizeSomewhere, type Action, type Actor } from "@/lib/auth/policy";
import { NamespaceParam } from "@/lib/workloads/params";
import { hostIdText } from "@/lib/hosts/host-id";
import { parseParam } from "@/lib/http/parse";
import { GantryError } from "@/lib/errors";
import { actorFromRequest, bearerToken } from "@/lib/auth/actor";
import { json, toResponse } from "@/lib/http/respond";
import { unauthorized } from "@/lib/errors";
import { completeActivity, recordRequestActivity, recordRequestIntent } from "@/lib/activity/record-request-activity";
import { assertNotForm, assertSameOrigin } from "@/lib/http/same-origin";
import { activityScope } from "@/lib/activity/activity-note";

export interface HandlerContext<P> {
  req: NextRequest;
  actor: Actor;
  params: P;
  /** A mutation's activity row (written "pending" before the handler runs), for work that may outlive this process. */
  activityId: number | null;
}

type RouteContext = { params: Promise<Record<string, string | string[]>> };

/**
 * Where the permission is asked (lib/auth/policy.ts):
 *  - "fleet" (the default): fleet-wide;
 *  - "host": on the host named by the route's {id} (/api/v1/hosts/{id}/…) — a host outside the actor's scopes is a 404;
 *  - "namespace": in the Kubernetes namespace named by the route's {namespace} — one outside the actor's scopes is a 404;
 *  - "somewhere": on at least one scope — for lists, which then show only what is in the actor's scopes
 *    (policy's hostIdsFor), and for use cases that ask the exact scope themselves.
 */
export type AuthScope = "fleet" | "host" | "namespace" | "somewhere";

export function withAuth<P = Record<string, string>>(
  handler: (ctx: HandlerContext<P>) => Promise<unknown>,
  opts: { permission: Action; status?: number; scope?: AuthScope },
) {
  return async (req: NextRequest, ctx: RouteContext): Promise<Response> => {
    const started = performance.now();
    const response = await handle(req, ctx);
    const metrics = controlPlaneMetrics();
    metrics.apiRequests.inc({ action: opts.permission, method: req.method, code: String(response.status) });
    metrics.apiRequestSeconds.observe({ action: opts.permission, method: req.method }, (performance.now() - started) / 1000);
    return response;
  };

  async function handle(req: NextRequest, ctx: RouteContext): Promise<Response> {
    let actor: Actor | null = null;
    let params = {} as P;
    let activityId: number | null = null;
    let authorized = false;
    const mutation = req.method !== "GET" && req.method !== "HEAD";
    // What the handler notes it did (lib/activity/activity-note.ts) goes into its activity row, as it succeeded or failed.
    const activity = activityScope();
    try {
      assertNotForm(req.method, req.headers);
      // A bearer token is a credential a foreign page does not have; a cookie is one the browser adds by itself.
      if (bearerToken(req) === null) assertSameOrigin(req.method, req.headers);
      actor = await actorFromRequest(req);
      if (!actor && bearerToken(req) !== null) throw unauthorized("the API token is unknown, expired or revoked, or its user is disabled");
      params = ((await ctx?.params) ?? {}) as P;
      if (opts.scope === "host") {
        authorizeSomewhere(actor, opts.permission);
        authorizeHost(actor, opts.permission, parseParam(hostIdText, (params as Record<string, string>).id, "host id"));
      } else if (opts.scope === "namespace") {
        authorizeSomewhere(actor, opts.permission);
        authorizeNamespace(actor, opts.permission, parseParam(NamespaceParam, (params as Record<string, string>).namespace, "namespace"));
      } else if (opts.scope === "somewhere") authorizeSomewhere(actor, opts.permission);
      else authorize(actor, opts.permission);
      authorized = true;
      // Every mutation an authorized actor makes is written to the activity record (lib/activity): its intent before
      // it runs, so a crash leaves a trace, and its outcome after.
      if (mutation) activityId = await recordRequestIntent(req, actor, opts.permission, params);
      const result = await activity.run(() => handler({ req, actor: actor!, params, activityId }));
      if (mutation) {
        await (activityId !== null
          ? completeActivity(activityId, "ok", activity.summary())
          : recordRequestActivity(req, actor, opts.permission, params, "ok", activity.summary()));
      }
      if (result instanceof Response) return result;
      if (result === undefined) return new Response(null, { status: 204 });
      return json(result, opts.status ?? 200);
    } catch (e) {
      // Authorized mutations that failed are recorded too, with the error code (denials are not: nothing was attempted).
      if (activityId !== null) await completeActivity(activityId, errorCode(e), activity.summary());
      else if (actor && mutation && authorized) await recordRequestActivity(req, actor, opts.permission, params, errorCode(e), activity.summary());
      return toResponse(e);
    }
  }
}

/** For the few routes anyone may call (health, first-run setup, agent join): same error translation, no actor. */
export function withoutAuth(handler: (req: NextRequest) => Promise<unknown>, opts: { status?: number } = {}) {
  return async (req: NextRequest): Promise<Response> => {
    try {
      assertNotForm(req.method, req.headers);
      assertSameOrigin(req.method, req.headers);
      const result = await handler(req);
      if (result instanceof Response) return result;
      if (result === undefined) return new Response(null, { status: 204 });
      return json(result, opts.status ?? 200);
    } catch (e) {
      return toResponse(e);
    }
  };
}

function errorCode(e: unknown): string {
  return e instanceof GantryError ? e.code : "internal";
}
