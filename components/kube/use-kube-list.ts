"use client";
// A live list of one Kubernetes resource for a page, from the /browser socket's watch (server/browser-kube-watch.ts):
// the current objects, then every change as it is committed — no polling. A watch the server ends (fell behind, rights
// withdrawn) or a reconnect starts over from a fresh list; `synced` says the list is whole.
import { useEffect, useState } from "react";
import type { KubeObject } from "@/lib/k8s/meta";
import type { KubeEndMessage, KubeEventsMessage, KubeWatchRequest } from "@/lib/realtime/kube-watch";
import { borrowBrowserSocket } from "@/components/fleet/browser-socket";

export interface KubeList<T extends KubeObject> {
  /** Sorted by namespace, then name. */
  items: T[];
  /** The initial list has arrived (until then `items` is partial). */
  synced: boolean;
  /** Why the watch could not be opened or ended; cleared when it is open again. */
  error: string | null;
}

const NOTHING = { items: [], synced: false, error: null };
const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;
const byName = (a: KubeObject, b: KubeObject) => keyOf(a).localeCompare(keyOf(b));

/** Watches `req` while mounted (null: nothing). Changing any field of `req` starts a new watch. */
export function useKubeList<T extends KubeObject = KubeObject>(req: KubeWatchRequest | null): KubeList<T> {
  const [state, setState] = useState<KubeList<T>>({ items: [], synced: false, error: null });
  const key = req ? JSON.stringify([req.group, req.version, req.plural, req.namespace ?? "", req.labelSelector ?? "", req.fieldSelector ?? ""]) : null;

  useEffect(() => {
    if (!req) return;
    setState({ items: [], synced: false, error: null });
    const { socket, release } = borrowBrowserSocket();
    const objects = new Map<string, T>();
    let watchId: string | null = null;
    let synced = false;
    let closed = false;
    let scheduled = false;
    // The sorted list as last rendered, and whether a name came or went since (a change to a known object keeps the
    // order: it is replaced where it stands, without sorting thousands again).
    let sorted: T[] = [];
    let reorder = true;
    const changed = new Set<string>();
    // Many events are rendered once per frame, not once each; the initial list (thousands of objects in many
    // messages) once, when it is whole.
    const render = () => {
      if (scheduled || !synced) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        if (closed) return;
        if (reorder) sorted = [...objects.values()].sort(byName);
        else if (changed.size) sorted = sorted.map((o) => (changed.has(keyOf(o)) ? objects.get(keyOf(o))! : o));
        reorder = false;
        changed.clear();
        setState({ items: sorted, synced, error: null });
      });
    };
    const open = () => {
      objects.clear();
      synced = false;
      reorder = true;
      changed.clear();
      socket.emit("kube:watch", req, (r: { ok: boolean; watchId?: string; error?: string }) => {
        if (closed) {
          if (r.ok) socket.emit("kube:unwatch", { watchId: r.watchId });
          return;
        }
        if (!r.ok) return setState({ items: [], synced: false, error: r.error ?? "the list could not be watched" });
        watchId = r.watchId!;
      });
    };
    const onEvents = (m: KubeEventsMessage) => {
      if (m.watchId !== watchId) return;
      for (const e of m.events) {
        if (e.type === "SYNCED") {
          synced = true;
          reorder = true;
          continue;
        }
        const k = keyOf(e.object);
        if (e.type === "DELETED") {
          if (objects.delete(k)) reorder = true;
          continue;
        }
        if (!objects.has(k)) reorder = true;
        else changed.add(k);
        objects.set(k, e.object as T);
      }
      render();
    };
    const onEnd = (m: KubeEndMessage) => {
      if (m.watchId !== watchId || closed) return;
      watchId = null;
      // Rights withdrawn: say so. Anything else (fell behind): list and watch again, as informers do.
      if (/forbidden|not allow|no longer valid/i.test(m.error)) setState((s) => ({ ...s, error: m.error }));
      else open();
    };
    const onConnect = () => open();
    socket.on("kube:events", onEvents);
    socket.on("kube:end", onEnd);
    // A reconnect is a new server-side socket with no watches: start over.
    socket.on("connect", onConnect);
    if (socket.connected) open();
    return () => {
      closed = true;
      if (watchId) socket.emit("kube:unwatch", { watchId });
      socket.off("kube:events", onEvents);
      socket.off("kube:end", onEnd);
      socket.off("connect", onConnect);
      release();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` stands for req's fields
  }, [key]);

  return key ? state : NOTHING;
}
