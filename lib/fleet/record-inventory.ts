// Stores a host's full inventory as its agent reported it: containers and images upserted, those no longer there
// removed, in one transaction, so Postgres always holds the host's latest report.
import { db } from "@/lib/db";
import type { InventoryMessage } from "@/lib/protocol/commands";

const date = (s: string | null) => (s ? new Date(s) : null);

export async function recordInventory(hostId: number, inv: InventoryMessage): Promise<{ containers: number; images: number }> {
  const now = new Date();
  await db.$transaction([
    db.container.deleteMany({ where: { hostId, containerId: { notIn: inv.containers.map((c) => c.id) } } }),
    ...inv.containers.map((c) => {
      const data = {
        name: c.name,
        image: c.image,
        imageId: c.imageId,
        command: c.command,
        state: c.state,
        labels: c.labels,
        ports: c.ports,
        exitCode: c.exitCode,
        createdAt: new Date(c.createdAt),
        startedAt: date(c.startedAt),
        finishedAt: date(c.finishedAt),
        updatedAt: now,
      };
      return db.container.upsert({ where: { hostId_containerId: { hostId, containerId: c.id } }, create: { hostId, containerId: c.id, ...data }, update: data });
    }),
    db.image.deleteMany({ where: { hostId, imageId: { notIn: inv.images.map((i) => i.id) } } }),
    ...inv.images.map((i) => {
      const data = { repoTags: i.repoTags, sizeBytes: BigInt(Math.round(i.sizeBytes)), createdAt: date(i.createdAt), updatedAt: now };
      return db.image.upsert({ where: { hostId_imageId: { hostId, imageId: i.id } }, create: { hostId, imageId: i.id, ...data }, update: data });
    }),
  ]);
  return { containers: inv.containers.length, images: inv.images.length };
}
