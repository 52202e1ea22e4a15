-- AlterTable: the name a host gets when it joins with the token, and revocation before use.
-- IF NOT EXISTS: databases that ran the branch before it landed applied this under 20261124130000_join_token_names.
ALTER TABLE "JoinToken" ADD COLUMN IF NOT EXISTS "hostName" TEXT,
ADD COLUMN IF NOT EXISTS "revokedAt" TIMESTAMP(3);
