// GET /api/v1/stacks: every stack (or those of one namespace) with its status from its Deployments.
import { stackObjects } from "./stack-kinds";
import { groupByStack, stackSummaryOf } from "./stack-view";
import type { StackSummary } from "./schemas";

export async function listStacks(query: { namespace?: string }): Promise<{ items: StackSummary[] }> {
  const groups = groupByStack(await stackObjects(query.namespace));
  const items = [...groups.entries()].map(([key, objects]) => {
    const [namespace, name] = key.split("/") as [string, string];
    return stackSummaryOf(namespace, name, objects);
  });
  items.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  return { items };
}
