// The kinds a stack is made of, by their Kubernetes resource (lib/k8s/resources.ts), in the order they are created;
// deletions go the other way (Deployments first, so no pod runs without its ConfigMaps).
import { resourceByKey, type ResourceDef } from "@/lib/k8s/resources";
import { systemClient } from "@/lib/k8s/system-client";
import type { KubeObject } from "@/lib/k8s/meta";
import { STACK_LABEL } from "@/lib/compose/types";
import { GantryError, type ErrorCode } from "@/lib/errors";
import { KubeError } from "@/lib/k8s/status";

export const STACK_KINDS = [
  { kind: "ConfigMap", key: "configmaps" },
  { kind: "Service", key: "services" },
  { kind: "Deployment", key: "apps/deployments" },
] as const;

export function defOf(kind: string): ResourceDef {
  const k = STACK_KINDS.find((x) => x.kind === kind);
  const def = k && resourceByKey(k.key);
  if (!def) throw new Error(`a stack holds no ${kind}`);
  return def;
}

export const reader = systemClient("gantry-stacks");

/** Every object of the stack `name` in `namespace` (or of every stack, without a name), kinds in creation order. */
export async function stackObjects(namespace: string | undefined, name?: string): Promise<KubeObject[]> {
  const labelSelector = name ? `${STACK_LABEL}=${name}` : STACK_LABEL;
  const lists = await Promise.all(STACK_KINDS.map((k) => reader.list(k.key, { namespace, labelSelector })));
  return lists.flatMap((l, i) => l.items.map((o) => ({ ...o, kind: STACK_KINDS[i]!.kind })));
}

const KUBE_CODES: Record<number, ErrorCode> = { 400: "bad_request", 403: "forbidden", 404: "not_found", 409: "conflict", 422: "unprocessable" };

/** A refusal of the Kubernetes API's use cases as this API's typed error (the same message, its causes as details). */
export function asGantryError(e: unknown): unknown {
  if (!(e instanceof KubeError)) return e;
  const code = KUBE_CODES[e.code] ?? "internal";
  return new GantryError(code, code === "internal" ? "internal error" : e.message, e.details?.causes ? { causes: e.details.causes } : undefined);
}
