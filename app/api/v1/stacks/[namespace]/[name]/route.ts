// GET /api/v1/stacks/{namespace}/{name} — one stack: services, status, objects and its compose source. DELETE — remove
// everything the stack made.
import { withAuth } from "@/lib/http/with-auth";
import { parseParam } from "@/lib/http/parse";
import { getStackOrThrow } from "@/lib/stacks/get-stack-or-throw";
import { removeStack } from "@/lib/stacks/remove-stack";
import { stackParams } from "@/lib/stacks/schemas";

export const dynamic = "force-dynamic";

export const GET = withAuth(
  async ({ params }) => getStackOrThrow(parseParam(stackParams.namespace, params.namespace, "namespace"), parseParam(stackParams.name, params.name, "name")),
  { permission: "k8s.read", scope: "namespace" },
);

export const DELETE = withAuth(
  async ({ actor, params }) => removeStack(actor, parseParam(stackParams.namespace, params.namespace, "namespace"), parseParam(stackParams.name, params.name, "name")),
  { permission: "k8s.write", scope: "namespace" },
);
