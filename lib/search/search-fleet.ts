// The header's global search: hosts (by name or id), containers (by name, id prefix, image, label key or key=value)
// and images (by tag or id prefix) from the inventory, a few of each, each kind only for those who may read it.
import { db } from "@/lib/db";
import { can, type Actor } from "@/lib/auth/policy";
import type { SearchResult } from "./schemas";

const EACH = 8;
/** q as a LIKE pattern matching it anywhere, its own % and _ taken literally. */
const likeAnywhere = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function searchFleet(actor: Actor, q: string): Promise<SearchResult> {
  const text = q.trim();
  const asId = /^\d+$/.test(text) ? Number(text) : null;
  const hex = /^(sha256:)?[0-9a-f]{2,64}$/i.test(text) ? text.replace(/^sha256:/i, "").toLowerCase() : null;
  const eq = text.indexOf("=");
  const labelWhere = eq > 0 ? { labels: { path: [text.slice(0, eq)], equals: text.slice(eq + 1) } } : { labels: { path: [text], not: "null" as never } };

  const [hosts, containers, images] = await Promise.all([
    can(actor, "hosts.read")
      ? db.host.findMany({
          where: { revokedAt: null, OR: [{ name: { contains: text, mode: "insensitive" } }, ...(asId !== null && asId <= 2 ** 31 - 1 ? [{ id: asId }] : [])] },
          select: { id: true, name: true, status: true },
          orderBy: { name: "asc" },
          take: EACH,
        })
      : [],
    can(actor, "containers.read")
      ? db.container.findMany({
          where: {
            OR: [
              { name: { contains: text, mode: "insensitive" } },
              { image: { contains: text, mode: "insensitive" } },
              ...(hex ? [{ containerId: { startsWith: hex } }] : []),
              labelWhere,
            ],
          },
          select: { hostId: true, containerId: true, name: true, image: true, state: true },
          orderBy: [{ name: "asc" }, { containerId: "asc" }],
          take: EACH,
        })
      : [],
    can(actor, "images.read")
      ? db.$queryRaw<Array<{ hostId: number; imageId: string; repoTags: string[] }>>`
          SELECT "hostId", "imageId", "repoTags" FROM "Image"
          WHERE EXISTS (SELECT 1 FROM unnest("repoTags") t WHERE t ILIKE ${likeAnywhere(text)})
             OR (${hex}::text IS NOT NULL AND "imageId" LIKE 'sha256:' || ${hex} || '%')
          ORDER BY "repoTags"[1] NULLS LAST, "hostId" LIMIT ${EACH}`
      : [],
  ]);
  return {
    hosts: hosts.map((h) => ({ id: h.id, name: h.name, status: h.status })),
    containers: containers.map((c) => ({ hostId: c.hostId, id: c.containerId, name: c.name, image: c.image, state: c.state })),
    images: images.map((i) => ({ hostId: i.hostId, id: i.imageId, repoTags: i.repoTags })),
  };
}
