// GET …/{resource}?watch=true: a stream of ADDED, MODIFIED, DELETED (and BOOKMARK) events.
//   - no resourceVersion, or "0": the current objects first, as ADDED, then every change after them;
//   - resourceVersion=N: every change after N, replayed from the change log, then live — or one ERROR event with a
//     410 Expired Status when N is older than the log keeps;
//   - sendInitialEvents=true: the current objects, then (with allowWatchBookmarks) a BOOKMARK marked
//     k8s.io/initial-events-end, then changes.
// Selectors apply to events as to lists; an object modified into (out of) the selection arrives as ADDED (DELETED).
import type { Actor } from "@/lib/auth/policy";
import { authorizeKubeRead, inNamespaces } from "./authorize";
import { changeFeed } from "./change-feed";
import { objectFilter } from "./list-objects";
import type { KubeObject } from "./meta";
import { apiVersionOf, storageKey, type ResourceDef } from "./resources";
import { badRequest, expired, type Status } from "./status";
import { currentRevision, eventsAfter, withSnapshot, type StoredEvent } from "./store";

export interface WatchInput {
  actor: Actor | null;
  def: ResourceDef;
  namespace?: string;
  labelSelector?: string | null;
  fieldSelector?: string | null;
  resourceVersion?: string | null;
  sendInitialEvents?: boolean;
  allowWatchBookmarks?: boolean;
  /** How often a BOOKMARK is sent when allowed (Kubernetes: about once a minute). */
  bookmarkEveryMs?: number;
  signal: AbortSignal;
  /** Across all namespaces, only these (null or absent: all) — an actor whose namespace bindings are all it has there. */
  namespaces?: ReadonlySet<string> | null;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject | Status;
}

/** Buffer limit: a watcher this far behind is ended (it relists and watches again, as clients do). */
const MAX_BUFFERED = 10_000;

/** Checks the request and subscribes at once (so nothing committed from now on is missed); the stream starts on iteration. */
export function watchObjects(input: WatchInput): AsyncGenerator<WatchEvent> {
  const namespaces = authorizeKubeRead(input.actor, input.def, "watch", input.namespace);
  return watchTrusted({ ...input, namespaces });
}

/** The watch itself, for a caller already authorized (the API, above) or the control plane's own (the system client). */
export function watchTrusted(input: Omit<WatchInput, "actor">): AsyncGenerator<WatchEvent> {
  const { def, namespace } = input;
  const selected = objectFilter(def, input.labelSelector, input.fieldSelector);
  const visible = (obj: KubeObject) => inNamespaces(def, input.namespaces ?? null, obj);
  const filter = {
    matches: (obj: KubeObject) => visible(obj) && selected.matches(obj),
    // An object's namespace never changes: what was outside stays outside.
    matchesPrevious: selected.matchesPrevious,
  };
  const rvParam = input.resourceVersion ?? "";
  if (rvParam !== "" && !/^\d+$/.test(rvParam)) throw badRequest(`resourceVersion: Invalid value: ${JSON.stringify(rvParam)}: must be a non-negative integer`);
  const resource = storageKey(def);

  // Live events are queued from the moment of subscription; the replay below covers everything before.
  const queue: StoredEvent[] = [];
  let wake: (() => void) | null = null;
  let overflow = false;
  const unsubscribe = changeFeed().subscribe((e) => {
    if (queue.length >= MAX_BUFFERED) overflow = true;
    else queue.push(e);
    wake?.();
  });
  const onAbort = () => wake?.();
  input.signal.addEventListener("abort", onAbort);

  const translate = (e: StoredEvent): WatchEvent | null => {
    if (e.resource !== resource || (namespace !== undefined && e.namespace !== namespace) || !visible(e.object)) return null;
    const now = filter.matches(e.object);
    if (e.type === "MODIFIED") {
      const before = e.previous ? filter.matchesPrevious(e.previous) : now;
      if (now && before) return { type: "MODIFIED", object: e.object };
      if (now) return { type: "ADDED", object: e.object };
      if (before) return { type: "DELETED", object: e.object };
      return null;
    }
    return now ? { type: e.type, object: e.object } : null;
  };
  const bookmark = (rv: bigint, annotations?: Record<string, string>): WatchEvent => ({
    type: "BOOKMARK",
    object: { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: rv.toString(), ...(annotations ? { annotations } : {}) } },
  });

  async function* stream(): AsyncGenerator<WatchEvent> {
    try {
      let cursor: bigint;
      if (rvParam === "" || rvParam === "0" || input.sendInitialEvents) {
        const { revision, objects } = await withSnapshot(async (snap) => {
          const out: KubeObject[] = [];
          let after: { namespace: string; name: string } | undefined;
          for (;;) {
            const page = await snap.page(def, namespace, after, 500);
            out.push(...page.filter(filter.matches));
            if (page.length < 500) return { revision: snap.revision, objects: out };
            const last = page[page.length - 1]!;
            after = { namespace: last.metadata.namespace ?? "", name: last.metadata.name! };
          }
        });
        for (const object of objects) yield { type: "ADDED", object };
        cursor = revision;
        if (input.sendInitialEvents && input.allowWatchBookmarks) yield bookmark(cursor, { "k8s.io/initial-events-end": "true" });
      } else {
        cursor = BigInt(rvParam);
        for (;;) {
          const page = await eventsAfter(cursor, 500);
          const { compacted } = await currentRevision();
          if (compacted > cursor) {
            yield { type: "ERROR", object: expired(`too old resource version: ${cursor} (${compacted})`).toStatus() };
            return;
          }
          for (const e of page) {
            cursor = e.resourceVersion;
            const ev = translate(e);
            if (ev) yield ev;
          }
          if (page.length < 500) break;
        }
      }

      let lastBookmark = Date.now();
      const bookmarkEvery = input.bookmarkEveryMs ?? 60_000;
      while (!input.signal.aborted) {
        if (overflow) {
          yield { type: "ERROR", object: expired(`the watch fell more than ${MAX_BUFFERED} changes behind; list and watch again`).toStatus() };
          return;
        }
        const e = queue.shift();
        if (e) {
          if (e.resourceVersion <= cursor) continue;
          cursor = e.resourceVersion;
          const ev = translate(e);
          if (ev) yield ev;
          continue;
        }
        if (input.allowWatchBookmarks && Date.now() - lastBookmark >= bookmarkEvery) {
          lastBookmark = Date.now();
          yield bookmark(cursor);
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          const t = setTimeout(resolve, input.allowWatchBookmarks ? Math.max(50, bookmarkEvery - (Date.now() - lastBookmark)) : 60_000);
          t.unref();
        });
        wake = null;
      }
    } finally {
      unsubscribe();
      input.signal.removeEventListener("abort", onAbort);
    }
  }
  return stream();
}
