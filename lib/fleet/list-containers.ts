// Containers across the fleet from the inventory: filtered by host, state, image, label and name, sorted, paged.
import { db } from "@/lib/db";
import { badRequest } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";

export const CONTAINER_SORTS = ["name", "-name", "created", "-created", "state", "-state", "image", "-image", "host", "-host"] as const;
export type ContainerSort = (typeof CONTAINER_SORTS)[number];

export interface ListContainersQuery {
  hostId?: number;
  /** The hosts the actor may see (lib/auth/policy.ts hostIdsFor); "all" or absent: every host. */
  visibleHostIds?: "all" | number[];
  state?: string;
  image?: string;
  /** "key" (present) or "key=value". */
  label?: string;
  /** Part of the name. */
  name?: string;
  sort?: ContainerSort;
  page: number;
  pageSize: number;
}

export interface FleetContainer {
  hostId: number;
  id: string;
  name: string;
  image: string;
  imageId: string;
  command: string;
  state: string;
  labels: Record<string, string>;
  /** Labels the agent left out of the inventory to keep it bounded (the container's inspect has them all). */
  labelsOmitted: number;
  ports: unknown;
  exitCode: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

export async function listContainers(q: ListContainersQuery): Promise<{ items: FleetContainer[]; total: number }> {
  if (!Number.isInteger(q.page) || q.page < 1) throw badRequest("page starts at 1");
  if (!Number.isInteger(q.pageSize) || q.pageSize < 1 || q.pageSize > 500) throw badRequest("pageSize is between 1 and 500");
  const where: Prisma.ContainerWhereInput = {
    ...(q.hostId !== undefined ? { hostId: q.hostId } : {}),
    ...(q.visibleHostIds && q.visibleHostIds !== "all" ? { AND: [{ hostId: { in: q.visibleHostIds } }] } : {}),
    ...(q.state ? { state: q.state } : {}),
    ...(q.image ? { image: q.image } : {}),
    ...(q.name ? { name: { contains: q.name, mode: "insensitive" as const } } : {}),
  };
  if (q.label) {
    const eq = q.label.indexOf("=");
    where.labels = eq < 0 ? { path: [q.label], not: "null" as never } : { path: [q.label.slice(0, eq)], equals: q.label.slice(eq + 1) };
  }
  const sort = q.sort ?? "name";
  const dir = sort.startsWith("-") ? "desc" : "asc";
  const field = { name: "name", created: "createdAt", state: "state", image: "image", host: "hostId" }[sort.replace(/^-/, "") as "name"];
  // One snapshot for the page and its counts: the inventory and statuses change while we read.
  const [rows, total] = await db.$transaction([
    db.container.findMany({ where, orderBy: [{ [field]: dir }, { containerId: "asc" }], skip: (q.page - 1) * q.pageSize, take: q.pageSize }),
    db.container.count({ where }),
  ], { isolationLevel: "RepeatableRead" });
  return {
    total,
    items: rows.map((r) => ({
      hostId: r.hostId,
      id: r.containerId,
      name: r.name,
      image: r.image,
      imageId: r.imageId,
      command: r.command,
      state: r.state,
      labels: r.labels as Record<string, string>,
      labelsOmitted: r.labelsOmitted,
      ports: r.ports,
      exitCode: r.exitCode,
      createdAt: r.createdAt.toISOString(),
      startedAt: r.startedAt?.toISOString() ?? null,
      finishedAt: r.finishedAt?.toISOString() ?? null,
      updatedAt: r.updatedAt.toISOString(),
    })),
  };
}
