"use client";
// One Kubernetes object, live: a watch of its resource narrowed to its name. `missing` once the list is whole without it.
import type { KubeObject } from "@/lib/k8s/meta";
import { useKubeList } from "@/components/kube/use-kube-list";

export function useKubeObject<T extends KubeObject>(r: { group: string; version: string; plural: string }, namespace: string | undefined, name: string) {
  const list = useKubeList<T>({ ...r, ...(namespace ? { namespace } : {}), fieldSelector: `metadata.name=${name}` });
  const object = list.items[0] ?? null;
  return { object, missing: list.synced && !object, error: list.error };
}
