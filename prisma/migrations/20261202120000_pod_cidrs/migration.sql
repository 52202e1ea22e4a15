-- AlterTable: each host's share of the cluster's pod network (issue 14), unique so two hosts never hold one, and when
-- the host last took the overlay's state.
ALTER TABLE "Host" ADD COLUMN "podCIDR" TEXT,
ADD COLUMN "networkSyncedAt" TIMESTAMP(3);

-- CreateIndex
CREATE UNIQUE INDEX "Host_podCIDR_key" ON "Host"("podCIDR");
