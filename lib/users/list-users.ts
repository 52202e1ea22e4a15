// Every account, owners first, then by name. A handful to a few hundred rows: no pagination.
import { db } from "@/lib/db";
import { PUBLIC_USER_SELECT, toPublicUser, type PublicUser } from "@/lib/users/public-user";
import { ROLES } from "@/lib/auth/policy";

export async function listUsers(): Promise<PublicUser[]> {
  const rows = await db.user.findMany({ select: PUBLIC_USER_SELECT, orderBy: [{ name: "asc" }, { email: "asc" }] });
  const rank = (r: (typeof rows)[number]) => ROLES.indexOf(r.role);
  return rows.sort((a, b) => rank(a) - rank(b)).map(toPublicUser);
}
