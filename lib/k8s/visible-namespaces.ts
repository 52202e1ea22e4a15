// Which namespaces a list may show the actor: every one for a fleet-wide right, else those their bindings name. A
// namespace asked for by name that they may not see does not exist for them (404), as on every other surface.
import { namespacesFor, seesScope, type Action, type Actor } from "@/lib/auth/policy";
import { notFound } from "@/lib/errors";

/** "all", or the namespaces to keep; `wanted` (a ?namespace=) outside them is a 404. */
export function visibleNamespaces(actor: Actor, action: Action, wanted?: string): "all" | string[] {
  const allowed = namespacesFor(actor, action);
  if (wanted === undefined || allowed === "all" || allowed.includes(wanted)) return allowed;
  if (!seesScope(actor, { namespace: wanted })) throw notFound(`namespace ${wanted}`);
  return [];
}

export function keepVisible<T extends { namespace: string }>(items: T[], visible: "all" | string[]): T[] {
  return visible === "all" ? items : items.filter((i) => visible.includes(i.namespace));
}
