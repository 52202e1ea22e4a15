// The hosts (not revoked) that bear a name — those whose Node a Node of that name may be.
import { db } from "@/lib/db";

export async function hostsNamed(name: string): Promise<Set<number>> {
  const rows = await db.host.findMany({ where: { revokedAt: null, name }, select: { id: true } });
  return new Set(rows.map((r) => r.id));
}
