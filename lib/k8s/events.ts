// Events the control plane's components record about objects (Scheduled, FailedScheduling, SuccessfulCreate, Pulling,
// Started, Killing, BackOff…), as client-go's event recorder writes them: a v1 Event in the object's namespace
// ("default" for cluster-scoped objects such as Nodes) named `<object>.<hex nanoseconds>`, with source and
// reportingComponent the component. A repeat — same component, host, object, type, reason and message — is not a new
// Event: the existing one's count goes up and its lastTimestamp moves (kube's EventCorrelator does the same). The lookup
// and the write happen under the store's write lock, so replicas recording the same thing at once count it once each.
// Recording never throws: a component's work does not fail because its event could not be written (it is logged).
import { randomInt } from "node:crypto";
import { insertNew } from "./create-object";
import { eventResource } from "./kinds/event";
import { rfc3339, type KubeObject } from "./meta";
import { replaceStored } from "./replace-stored";
import { writeTransaction, type StoreWriter } from "./store";

export type EventType = "Normal" | "Warning";

/** What an event is about: an object (its reference is taken from it), or a reference made by hand. */
export interface ObjectReference {
  kind: string;
  apiVersion?: string;
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
  /** The part of the object: `spec.containers{web}` for a container's events. */
  fieldPath?: string;
}

export interface RecordOptions {
  /** The host the component runs for (an agent's events: the node's name), as source.host. */
  host?: string;
  /** The part of the object the event is about (`spec.containers{web}`). */
  fieldPath?: string;
  /** The time of the occurrence (tests); now by default. */
  now?: Date;
}

/**
 * The events about each of many objects, read once for a transaction that records several (the pods' statuses
 * written together): by involved uid, kept current by recordEventIn as it writes.
 */
export type EventsByUid = Map<string, KubeObject[]>;

export async function eventsAbout(w: StoreWriter, namespace: string, uids: string[]): Promise<EventsByUid> {
  const byUid: EventsByUid = new Map(uids.map((u) => [u, []]));
  for (const e of await w.whereFieldIn(eventResource, namespace, ["involvedObject", "uid"], uids)) byUid.get((e.involvedObject as { uid: string }).uid)?.push(e);
  return byUid;
}

const isKubeObject = (o: KubeObject | ObjectReference): o is KubeObject => typeof (o as KubeObject).metadata === "object";

export function referenceTo(o: KubeObject | ObjectReference, fieldPath?: string): ObjectReference {
  const ref: ObjectReference = isKubeObject(o)
    ? {
        kind: o.kind,
        namespace: o.metadata.namespace,
        name: o.metadata.name ?? "",
        uid: o.metadata.uid,
        apiVersion: o.apiVersion,
        resourceVersion: o.metadata.resourceVersion,
      }
    : { ...o };
  if (fieldPath) ref.fieldPath = fieldPath;
  for (const k of Object.keys(ref) as Array<keyof ObjectReference>) if (ref[k] === undefined || ref[k] === "") delete ref[k];
  return ref;
}

/** Two events are one when all of these are equal (client-go's getEventKey). */
function sameOccurrence(e: KubeObject, ref: ObjectReference, component: string, host: string | undefined, type: EventType, reason: string, message: string): boolean {
  const inv = (e.involvedObject ?? {}) as Record<string, unknown>;
  const src = (e.source ?? {}) as Record<string, unknown>;
  return (
    src.component === component &&
    (src.host ?? undefined) === host &&
    inv.kind === ref.kind &&
    inv.name === ref.name &&
    (inv.uid ?? undefined) === ref.uid &&
    (inv.apiVersion ?? undefined) === ref.apiVersion &&
    (inv.fieldPath ?? undefined) === ref.fieldPath &&
    e.type === type &&
    e.reason === reason &&
    e.message === message
  );
}

/** Records (or counts again) one event; answers the Event as stored, or null when it could not be written. */
export async function recordEvent(
  component: string,
  involvedObject: KubeObject | ObjectReference,
  type: EventType,
  reason: string,
  message: string,
  opts: RecordOptions = {},
): Promise<KubeObject | null> {
  try {
    return await writeTransaction((w) => recordEventIn(w, component, involvedObject, type, reason, message, opts));
  } catch (e) {
    console.error(`[gantry] ${component}: could not record the event ${reason} for ${involvedObject.kind.toLowerCase()}/${referenceTo(involvedObject).name}:`, e instanceof Error ? e.message : e);
    return null;
  }
}

/**
 * recordEvent inside a write transaction the caller holds (one that writes many objects and their events at once: the
 * pods' statuses their hosts report together). Throws what the store throws.
 */
export async function recordEventIn(
  w: StoreWriter,
  component: string,
  involvedObject: KubeObject | ObjectReference,
  type: EventType,
  reason: string,
  message: string,
  opts: RecordOptions = {},
  /** The events already read for this transaction (eventsAbout), when they hold the object's uid. */
  known?: EventsByUid,
): Promise<KubeObject> {
  const ref = referenceTo(involvedObject, opts.fieldPath);
  const namespace = ref.namespace || "default";
  const at = rfc3339(opts.now ?? new Date());
  const who = { manager: component, operation: "Update" as const };
  const cached = ref.uid ? known?.get(ref.uid) : undefined;
  const candidates =
    cached ??
    (ref.uid
      ? await w.whereField(eventResource, namespace, ["involvedObject", "uid"], ref.uid)
      : await w.whereField(eventResource, namespace, ["involvedObject", "name"], ref.name));
  const existing = candidates.find((e) => sameOccurrence(e, ref, component, opts.host, type, reason, message));
  if (existing) {
    const next: KubeObject = {
      ...existing,
      count: (typeof existing.count === "number" ? existing.count : 1) + 1,
      lastTimestamp: at,
      involvedObject: ref,
    };
    const stored = await replaceStored(w, eventResource, existing, next, who);
    if (cached) cached.splice(cached.indexOf(existing), 1, stored);
    return stored;
  }
  const stored = await insertNew(w, eventResource, namespace, newEvent(component, ref, type, reason, message, opts), who);
  cached?.push(stored);
  return stored;
}

/**
 * A new Event (count 1) as recordEvent writes one, for a caller that writes it in a transaction of its own (the
 * scheduler records each binding's Scheduled event with the binding): no lookup of an earlier one to count on.
 */
export function newEvent(component: string, involvedObject: KubeObject | ObjectReference, type: EventType, reason: string, message: string, opts: RecordOptions = {}): KubeObject {
  const ref = referenceTo(involvedObject, opts.fieldPath);
  const now = opts.now ?? new Date();
  const at = rfc3339(now);
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${ref.name.slice(0, 253 - 18)}.${eventSuffix(now)}`, namespace: ref.namespace || "default" },
    involvedObject: ref,
    reason,
    message,
    source: { component, ...(opts.host ? { host: opts.host } : {}) },
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
    type,
    reportingComponent: component,
    reportingInstance: opts.host ?? "",
  };
}

/** client-go names an event `<object>.<UnixNano in hex>`; a random low part keeps two in one millisecond apart. */
function eventSuffix(now: Date): string {
  return (BigInt(now.getTime()) * 1_000_000n + BigInt(randomInt(1_000_000))).toString(16);
}
