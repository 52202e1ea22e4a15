// GET /api/v1/host-groups/{id}; PATCH {name?, description?}; DELETE (its role bindings go with it).
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseParam } from "@/lib/http/parse";
import { hostGroupIdSchema, updateHostGroupSchema } from "@/lib/host-groups/schemas";
import { getHostGroupOrThrow } from "@/lib/host-groups/get-host-group-or-throw";
import { updateHostGroup } from "@/lib/host-groups/update-host-group";
import { deleteHostGroup } from "@/lib/host-groups/delete-host-group";

export const dynamic = "force-dynamic";

type P = { id: string };

export const GET = withAuth<P>(async ({ actor, params }) => getHostGroupOrThrow(actor, parseParam(hostGroupIdSchema, params.id, "host group id")), { permission: "users.read" });

export const PATCH = withAuth<P>(
  async ({ req, actor, params }) => updateHostGroup(actor, parseParam(hostGroupIdSchema, params.id, "host group id"), await parseJson(req, updateHostGroupSchema)),
  { permission: "users.manage" },
);

export const DELETE = withAuth<P>(async ({ actor, params }) => deleteHostGroup(actor, parseParam(hostGroupIdSchema, params.id, "host group id")), { permission: "users.manage" });
