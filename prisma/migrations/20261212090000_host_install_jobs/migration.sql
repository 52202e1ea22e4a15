-- Hosts added over SSH (issue 18): the install job, step by step, and the host key pinned for the host it made.
-- Credentials are used in memory for the job and never stored.

-- CreateEnum
CREATE TYPE "HostInstallState" AS ENUM ('queued', 'running', 'awaiting-host-key', 'succeeded', 'failed', 'cancelled');

-- AlterTable
ALTER TABLE "Host" ADD COLUMN "sshHostKey" TEXT,
ADD COLUMN "sshAddress" TEXT;

-- CreateTable
CREATE TABLE "HostInstallJob" (
    "id" TEXT NOT NULL,
    "startedById" TEXT,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "username" TEXT NOT NULL,
    "jump" TEXT,
    "name" TEXT,
    "serverUrl" TEXT NOT NULL,
    "hostKey" TEXT,
    "presentedHostKey" TEXT,
    "state" "HostInstallState" NOT NULL DEFAULT 'queued',
    "steps" JSONB NOT NULL DEFAULT '[]',
    "reason" TEXT,
    "hostId" INTEGER,
    "joinTokenId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "HostInstallJob_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "HostInstallJob_state_idx" ON "HostInstallJob"("state");

-- AddForeignKey
ALTER TABLE "HostInstallJob" ADD CONSTRAINT "HostInstallJob_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE SET NULL ON UPDATE CASCADE;
