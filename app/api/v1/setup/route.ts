// GET /api/v1/setup — whether first-run setup is still needed. POST — create the owner (only while no user exists; 409 after).
import { withoutAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { isSetupNeeded } from "@/lib/users/is-setup-needed";
import { setupOwner } from "@/lib/users/setup-owner";
import { setupOwnerSchema } from "@/lib/users/schemas";

export const dynamic = "force-dynamic";

export const GET = withoutAuth(async () => ({ needsSetup: await isSetupNeeded() }));

export const POST = withoutAuth(async (req) => ({ user: await setupOwner(await parseJson(req, setupOwnerSchema)) }), { status: 201 });
