// One transaction-scoped advisory lock serialises the changes whose rules span several users: creating the first
// owner (only while nobody exists) and demoting or disabling an owner (never the last one).
import type { Db } from "@/lib/db";

const USERS_LOCK_KEY = 72707370; // arbitrary, constant; migrations use 72707369

type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

export async function lockUsers(tx: Tx): Promise<void> {
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(${USERS_LOCK_KEY}::bigint)::text AS locked`;
}
