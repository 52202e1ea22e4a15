// POST /api/v1/stacks/preview — a compose file's translation and a server-side dry run of every object (created,
// updated, unchanged, deleted, or refused naming the field); nothing is written.
import { withAuth } from "@/lib/http/with-auth";
import { authorizeNamespace } from "@/lib/auth/policy";
import { parseJson } from "@/lib/http/parse";
import { previewStack } from "@/lib/stacks/preview-stack";
import { MAX_STACK_BODY_BYTES, stackBody } from "@/lib/stacks/schemas";

export const dynamic = "force-dynamic";

export const POST = withAuth(
  async ({ req, actor }) => {
    const body = await parseJson(req, stackBody, MAX_STACK_BODY_BYTES);
    authorizeNamespace(actor, "k8s.write", body.namespace);
    return previewStack(actor, body);
  },
  { permission: "k8s.write", scope: "somewhere" },
);
