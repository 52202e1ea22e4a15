// Route handlers are `withAuth(handler, { permission })`: the wrapper finds the actor, asks the policy module, and
// turns whatever the handler throws into a response (lib/http/respond.ts). The handler returns a value (sent as JSON,
// 200) or a Response.
import type { NextRequest } from "next/server";
import { authorize, type Action, type Actor } from "@/lib/auth/policy";
import { actorFromRequest } from "@/lib/auth/actor";
import { json, toResponse } from "@/lib/http/respond";

export interface HandlerContext<P> {
  req: NextRequest;
  actor: Actor;
  params: P;
}

type RouteContext = { params: Promise<Record<string, string | string[]>> };

export function withAuth<P = Record<string, string>>(
  handler: (ctx: HandlerContext<P>) => Promise<unknown>,
  opts: { permission: Action; status?: number },
) {
  return async (req: NextRequest, ctx: RouteContext): Promise<Response> => {
    try {
      const actor = await actorFromRequest(req);
      authorize(actor, opts.permission);
      const params = ((await ctx?.params) ?? {}) as P;
      const result = await handler({ req, actor, params });
      if (result instanceof Response) return result;
      if (result === undefined) return new Response(null, { status: 204 });
      return json(result, opts.status ?? 200);
    } catch (e) {
      return toResponse(e);
    }
  };
}

/** For the few routes anyone may call (health, first-run setup, agent join): same error translation, no actor. */
export function withoutAuth(handler: (req: NextRequest) => Promise<unknown>, opts: { status?: number } = {}) {
  return async (req: NextRequest): Promise<Response> => {
    try {
      const result = await handler(req);
      if (result instanceof Response) return result;
      if (result === undefined) return new Response(null, { status: 204 });
      return json(result, opts.status ?? 200);
    } catch (e) {
      return toResponse(e);
    }
  };
}
