// Records one page of a host's inventory sync (lib/protocol/inventory.ts) as one short transaction: page 0 begins a
// sync (the host reads "syncing" from then on), each page must be the next one of the host's current sync (a late page
// of a superseded sync is refused), its containers and images are upserted in one statement each, and the last page
// drops what this sync did not report and marks the host synced. However large a host's inventory, no write holds
// more than one page, so thousands of hosts reconnecting at once make many small transactions, not a few huge ones —
// and at most CONCURRENT_PAGES of them at a time: the rest wait their turn here, in order, rather than taking every
// database connection (heartbeats and requests keep theirs) and timing out waiting for one.
import { db } from "@/lib/db";
import { conflict } from "@/lib/errors";
import type { InventoryPage } from "@/lib/protocol/inventory";

export interface PageOutcome {
  /** This was the last page: the inventory is complete (the host reads "online" again). */
  done: boolean;
  /** The host's status changed with this page (a sync began on a synced host, or one ended): browsers are told. */
  statusChanged: boolean;
}

const iso = (s: string | null) => (s === null ? null : new Date(s).toISOString());

const CONCURRENT_PAGES = 4;
let writing = 0;
const queue: Array<() => void> = [];

async function inTurn<T>(f: () => Promise<T>): Promise<T> {
  if (writing >= CONCURRENT_PAGES) await new Promise<void>((r) => queue.push(r));
  writing++;
  try {
    return await f();
  } finally {
    writing--;
    queue.shift()?.();
  }
}

/** `stillWanted` is asked once the page's turn comes: a page whose agent has gone meanwhile is not written. */
export function recordInventoryPage(hostId: number, page: InventoryPage, stillWanted: () => boolean = () => true, now?: Date): Promise<PageOutcome> {
  return inTurn(async () => {
    if (!stillWanted()) throw conflict(`the connection that sent inventory page ${page.index} closed before it was written`);
    return writePage(hostId, page, now ?? new Date());
  });
}

async function writePage(hostId: number, page: InventoryPage, now: Date): Promise<PageOutcome> {
  const { syncId, index, last } = page;
  const at = now.toISOString(); // timestamps are UTC wall times in timestamp(3) columns, as Prisma writes them
  const containers = page.containers.map((c) => ({ ...c, createdAt: iso(c.createdAt), startedAt: iso(c.startedAt), finishedAt: iso(c.finishedAt), labelsOmitted: c.labelsOmitted ?? 0 }));
  const images = page.images.map((i) => ({ ...i, createdAt: iso(i.createdAt) }));
  // Whether the host read "syncing" before this page (a page after the first always follows one that made it so).
  let syncingBefore = index > 0;
  await db.$transaction(
    async (tx) => {
      // A first page starts the host's sync over: whatever sync was in progress (or failed) is superseded.
      if (index === 0) {
        const rows = await tx.$queryRaw<{ before: Date | null }[]>`
          UPDATE "Host" h SET "syncId" = ${syncId}, "syncPages" = 0, "syncStartedAt" = (${at}::timestamptz AT TIME ZONE 'UTC'), "syncError" = NULL
          FROM (SELECT id, "syncStartedAt" AS before FROM "Host" WHERE id = ${hostId} FOR UPDATE) old
          WHERE h.id = old.id AND h."revokedAt" IS NULL RETURNING old.before`;
        syncingBefore = rows[0]?.before != null;
      }
      const claimed = await tx.$executeRaw`UPDATE "Host" SET "syncPages" = "syncPages" + 1 WHERE id = ${hostId} AND "revokedAt" IS NULL AND "syncId" = ${syncId} AND "syncPages" = ${index}`;
      if (claimed !== 1) throw conflict(`inventory page ${index} of sync ${syncId} is out of order or its sync was superseded; start the sync over`);
      if (containers.length) {
        await tx.$executeRaw`
          INSERT INTO "Container" ("id", "hostId", "containerId", "name", "image", "imageId", "command", "state", "labels", "ports", "exitCode", "createdAt", "startedAt", "finishedAt", "updatedAt", "labelsOmitted", "syncId")
          SELECT gen_random_uuid()::text, ${hostId}, x."id", x."name", x."image", x."imageId", x."command", x."state", x."labels", x."ports", x."exitCode",
                 (x."createdAt"::timestamptz AT TIME ZONE 'UTC'), (x."startedAt"::timestamptz AT TIME ZONE 'UTC'), (x."finishedAt"::timestamptz AT TIME ZONE 'UTC'),
                 (${at}::timestamptz AT TIME ZONE 'UTC'), x."labelsOmitted", ${syncId}
          FROM jsonb_to_recordset(${JSON.stringify(containers)}::jsonb) AS x("id" text, "name" text, "image" text, "imageId" text, "command" text, "state" text,
               "labels" jsonb, "ports" jsonb, "exitCode" int, "createdAt" text, "startedAt" text, "finishedAt" text, "labelsOmitted" int)
          ON CONFLICT ("hostId", "containerId") DO UPDATE SET
            "name" = EXCLUDED."name", "image" = EXCLUDED."image", "imageId" = EXCLUDED."imageId", "command" = EXCLUDED."command", "state" = EXCLUDED."state",
            "labels" = EXCLUDED."labels", "ports" = EXCLUDED."ports", "exitCode" = EXCLUDED."exitCode", "createdAt" = EXCLUDED."createdAt",
            "startedAt" = EXCLUDED."startedAt", "finishedAt" = EXCLUDED."finishedAt", "updatedAt" = EXCLUDED."updatedAt",
            "labelsOmitted" = EXCLUDED."labelsOmitted", "syncId" = EXCLUDED."syncId"`;
      }
      if (images.length) {
        await tx.$executeRaw`
          INSERT INTO "Image" ("id", "hostId", "imageId", "repoTags", "sizeBytes", "createdAt", "updatedAt", "syncId")
          SELECT gen_random_uuid()::text, ${hostId}, x."id", ARRAY(SELECT jsonb_array_elements_text(x."repoTags")), round(x."sizeBytes")::bigint,
                 (x."createdAt"::timestamptz AT TIME ZONE 'UTC'), (${at}::timestamptz AT TIME ZONE 'UTC'), ${syncId}
          FROM jsonb_to_recordset(${JSON.stringify(images)}::jsonb) AS x("id" text, "repoTags" jsonb, "sizeBytes" numeric, "createdAt" text)
          ON CONFLICT ("hostId", "imageId") DO UPDATE SET
            "repoTags" = EXCLUDED."repoTags", "sizeBytes" = EXCLUDED."sizeBytes", "createdAt" = EXCLUDED."createdAt", "updatedAt" = EXCLUDED."updatedAt", "syncId" = EXCLUDED."syncId"`;
      }
      if (last) {
        await tx.$executeRaw`DELETE FROM "Container" WHERE "hostId" = ${hostId} AND "syncId" IS DISTINCT FROM ${syncId}`;
        await tx.$executeRaw`DELETE FROM "Image" WHERE "hostId" = ${hostId} AND "syncId" IS DISTINCT FROM ${syncId}`;
        await tx.$executeRaw`UPDATE "Host" SET "syncId" = NULL, "syncPages" = 0, "syncStartedAt" = NULL, "syncedAt" = (${at}::timestamptz AT TIME ZONE 'UTC'), "syncError" = NULL WHERE id = ${hostId} AND "syncId" = ${syncId}`;
      }
    },
    { timeout: 15_000, maxWait: 10_000 },
  );
  return { done: last, statusChanged: syncingBefore === last };
}
