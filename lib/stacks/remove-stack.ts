// DELETE /api/v1/stacks/{namespace}/{name}: removes everything the stack made — its Deployments (and with them their
// ReplicaSets and pods, by the garbage collector), Services and ConfigMaps, its source last.
import type { Actor } from "@/lib/auth/policy";
import { noteActivity } from "@/lib/activity/activity-note";
import { notFound } from "@/lib/errors";
import { STACK_ROLE_LABEL } from "@/lib/compose/types";
import { deleteQuietly } from "./deploy-stack";
import { stackObjects } from "./stack-kinds";

export async function removeStack(actor: Actor, namespace: string, name: string): Promise<{ removed: Array<{ kind: string; name: string }> }> {
  noteActivity({ verb: "remove", object: `stack "${name}"`, extra: `in namespace ${namespace}` });
  const objects = await stackObjects(namespace, name);
  if (!objects.length) throw notFound(`stack ${namespace}/${name}`);
  const order = (o: (typeof objects)[number]) => (o.metadata.labels?.[STACK_ROLE_LABEL] === "source" ? 3 : ["Deployment", "Service", "ConfigMap"].indexOf(o.kind));
  const sorted = [...objects].sort((a, b) => order(a) - order(b));
  for (const o of sorted) await deleteQuietly(actor, o.kind, namespace, o.metadata.name!);
  noteActivity({ verb: "remove", object: `stack "${name}"`, extra: `in namespace ${namespace}: ${sorted.length} objects` });
  return { removed: sorted.map((o) => ({ kind: o.kind, name: o.metadata.name! })) };
}
