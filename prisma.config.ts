// Prisma CLI configuration. The schema is split by domain under prisma/schema/. Migrations are plain SQL in Prisma's
// folder layout, applied at start by server/db/migrate.ts (and valid for `prisma migrate deploy` where the engine exists).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://gantry@localhost:5432/gantry" },
});
