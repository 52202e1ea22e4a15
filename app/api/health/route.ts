// GET /api/health — 200 with the database's status once the control plane is ready (503 from server.ts before).
import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

export async function GET() {
  const started = Date.now();
  try {
    await db.$queryRaw`SELECT 1`;
    return Response.json({ status: "ok", database: { status: "ok", latencyMs: Date.now() - started } });
  } catch {
    return Response.json({ status: "degraded", database: { status: "unreachable" } }, { status: 503 });
  }
}
