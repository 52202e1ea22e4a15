// The signed-in user for server components and server actions (route handlers use lib/http/with-auth.ts).
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { actorFromRequest } from "@/lib/auth/actor";
import { authorize, type Action, type Actor } from "@/lib/auth/policy";

export async function currentActor(): Promise<Actor | null> {
  const store = await cookies();
  const h = await headers();
  const req = {
    cookies: Object.fromEntries(store.getAll().map((c) => [c.name, c.value])),
    headers: Object.fromEntries(h.entries()),
  };
  return actorFromRequest(req as never);
}

/** For pages: redirects to sign-in when nobody is signed in; throws 403 (rendered by the error boundary) otherwise. */
export async function requireActor(action: Action): Promise<Actor> {
  const actor = await currentActor();
  if (!actor || actor.disabled) redirect("/signin");
  authorize(actor, action);
  return actor;
}
