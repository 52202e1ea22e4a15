"use client";
// The containers of a workload's pods, for the logs viewer: the pods a label selector picks (a Deployment's own
// selector, read from a watch of the Deployment) watched live, each started container as a log source labelled
// "pod/container" — so pods that a rollout or a scale starts join the view and those it removes leave it.
import { useMemo } from "react";
import type { Pod } from "@/lib/k8s/kinds/pod-types";
import type { KubeObject } from "@/lib/k8s/meta";
import { useKubeList } from "@/components/kube/use-kube-list";
import { podLogSources, selectorText, type HostRef } from "@/lib/workloads/pod-sources";
import type { LabelledSource } from "./use-log-streams";

import type { WorkloadTarget } from "@/lib/workloads/workload-target";
export type { WorkloadTarget };

/** The most containers a workload's view follows at once. */
export const MAX_WORKLOAD_STREAMS = 64;

export interface WorkloadSources {
  sources: LabelledSource[];
  /** The pods matched (some may have no started container yet). */
  pods: Pod[];
  /** The selector in use ("" until the Deployment is read). */
  selector: string;
  synced: boolean;
  error: string | null;
  /** Containers left out beyond MAX_WORKLOAD_STREAMS. */
  leftOut: number;
}

type Deployment = KubeObject & { spec?: { selector?: Parameters<typeof selectorText>[0] } };

export function useWorkloadSources(target: WorkloadTarget | null, hosts: readonly HostRef[]): WorkloadSources {
  const deploymentName = target && "deployment" in target ? target.deployment : null;
  const dep = useKubeList<Deployment>(target && deploymentName ? { group: "apps", version: "v1", plural: "deployments", namespace: target.namespace, fieldSelector: `metadata.name=${deploymentName}` } : null);
  const selector = !target ? "" : "selector" in target ? target.selector : selectorText(dep.items[0]?.spec?.selector);
  const pods = useKubeList<Pod>(target && selector ? { group: "", version: "v1", plural: "pods", namespace: target.namespace, labelSelector: selector } : null);
  const all = useMemo(() => pods.items.flatMap((p) => podLogSources(p, hosts).map((s) => ({ hostId: s.hostId, container: s.container, label: s.label }))), [pods.items, hosts]);
  let error = dep.error ?? pods.error;
  if (!error && deploymentName && dep.synced && !dep.items.length) error = `There is no Deployment ${target!.namespace}/${deploymentName}.`;
  if (!error && deploymentName && dep.items.length && !selector) error = `Deployment ${target!.namespace}/${deploymentName} has an empty selector: it would select every pod, so nothing is followed.`;
  return {
    sources: all.slice(0, MAX_WORKLOAD_STREAMS),
    pods: pods.items,
    selector,
    synced: pods.synced,
    error,
    leftOut: Math.max(0, all.length - MAX_WORKLOAD_STREAMS),
  };
}
