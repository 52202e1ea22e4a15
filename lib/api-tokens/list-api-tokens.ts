// One's own API tokens, newest first; with `all`, an admin's view of every user's tokens.
import { db } from "@/lib/db";
import { authorize, can, type Actor } from "@/lib/auth/policy";
import { forbidden } from "@/lib/errors";
import { TOKEN_SELECT, tokenView } from "./token-view";
import type { ApiTokenView } from "./schemas";

export async function listApiTokens(actor: Actor, opts: { all?: boolean } = {}): Promise<ApiTokenView[]> {
  authorize(actor, "tokens.manage");
  if (opts.all && !can(actor, "users.manage")) throw forbidden(`your role (${actor.role}) may list only its own tokens`);
  const rows = await db.apiToken.findMany({
    where: opts.all ? {} : { userId: actor.id },
    select: TOKEN_SELECT,
    orderBy: { createdAt: "desc" },
  });
  return rows.map(tokenView);
}
