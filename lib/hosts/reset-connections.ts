// At control-plane start no agent is connected yet, whatever the previous process recorded.
import { db } from "@/lib/db";

export async function resetConnections(): Promise<number> {
  const r = await db.host.updateMany({ where: { connectedAt: { not: null } }, data: { connectedAt: null } });
  return r.count;
}
