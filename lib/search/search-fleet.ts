// The header's global search: hosts (by name or id), containers (by name, id prefix, image, label key or key=value)
// and images (by tag or id prefix) from the inventory, a few of each, each kind only for those who may read it.
import { db } from "@/lib/db";
import { canSomewhere, hostIdsFor, type Action, type Actor } from "@/lib/auth/policy";
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

  // Only hosts in the actor's scopes, and what is on them (lib/auth/policy.ts hostIdsFor).
  const on = (action: Action): number[] | undefined => {
    const ids = hostIdsFor(actor, action);
    return ids === "all" ? undefined : ids;
  };
  const hostScope = on("hosts.read");
  const containerScope = on("containers.read");
  const imageScope = on("images.read");
  const [hosts, containers, images] = await Promise.all([
    canSomewhere(actor, "hosts.read")
      ? db.host.findMany({
          where: { revokedAt: null, ...(hostScope ? { id: { in: hostScope } } : {}), OR: [{ name: { contains: text, mode: "insensitive" } }, ...(asId !== null && asId <= 2 ** 31 - 1 ? [{ id: asId }] : [])] },
          select: { id: true, name: true, status: true },
          orderBy: { name: "asc" },
          take: EACH,
        })
      : [],
    canSomewhere(actor, "containers.read")
      ? db.container.findMany({
          where: {
            ...(containerScope ? { hostId: { in: containerScope } } : {}),
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
    canSomewhere(actor, "images.read")
      ? db.$queryRaw<Array<{ hostId: number; imageId: string; repoTags: string[] }>>`
          SELECT "hostId", "imageId", "repoTags" FROM "Image"
          WHERE (${imageScope === undefined} OR "hostId" = ANY(${imageScope ?? []}::int[]))
            AND (EXISTS (SELECT 1 FROM unnest("repoTags") t WHERE t ILIKE ${likeAnywhere(text)})
             OR (${hex}::text IS NOT NULL AND "imageId" LIKE 'sha256:' || ${hex} || '%'))
          ORDER BY "repoTags"[1] NULLS LAST, "hostId" LIMIT ${EACH}`
      : [],
  ]);
  return {
    hosts: hosts.map((h) => ({ id: h.id, name: h.name, status: h.status })),
    containers: containers.map((c) => ({ hostId: c.hostId, id: c.containerId, name: c.name, image: c.image, state: c.state })),
    images: images.map((i) => ({ hostId: i.hostId, id: i.imageId, repoTags: i.repoTags })),
  };
}
