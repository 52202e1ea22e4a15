// DELETE …/namespaces/{ns}/{resource} (deletecollection, namespaced kinds only): every object of the kind in the
// namespace matching the selectors, in one transaction, each deleted as a DELETE of it would (finalizers, graceful
// pods, propagation). Answers the list of what was deleted.
import { authorizeKube } from "./authorize";
import { deleteStored, type DeleteOptions } from "./delete-object";
import { objectFilter, type ListInput, type ObjectList } from "./list-objects";
import type { KubeObject } from "./meta";
import { apiVersionOf } from "./resources";
import { writeTransaction } from "./store";

export async function deleteCollection(input: ListInput & { namespace: string; dryRun?: boolean; options?: DeleteOptions }): Promise<ObjectList> {
  const { actor, def, namespace } = input;
  authorizeKube(actor, def, "deletecollection", namespace);
  const filter = objectFilter(def, input.labelSelector, input.fieldSelector);
  return writeTransaction(async (w) => {
    const deleted: KubeObject[] = [];
    const all = (await w.inNamespace(namespace)).filter((o) => o.def === def).map((o) => o.object);
    for (const obj of all.filter(filter.matches)) deleted.push((await deleteStored(w, def, obj, input.options ?? {})).object);
    return { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion: deleted.at(-1)?.metadata.resourceVersion ?? "" }, items: deleted };
  }, { dryRun: input.dryRun });
}
