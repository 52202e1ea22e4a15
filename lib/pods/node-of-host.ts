// A host's Node name — the name Pods are bound to (spec.nodeName). Nodes are the hosts not revoked, named as the host;
// when two such hosts share a name the Node is the older one (lib/k8s/kinds/node.ts reads it so), and only that host
// runs the pods bound to the name.
import { db } from "@/lib/db";

export async function nodeNameOfHost(hostId: number): Promise<string | null> {
  const host = await db.host.findUnique({ where: { id: hostId }, select: { name: true, revokedAt: true } });
  if (!host || host.revokedAt) return null;
  const first = await db.host.findFirst({ where: { revokedAt: null, name: host.name }, select: { id: true }, orderBy: { id: "asc" } });
  return first?.id === hostId ? host.name : null;
}
