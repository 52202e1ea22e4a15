-- Host credentials can be rotated (lib/hosts/rotate-credential.ts): the new credential's hash waits here until the
-- agent confirms it has stored it, or first connects with it.

-- AlterTable
ALTER TABLE "Host" ADD COLUMN "pendingCredentialHash" TEXT,
ADD COLUMN "credentialRotatedAt" TIMESTAMP(3);

-- CreateIndex
CREATE UNIQUE INDEX "Host_pendingCredentialHash_key" ON "Host"("pendingCredentialHash");
