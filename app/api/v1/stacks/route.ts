// GET /api/v1/stacks — every compose stack (?namespace= for one) with its status. POST — deploy a compose file as a
// stack, or redeploy it in place (objects updated by name, those the file no longer has deleted).
import { withAuth } from "@/lib/http/with-auth";
import { authorizeNamespace } from "@/lib/auth/policy";
import { parseJson, parseQuery } from "@/lib/http/parse";
import { listStacks } from "@/lib/stacks/list-stacks";
import { deployStack } from "@/lib/stacks/deploy-stack";
import { listStacksQuery, MAX_STACK_BODY_BYTES, stackBody } from "@/lib/stacks/schemas";

export const dynamic = "force-dynamic";

export const GET = withAuth(async ({ req, actor }) => listStacks(actor, parseQuery(req, listStacksQuery)), { permission: "k8s.read", scope: "somewhere" });

export const POST = withAuth(
  async ({ req, actor }) => {
    const body = await parseJson(req, stackBody, MAX_STACK_BODY_BYTES);
    authorizeNamespace(actor, "k8s.write", body.namespace);
    return deployStack(actor, body);
  },
  { permission: "k8s.write", scope: "somewhere" },
);
