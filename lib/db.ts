// The one Prisma client. Secrets (password hashes, host credential and join token hashes, the sealed OIDC client secret) are omitted from every query unless a caller asks for them by name.
// Created on first use: DATABASE_URL is set by server/server.ts (embedded Postgres or the operator's) at start-up, and
// `next build` imports route modules without a database.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { admissionLimits } from "@/lib/admission/limits";

function createClient() {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set: the database was used before the server started it");
  return new PrismaClient({
    // Sized for the work (lib/admission/limits.ts): inventory batches and joins have bounded queues of their own, so the
    // pool serves them and every request and agent message without a storm taking it all.
    adapter: new PrismaPg({ connectionString, max: admissionLimits().dbPool }),
    // A transaction waits up to 10 s for a connection while a fleet reconnects (Prisma's 2 s made requests fail).
    transactionOptions: { maxWait: 10_000, timeout: 15_000 },
    omit: { user: { passwordHash: true }, host: { credentialHash: true, pendingCredentialHash: true }, joinToken: { tokenHash: true }, oidcConfig: { clientSecretSealed: true } },
  });
}

export type Db = ReturnType<typeof createClient>;

const globalForDb = globalThis as unknown as { __gantryDb?: Db };

export const db: Db = new Proxy({} as Db, {
  get(_target, prop) {
    const client = (globalForDb.__gantryDb ??= createClient());
    const value = Reflect.get(client, prop, client);
    return typeof value === "function" ? value.bind(client) : value;
  },
});
