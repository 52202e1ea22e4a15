// A core/v1 Event as the dashboard's Events list shows it: when it was last seen (lastTimestamp, else the series' or
// eventTime, else when the object was made), the object it is about, and how many times it happened.
import type { KubeObject } from "@/lib/k8s/meta";

type CoreEvent = KubeObject & {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  involvedObject?: { kind?: string; namespace?: string; name?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
};

export interface EventView {
  /** Milliseconds since the epoch (0 when unknown): newest first sorts by it. */
  lastSeen: number;
  type: string;
  reason: string;
  message: string;
  count: number;
  kind: string;
  objectName: string;
  objectNamespace: string;
  /** "Pod web-1", what the filter by involved object matches. */
  object: string;
  source: string;
}

const time = (s: string | undefined) => (s ? Date.parse(s) || 0 : 0);

export function eventView(e: KubeObject): EventView {
  const ev = e as CoreEvent;
  const lastSeen = time(ev.series?.lastObservedTime) || time(ev.lastTimestamp) || time(ev.eventTime) || time(ev.firstTimestamp) || time(e.metadata.creationTimestamp);
  const kind = ev.involvedObject?.kind ?? "";
  const objectName = ev.involvedObject?.name ?? "";
  return {
    lastSeen,
    type: ev.type || "Normal",
    reason: ev.reason ?? "",
    message: ev.message ?? "",
    count: ev.series?.count ?? ev.count ?? 1,
    kind,
    objectName,
    objectNamespace: ev.involvedObject?.namespace ?? e.metadata.namespace ?? "",
    object: `${kind} ${objectName}`.trim(),
    source: ev.reportingComponent || ev.source?.component || "",
  };
}
