-- Sign-in back-off moves from the account to (source address, account): a lock on the user row let anyone lock the
-- owner out, and told which emails had accounts.

-- AlterTable
ALTER TABLE "User" DROP COLUMN "failedLogins",
DROP COLUMN "lockedUntil";

-- CreateTable
CREATE TABLE "SignInThrottle" (
    "address" TEXT NOT NULL,
    "account" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SignInThrottle_pkey" PRIMARY KEY ("address","account")
);

-- CreateIndex
CREATE INDEX "SignInThrottle_account_idx" ON "SignInThrottle"("account");

-- CreateIndex
CREATE INDEX "SignInThrottle_updatedAt_idx" ON "SignInThrottle"("updatedAt");
