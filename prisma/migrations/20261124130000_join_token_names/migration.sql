-- AlterTable: the name a host gets when it joins with the token, and revocation before use.
ALTER TABLE "JoinToken" ADD COLUMN "hostName" TEXT,
ADD COLUMN "revokedAt" TIMESTAMP(3);
