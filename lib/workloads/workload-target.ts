// Which workload /logs follows, from its address: `deployment={namespace}/{name}`, or `namespace={namespace}` with
// `selector={label selector}` (as the Kubernetes API's labelSelector takes it, checked by the same parser). Null when
// the address names none; a reason naming the parameter when it names one badly.
import { parseLabelSelector } from "@/lib/k8s/selectors";
import { NameParam, NamespaceParam } from "./params";

export type WorkloadTarget = { namespace: string; deployment: string } | { namespace: string; selector: string };

type Query = Record<string, string | string[] | undefined>;

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export function parseWorkloadTarget(q: Query): { ok: true; target: WorkloadTarget } | { ok: false; error: string } | null {
  const deployment = one(q.deployment);
  const selector = one(q.selector);
  if (deployment !== undefined) {
    const [ns, name, ...rest] = deployment.split("/");
    if (rest.length || !NamespaceParam.safeParse(ns).success || !NameParam.safeParse(name).success) {
      return { ok: false, error: `deployment: "${deployment.slice(0, 120)}" is not {namespace}/{name}` };
    }
    return { ok: true, target: { namespace: ns!, deployment: name! } };
  }
  if (selector === undefined) return null;
  const namespace = one(q.namespace) ?? "";
  if (!NamespaceParam.safeParse(namespace).success) return { ok: false, error: `namespace: "${namespace.slice(0, 80)}" is not a namespace (a selector needs one)` };
  if (!selector.trim()) return { ok: false, error: "selector: empty (it would select every pod of the namespace)" };
  try {
    parseLabelSelector(selector);
  } catch (e) {
    return { ok: false, error: `selector: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { ok: true, target: { namespace, selector: selector.trim() } };
}
