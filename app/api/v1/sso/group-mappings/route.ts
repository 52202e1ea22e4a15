// PUT /api/v1/sso/group-mappings — replaces the identity provider group → team mappings synced at each sign-in.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { groupMappingsBody } from "@/lib/auth/oidc/schemas";
import { setGroupMappings } from "@/lib/auth/oidc/set-group-mappings";

export const dynamic = "force-dynamic";

export const PUT = withAuth(async ({ req, actor }) => ({ mappings: await setGroupMappings(actor, await parseJson(req, groupMappingsBody)) }), { permission: "users.manage" });
