// GET /api/v1/host-groups — every host group with its hosts. POST {name, description?, hostIds?} — create one.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { createHostGroupSchema } from "@/lib/host-groups/schemas";
import { listHostGroups } from "@/lib/host-groups/list-host-groups";
import { createHostGroup } from "@/lib/host-groups/create-host-group";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ actor }) => ({ hostGroups: await listHostGroups(actor) }), { permission: "users.read" });

export const POST = withAuth(async ({ req, actor }) => createHostGroup(actor, await parseJson(req, createHostGroupSchema)), { permission: "users.manage", status: 201 });
