-- CreateEnum
CREATE TYPE "CommandStatus" AS ENUM ('running', 'done', 'failed');

-- CreateEnum
CREATE TYPE "QueuedCommandStatus" AS ENUM ('queued', 'running', 'done', 'failed');

-- CreateTable
CREATE TABLE "CommandResult" (
    "id" TEXT NOT NULL,
    "hostId" INTEGER NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" "CommandStatus" NOT NULL DEFAULT 'running',
    "result" JSONB,
    "error" JSONB,
    "actorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "CommandResult_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "QueuedCommand" (
    "id" TEXT NOT NULL,
    "seq" SERIAL NOT NULL,
    "hostId" INTEGER NOT NULL,
    "command" JSONB NOT NULL,
    "actorId" TEXT,
    "idempotencyKey" TEXT,
    "status" "QueuedCommandStatus" NOT NULL DEFAULT 'queued',
    "result" JSONB,
    "error" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "QueuedCommand_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "CommandResult_hostId_idempotencyKey_key" ON "CommandResult"("hostId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "CommandResult_createdAt_idx" ON "CommandResult"("createdAt");

-- CreateIndex
CREATE INDEX "QueuedCommand_hostId_status_seq_idx" ON "QueuedCommand"("hostId", "status", "seq");
