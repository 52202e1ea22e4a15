// A host's images from the inventory, paged.
import { db } from "@/lib/db";
import { badRequest } from "@/lib/errors";

export async function listImages(q: { hostId: number; page: number; pageSize: number }) {
  if (!Number.isInteger(q.page) || q.page < 1) throw badRequest("page starts at 1");
  if (!Number.isInteger(q.pageSize) || q.pageSize < 1 || q.pageSize > 500) throw badRequest("pageSize is between 1 and 500");
  const where = { hostId: q.hostId };
  // One snapshot for the page and its counts: the inventory and statuses change while we read.
  const [rows, total] = await db.$transaction([
    db.image.findMany({ where, orderBy: [{ createdAt: "desc" }, { imageId: "asc" }], skip: (q.page - 1) * q.pageSize, take: q.pageSize }),
    db.image.count({ where }),
  ], { isolationLevel: "RepeatableRead" });
  return {
    total,
    items: rows.map((r) => ({ hostId: r.hostId, id: r.imageId, repoTags: r.repoTags, sizeBytes: Number(r.sizeBytes), createdAt: r.createdAt?.toISOString() ?? null, updatedAt: r.updatedAt.toISOString() })),
  };
}
