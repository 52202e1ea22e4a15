-- The inventory arrives in pages: the host remembers the sync in progress (its id, the pages accepted, when it began),
-- the last completed sync and the last failure; each container and image row names the sync that last reported it, so
-- the last page drops what that sync did not report.
ALTER TABLE "Host" ADD COLUMN "syncId" TEXT,
ADD COLUMN "syncPages" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "syncStartedAt" TIMESTAMP(3),
ADD COLUMN "syncedAt" TIMESTAMP(3),
ADD COLUMN "syncError" TEXT;

ALTER TABLE "Container" ADD COLUMN "syncId" TEXT,
ADD COLUMN "labelsOmitted" INTEGER NOT NULL DEFAULT 0;

ALTER TABLE "Image" ADD COLUMN "syncId" TEXT;

CREATE INDEX "Container_hostId_syncId_idx" ON "Container"("hostId", "syncId");
