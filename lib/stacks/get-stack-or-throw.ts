// GET /api/v1/stacks/{namespace}/{name}: one stack — its services and status, its objects, and the compose file and
// env files it was deployed from.
import { notFound } from "@/lib/errors";
import { stackObjects } from "./stack-kinds";
import { stackDetailOf } from "./stack-view";
import type { StackDetail } from "./schemas";

export async function getStackOrThrow(namespace: string, name: string): Promise<StackDetail> {
  const objects = await stackObjects(namespace, name);
  if (!objects.length) throw notFound(`stack ${namespace}/${name}`);
  return stackDetailOf(namespace, name, objects);
}
