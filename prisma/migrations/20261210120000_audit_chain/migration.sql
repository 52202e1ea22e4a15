-- The audit trail (lib/activity/audit-chain.ts): each ActivityRecord row is sealed into one hash chain when written
-- (seq, prevHash, hash, seal), a mutation's outcome is its own sealed row (completes), and the database refuses to
-- change or delete a sealed row. What may still change: the seal written into a row just inserted (hash from NULL),
-- and an intent's outcome once from "pending" and its details' "summary" — the view readers use, checked by
-- `gantry audit verify` against the outcome rows. Deleting is only for retention pruning, which says so with
-- SET LOCAL gantry.audit_prune = 'on' and leaves an AuditCheckpoint. Rows from before this migration stay unsealed.

-- AlterTable
ALTER TABLE "ActivityRecord" ADD COLUMN "completes" INTEGER,
ADD COLUMN "seq" INTEGER,
ADD COLUMN "prevHash" TEXT,
ADD COLUMN "hash" TEXT,
ADD COLUMN "seal" JSONB;

-- CreateIndex
CREATE UNIQUE INDEX "ActivityRecord_seq_key" ON "ActivityRecord"("seq");
CREATE INDEX "ActivityRecord_completes_idx" ON "ActivityRecord"("completes");

-- CreateTable
CREATE TABLE "AuditChainHead" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "seq" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditChainHead_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditCheckpoint" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "seq" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "pruned" INTEGER NOT NULL,
    "olderThan" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AuditCheckpoint_pkey" PRIMARY KEY ("id")
);

-- The chain's genesis: seq 0, a hash of zeros.
INSERT INTO "AuditChainHead" ("id", "seq", "hash") VALUES (1, 0, repeat('0', 64));

CREATE FUNCTION gantry_activity_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD."seq" IS NULL OR current_setting('gantry.audit_prune', true) = 'on' THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'ActivityRecord % is sealed: the audit trail is append-only (only retention pruning deletes)', OLD."id"
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD."seq" IS NULL THEN
    RETURN NEW;
  END IF;
  -- Sealing a row just inserted in the same chain turn.
  IF OLD."hash" IS NULL
     AND (NEW."id", NEW."at", NEW."userId", NEW."userEmail", NEW."tokenId", NEW."action", NEW."target", NEW."outcome",
          NEW."ip", NEW."userAgent", NEW."details", NEW."completes", NEW."seq", NEW."prevHash")
         IS NOT DISTINCT FROM
         (OLD."id", OLD."at", OLD."userId", OLD."userEmail", OLD."tokenId", OLD."action", OLD."target", OLD."outcome",
          OLD."ip", OLD."userAgent", OLD."details", OLD."completes", OLD."seq", OLD."prevHash") THEN
    RETURN NEW;
  END IF;
  -- An intent's view of its outcome: the outcome once from "pending", and details' "summary".
  IF OLD."hash" IS NOT NULL
     AND (NEW."id", NEW."at", NEW."userId", NEW."userEmail", NEW."tokenId", NEW."action", NEW."target",
          NEW."ip", NEW."userAgent", NEW."completes", NEW."seq", NEW."prevHash", NEW."hash", NEW."seal")
         IS NOT DISTINCT FROM
         (OLD."id", OLD."at", OLD."userId", OLD."userEmail", OLD."tokenId", OLD."action", OLD."target",
          OLD."ip", OLD."userAgent", OLD."completes", OLD."seq", OLD."prevHash", OLD."hash", OLD."seal")
     AND (NEW."outcome" = OLD."outcome" OR OLD."outcome" = 'pending')
     AND jsonb_typeof(OLD."details") = 'object' AND jsonb_typeof(NEW."details") = 'object'
     AND (NEW."details" - 'summary') = (OLD."details" - 'summary') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'ActivityRecord % is sealed: the audit trail is append-only', OLD."id"
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "ActivityRecord_append_only" BEFORE UPDATE OR DELETE ON "ActivityRecord"
  FOR EACH ROW EXECUTE FUNCTION gantry_activity_append_only();

CREATE FUNCTION gantry_audit_checkpoint_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit checkpoints are append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "AuditCheckpoint_append_only" BEFORE UPDATE OR DELETE ON "AuditCheckpoint"
  FOR EACH ROW EXECUTE FUNCTION gantry_audit_checkpoint_append_only();
