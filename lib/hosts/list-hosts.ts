// One page of the fleet, filtered and sorted in the database (a thousand hosts never leave Postgres at once), with
// the count per status for the filter tabs.
import { z } from "zod";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { HOST_VIEW_SELECT, toHostView, type HostView } from "./host-view";

export const HOST_FILTERS = ["online", "syncing", "stale", "offline", "revoked"] as const;
export const HOST_SORTS = ["id", "name", "status", "lastSeen"] as const;

export const ListHostsQuery = z
  .object({
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
    status: z.enum(HOST_FILTERS).optional(),
    q: z.string().trim().max(253).optional(),
    sort: z.enum(HOST_SORTS).default("id"),
    order: z.enum(["asc", "desc"]).default("asc"),
  })
  .strict();
export type ListHostsQuery = z.input<typeof ListHostsQuery>;

export interface HostPage {
  items: HostView[];
  total: number;
  page: number;
  pageSize: number;
  pageCount: number;
  counts: { all: number; online: number; syncing: number; stale: number; offline: number; revoked: number };
}

/** visible: the hosts the actor may see (lib/auth/policy.ts hostIdsFor), "all" for the whole fleet. */
export async function listHosts(query: ListHostsQuery = {}, visible: "all" | number[] = "all"): Promise<HostPage> {
  const { page, pageSize, status, q, sort, order } = ListHostsQuery.parse(query);
  const nameFilter: Prisma.HostWhereInput = {
    ...(q ? { name: { contains: q, mode: "insensitive" } } : {}),
    ...(visible === "all" ? {} : { id: { in: visible } }),
  };
  // "syncing" is an online host whose inventory sync has not completed (lib/hosts/host-view.ts); "online" is the rest.
  const statusFilter: Prisma.HostWhereInput =
    status === undefined
      ? {}
      : status === "revoked"
        ? { revokedAt: { not: null } }
        : status === "syncing"
          ? { status: "online", syncStartedAt: { not: null }, revokedAt: null }
          : status === "online"
            ? { status, syncStartedAt: null, revokedAt: null }
            : { status, revokedAt: null };
  const where: Prisma.HostWhereInput = { ...nameFilter, ...statusFilter };

  const orderBy: Prisma.HostOrderByWithRelationInput[] =
    sort === "name"
      ? [{ name: order }, { id: "asc" }]
      : sort === "status"
        ? [{ status: order }, { id: "asc" }]
        : sort === "lastSeen"
          ? [{ lastSeenAt: { sort: order, nulls: "last" } }, { id: "asc" }]
          : [{ id: order }];

  // One snapshot for the page and its counts: the inventory and statuses change while we read.
  const [rows, total, grouped, revoked, syncing] = await db.$transaction(
    async (tx) =>
      [
        await tx.host.findMany({ where, orderBy, skip: (page - 1) * pageSize, take: pageSize, select: HOST_VIEW_SELECT }),
        await tx.host.count({ where }),
        await tx.host.groupBy({ by: ["status"], where: { ...nameFilter, revokedAt: null }, _count: { _all: true } }),
        await tx.host.count({ where: { ...nameFilter, revokedAt: { not: null } } }),
        await tx.host.count({ where: { ...nameFilter, revokedAt: null, status: "online", syncStartedAt: { not: null } } }),
      ] as const,
    { isolationLevel: "RepeatableRead" },
  );
  const counts = { all: revoked, online: 0, syncing, stale: 0, offline: 0, revoked };
  for (const g of grouped) {
    counts[g.status] = g._count._all;
    counts.all += g._count._all;
  }
  counts.online -= syncing;
  return { items: rows.map(toHostView), total, page, pageSize, pageCount: Math.max(1, Math.ceil(total / pageSize)), counts };
}
