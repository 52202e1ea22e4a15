// The signed-in user for server components and server actions (route handlers use lib/http/with-auth.ts).
import { cookies, headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { actorFromRequest } from "@/lib/auth/actor";
import { canSomewhere, type Action, type Actor } from "@/lib/auth/policy";

export async function currentActor(): Promise<Actor | null> {
  const store = await cookies();
  const h = await headers();
  const req = {
    cookies: Object.fromEntries(store.getAll().map((c) => [c.name, c.value])),
    headers: Object.fromEntries(h.entries()),
  };
  return actorFromRequest(req as never);
}

/**
 * For pages some roles may not use: the signed-in actor (sign-in page when nobody is) and whether they may — somewhere:
 * a page lists only what is in the actor's scopes (lib/auth/policy.ts hostIdsFor), a host's page is a 404 outside them. A page
 * that may not be used renders <NotAllowed> (components/ui) with the right it needs — never throws, which would be a
 * server error page.
 */
export async function pageAccess(action: Action): Promise<{ actor: Actor; allowed: boolean }> {
  const actor = await currentActor();
  if (!actor || actor.disabled) redirect("/signin");
  return { actor, allowed: canSomewhere(actor, action) };
}

/** For a page about one thing (a host, a container): redirects to sign-in when nobody is signed in, and answers 404
 * when the actor holds the right nowhere — what is outside one's scopes does not exist for them. The page then asks
 * the right on its host (a 404 outside it too). Pages that list use pageAccess, so a denial is a message. */
export async function requireActor(action: Action): Promise<Actor> {
  const actor = await currentActor();
  if (!actor || actor.disabled) redirect("/signin");
  if (!canSomewhere(actor, action)) notFound();
  return actor;
}
