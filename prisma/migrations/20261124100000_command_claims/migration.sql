-- Idempotency keys belong to (actor, host, command kind), not to everyone on a host; a claim records what settles it
-- when the control plane that sent it dies (the request id the agent saw, its deadline, the sending process, the
-- activity record to complete); a mutation's activity row is written as "pending" before it runs.

-- AlterEnum
ALTER TYPE "CommandStatus" ADD VALUE 'unknown';

-- DropIndex
DROP INDEX "CommandResult_hostId_idempotencyKey_key";

-- AlterTable
ALTER TABLE "CommandResult" ADD COLUMN     "actorKey" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "activityId" INTEGER,
ADD COLUMN     "commandId" TEXT,
ADD COLUMN     "deadlineAt" TIMESTAMP(3),
ADD COLUMN     "instanceId" TEXT;

-- The key's owner for claims made before: their actor.
UPDATE "CommandResult" SET "actorKey" = COALESCE("actorId", '');
ALTER TABLE "CommandResult" ALTER COLUMN "actorKey" DROP DEFAULT;

-- CreateIndex
CREATE UNIQUE INDEX "CommandResult_hostId_actorKey_kind_idempotencyKey_key" ON "CommandResult"("hostId", "actorKey", "kind", "idempotencyKey");

-- CreateIndex
CREATE INDEX "CommandResult_hostId_status_idx" ON "CommandResult"("hostId", "status");

-- CreateIndex
CREATE INDEX "ActivityRecord_outcome_at_idx" ON "ActivityRecord"("outcome", "at");
