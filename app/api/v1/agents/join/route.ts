// POST /api/v1/agents/join — an agent trades a single-use join token for its host credential (no session: the token
// is the proof). Forged → 401, already used → 409, expired → 410, each with the reason.
import { withoutAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { JoinRequest } from "@/lib/protocol";
import { joinHost } from "@/lib/hosts/join-host";

export const dynamic = "force-dynamic";

export const POST = withoutAuth(async (req) => joinHost(await parseJson(req, JoinRequest)), { status: 201 });
