// The /browser socket's Kubernetes watch (server/browser-kube-watch.ts), as both ends speak it.
import type { KubeObject } from "@/lib/k8s/meta";

/** What a page asks to watch: one resource, optionally one namespace and selectors as the Kubernetes API takes them. */
export interface KubeWatchRequest {
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** One change. SYNCED follows the initial objects (sent as ADDED): from then on the page's list is whole. */
export type BrowserKubeEvent = { type: "ADDED" | "MODIFIED" | "DELETED"; object: KubeObject } | { type: "SYNCED"; resourceVersion: string };

export interface KubeEventsMessage {
  watchId: string;
  events: BrowserKubeEvent[];
}

export interface KubeEndMessage {
  watchId: string;
  error: string;
}

/** A Secret as pages receive it: no data or stringData, the decoded size of each value by key instead. */
export type BrowserSecret = KubeObject & { type?: string; valueSizes: Record<string, number> };
