// GET /api/v1/stacks: every stack (or those of one namespace) with its status from its Deployments — those in the
// namespaces the actor may read.
import type { Actor } from "@/lib/auth/policy";
import { keepVisible, visibleNamespaces } from "@/lib/k8s/visible-namespaces";
import { stackObjects } from "./stack-kinds";
import { groupByStack, stackSummaryOf } from "./stack-view";
import type { StackSummary } from "./schemas";

export async function listStacks(actor: Actor, query: { namespace?: string }): Promise<{ items: StackSummary[] }> {
  const visible = visibleNamespaces(actor, "k8s.read", query.namespace);
  const groups = groupByStack(await stackObjects(query.namespace));
  const items = [...groups.entries()].map(([key, objects]) => {
    const [namespace, name] = key.split("/") as [string, string];
    return stackSummaryOf(namespace, name, objects);
  });
  items.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  return { items: keepVisible(items, visible) };
}
