// GET /api/v1/audit/verify — walks the audit chain and reports the first broken link (a row altered or deleted).
import { withAuth } from "@/lib/http/with-auth";
import { verifyAuditChain } from "@/lib/activity/verify-audit-chain";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ actor }) => verifyAuditChain(actor), { permission: "activity.read" });
