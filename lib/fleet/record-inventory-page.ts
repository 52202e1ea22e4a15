// Records pages of hosts' inventory syncs (lib/protocol/inventory.ts). Page 0 begins a sync, each page must be the
// next one of its host's current sync (a late page of a superseded sync is refused), its containers and images are
// upserted, and the last page drops what that sync did not report and marks the host synced (it reads "online" again).
//
// Built for a fleet reconnecting at once: pages wait in one bounded queue and are written in batches — one statement
// claims the next page of every host in the batch, upserts all their containers and images and drops what the last
// pages did not report (no interactive transaction, no connection held between statements), with at most WRITERS
// batches at a time, so heartbeats and requests keep their connections. A page that finds the queue full is refused
// at once with when to send it again ("retry after N ms": the time the queue ahead takes at the recent pace), which
// agents honour with jitter — nothing waits on a database connection until it times out. A batch that fails is
// written again page by page, so one bad page fails alone.
import { db } from "@/lib/db";
import { busy, conflict } from "@/lib/errors";
import { ReturnSlots } from "@/lib/admission/return-slots";
import { Throughput } from "@/lib/admission/throughput";
import { admissionLimits } from "@/lib/admission/limits";
import type { InventoryPage } from "@/lib/protocol/inventory";
import { toHostView, type HostView } from "@/lib/hosts/host-view";

export interface PageOutcome {
  /** This was the last page: the inventory is complete (the host reads "online" again). */
  done: boolean;
  /** The host's status changed with this page (a sync began on a synced host, or one ended): browsers are told. */
  statusChanged: boolean;
  /** The host as this page left it. */
  host: HostView;
}

/** Batches written at once (each one statement on one connection). */
const WRITERS = 2;
/** A batch holds at most this many pages (one per host) and this many bytes of rows. */
const BATCH_PAGES = 250;
const BATCH_BYTES = 4 << 20;
/** The queue holds at most GANTRY_INVENTORY_QUEUE pages (2,000) and 16 MiB; past that, pages are refused with a "retry after". */
const QUEUE_BYTES = 16 << 20;

interface Queued {
  hostId: number;
  syncId: string;
  index: number;
  last: boolean;
  /** The page's container and image rows as JSON objects separated by commas (each names its host). */
  containers: string;
  images: string;
  bytes: number;
  stillWanted: () => boolean;
  resolve: (o: PageOutcome) => void;
  reject: (e: unknown) => void;
}

const queue: Queued[] = [];
let queuedBytes = 0;
let writers = 0;
/** Hosts with a page being written: a host's next page waits for its previous one. */
const writing = new Set<number>();
/** The pages a second the writers manage (WRITERS batches at once, each taking what it took). */
const pace = new Throughput(WRITERS, 500);
const slots = new ReturnSlots(pace);

const iso = (s: string | null) => (s === null ? null : new Date(s).toISOString());

/** How many pages wait (for tests and the benchmark's figures). */
export const inventoryQueueDepth = () => queue.length;

/**
 * Queues the page and resolves once it is written. Throws a BusyError (nothing recorded) when the queue is full.
 * `stillWanted` is asked when the page's turn comes: a page whose agent has gone meanwhile is not written.
 */
export function recordInventoryPage(hostId: number, page: InventoryPage, stillWanted: () => boolean = () => true): Promise<PageOutcome> {
  // Rows as the statement reads them, made once here: the parsed page is not kept while it waits. The same id twice
  // in one page counts once (the last), as one statement may not upsert a row twice.
  const containers = [
    ...new Map(
      page.containers.map((c) => [
        c.id,
        JSON.stringify({ ...c, h: hostId, createdAt: iso(c.createdAt), startedAt: iso(c.startedAt), finishedAt: iso(c.finishedAt), labelsOmitted: c.labelsOmitted ?? 0 }),
      ]),
    ).values(),
  ].join(",");
  const images = [...new Map(page.images.map((i) => [i.id, JSON.stringify({ ...i, h: hostId, createdAt: iso(i.createdAt) })])).values()].join(",");
  const bytes = containers.length + images.length + 64;
  if (queue.length >= admissionLimits().inventoryQueue || queuedBytes + bytes > QUEUE_BYTES) {
    const ms = slots.take(queue.length, 1_000, 30_000);
    return Promise.reject(busy(`the control plane is writing ${queue.length} inventory pages of other hosts: send this one again in ${Math.ceil(ms / 1000)} s`, ms));
  }
  return new Promise<PageOutcome>((resolve, reject) => {
    queue.push({ hostId, syncId: page.syncId, index: page.index, last: page.last, containers, images, bytes, stillWanted, resolve, reject });
    queuedBytes += bytes;
    pump();
  });
}

function pump() {
  while (writers < WRITERS && queue.length) {
    const batch: Queued[] = [];
    let bytes = 0;
    for (let i = 0; i < queue.length && batch.length < BATCH_PAGES; ) {
      const q = queue[i]!;
      if (writing.has(q.hostId) || (batch.length && bytes + q.bytes > BATCH_BYTES)) {
        i++;
        continue;
      }
      queue.splice(i, 1);
      queuedBytes -= q.bytes;
      if (!q.stillWanted()) {
        q.reject(conflict(`the connection that sent inventory page ${q.index} closed before it was written`));
        continue;
      }
      batch.push(q);
      writing.add(q.hostId);
      bytes += q.bytes;
    }
    if (!batch.length) return;
    writers++;
    const startedAt = Date.now();
    void writeBatch(batch).finally(() => {
      writers--;
      for (const q of batch) writing.delete(q.hostId);
      pace.done(batch.length, Date.now() - startedAt);
      pump();
    });
  }
}

async function writeBatch(batch: Queued[]) {
  try {
    settle(batch, await writePages(batch));
  } catch (e) {
    if (batch.length === 1) return batch[0]!.reject(e);
    for (const q of batch) {
      try {
        settle([q], await writePages([q]));
      } catch (e) {
        q.reject(e);
      }
    }
  }
}

type Claimed = Parameters<typeof toHostView>[0] & { before: Date | null };

function settle(batch: Queued[], claimed: Map<number, Claimed>) {
  for (const q of batch) {
    const row = claimed.get(q.hostId);
    if (!row) {
      q.reject(conflict(`inventory page ${q.index} of sync ${q.syncId} is out of order or its sync was superseded; start the sync over`));
      continue;
    }
    // Whether the host read "syncing" before this page (a page after the first always follows one that made it so).
    const syncingBefore = q.index > 0 || row.before !== null;
    q.resolve({ done: q.last, statusChanged: syncingBefore === q.last, host: toHostView(row) });
  }
}

/** One statement for the pages of several hosts; resolves with the hosts whose page was claimed, as the page left them. */
async function writePages(batch: Queued[]): Promise<Map<number, Claimed>> {
  const at = new Date().toISOString(); // timestamps are UTC wall times in timestamp(3) columns, as Prisma writes them
  const pages = JSON.stringify(batch.map((q) => ({ h: q.hostId, syncId: q.syncId, index: q.index, last: q.last })));
  const containers = `[${batch.map((q) => q.containers).filter(Boolean).join(",")}]`;
  const images = `[${batch.map((q) => q.images).filter(Boolean).join(",")}]`;
  // Host rows are locked in id order (two batches never share a host; other multi-row writers meet them in order).
  // Rows this batch upserts are kept out of the deletes, so no row is written twice by the one statement.
  const rows = await db.$queryRawUnsafe<Claimed[]>(
    `WITH n AS (SELECT ($4::timestamptz AT TIME ZONE 'UTC') AS at),
     p AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS p("h" int, "syncId" text, "index" int, "last" boolean)),
     old AS (SELECT h.id, h."syncStartedAt" AS before FROM "Host" h WHERE h.id IN (SELECT p.h FROM p) ORDER BY h.id FOR UPDATE),
     claimed AS (
       UPDATE "Host" h SET
         "syncId" = CASE WHEN p.last THEN NULL ELSE p."syncId" END,
         "syncPages" = CASE WHEN p.last THEN 0 ELSE p.index + 1 END,
         "syncStartedAt" = CASE WHEN p.last THEN NULL WHEN p.index = 0 THEN COALESCE(h."syncStartedAt", n.at) ELSE h."syncStartedAt" END,
         "syncedAt" = CASE WHEN p.last THEN n.at ELSE h."syncedAt" END,
         "syncError" = CASE WHEN p.index = 0 OR p.last THEN NULL ELSE h."syncError" END
       FROM p JOIN old ON old.id = p.h, n
       WHERE h.id = p.h AND h."revokedAt" IS NULL AND (p.index = 0 OR (h."syncId" = p."syncId" AND h."syncPages" = p.index))
       RETURNING h.id, p."syncId", p.last, old.before, h.name, h.status::text AS status, h."statusChangedAt", h."lastSeenAt", h."connectedAt",
         h.facts, h."agentVersion", h."engineVersion", h."revokedAt", h."createdAt", h."syncStartedAt", h."syncPages", h."syncedAt", h."syncError"),
     c AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS x("h" int, "id" text, "name" text, "image" text, "imageId" text, "command" text, "state" text,
           "labels" jsonb, "ports" jsonb, "exitCode" int, "createdAt" text, "startedAt" text, "finishedAt" text, "labelsOmitted" int)),
     c_up AS (
       INSERT INTO "Container" ("id", "hostId", "containerId", "name", "image", "imageId", "command", "state", "labels", "ports", "exitCode",
                                "createdAt", "startedAt", "finishedAt", "updatedAt", "labelsOmitted", "syncId")
       SELECT gen_random_uuid()::text, c.h, c."id", c."name", c."image", c."imageId", c."command", c."state", c."labels", c."ports", c."exitCode",
              (c."createdAt"::timestamptz AT TIME ZONE 'UTC'), (c."startedAt"::timestamptz AT TIME ZONE 'UTC'), (c."finishedAt"::timestamptz AT TIME ZONE 'UTC'),
              n.at, c."labelsOmitted", claimed."syncId"
       FROM c JOIN claimed ON claimed.id = c.h, n
       ON CONFLICT ("hostId", "containerId") DO UPDATE SET
         "name" = EXCLUDED."name", "image" = EXCLUDED."image", "imageId" = EXCLUDED."imageId", "command" = EXCLUDED."command", "state" = EXCLUDED."state",
         "labels" = EXCLUDED."labels", "ports" = EXCLUDED."ports", "exitCode" = EXCLUDED."exitCode", "createdAt" = EXCLUDED."createdAt",
         "startedAt" = EXCLUDED."startedAt", "finishedAt" = EXCLUDED."finishedAt", "updatedAt" = EXCLUDED."updatedAt",
         "labelsOmitted" = EXCLUDED."labelsOmitted", "syncId" = EXCLUDED."syncId"),
     c_gone AS (
       DELETE FROM "Container" d USING claimed
       WHERE claimed.last AND d."hostId" = claimed.id AND d."syncId" IS DISTINCT FROM claimed."syncId"
         AND NOT EXISTS (SELECT 1 FROM c WHERE c.h = d."hostId" AND c."id" = d."containerId")),
     i AS (SELECT * FROM jsonb_to_recordset($3::jsonb) AS x("h" int, "id" text, "repoTags" jsonb, "sizeBytes" numeric, "createdAt" text)),
     i_up AS (
       INSERT INTO "Image" ("id", "hostId", "imageId", "repoTags", "sizeBytes", "createdAt", "updatedAt", "syncId")
       SELECT gen_random_uuid()::text, i.h, i."id", ARRAY(SELECT jsonb_array_elements_text(i."repoTags")), round(i."sizeBytes")::bigint,
              (i."createdAt"::timestamptz AT TIME ZONE 'UTC'), n.at, claimed."syncId"
       FROM i JOIN claimed ON claimed.id = i.h, n
       ON CONFLICT ("hostId", "imageId") DO UPDATE SET
         "repoTags" = EXCLUDED."repoTags", "sizeBytes" = EXCLUDED."sizeBytes", "createdAt" = EXCLUDED."createdAt", "updatedAt" = EXCLUDED."updatedAt", "syncId" = EXCLUDED."syncId"),
     i_gone AS (
       DELETE FROM "Image" d USING claimed
       WHERE claimed.last AND d."hostId" = claimed.id AND d."syncId" IS DISTINCT FROM claimed."syncId"
         AND NOT EXISTS (SELECT 1 FROM i WHERE i.h = d."hostId" AND i."id" = d."imageId"))
     SELECT id, before, name, status, "statusChangedAt", "lastSeenAt", "connectedAt", facts, "agentVersion", "engineVersion", "revokedAt", "createdAt",
            "syncStartedAt", "syncPages", "syncedAt", "syncError" FROM claimed`,
    pages,
    containers,
    images,
    at,
  );
  return new Map(rows.map((r) => [r.id, r]));
}
