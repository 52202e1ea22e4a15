// Live Kubernetes objects for the dashboard's pages over the /browser socket — a watch, not polling:
//   "kube:watch" {group, version, plural, namespace?, labelSelector?, fieldSelector?} → ack {ok, watchId} | {ok:false, error, code}
//   server → "kube:events" {watchId, events:[{type, object}]}: first the current objects as ADDED, then one
//            {type:"SYNCED"} (the list is whole), then every change; events of one tick travel in one message
//   server → "kube:end" {watchId, error}: the watch is over (rights withdrawn, fell behind): list and watch again
//   "kube:unwatch" {watchId}
// Each watch is authorized as the Kubernetes API's watch verb is (lib/k8s/authorize.ts) against the socket's live actor,
// and stays authorized: when the actor changes (demoted, disabled, signed out everywhere) a watch it may no longer hold
// ends at once with the reason. Secrets are the exception that proves the rule: a page lists them with k8s.read (names,
// types, keys and sizes, as `kubectl describe secret` shows), never their values — revealing one is a request of its
// own (k8s.secrets.read, recorded). managedFields are dropped: no page shows them.
import type { Socket } from "socket.io";
import { z } from "zod";
import type { Actor } from "@/lib/auth/policy";
import { authorizeKubeRead, narrowed } from "@/lib/k8s/authorize";
import type { KubeObject } from "@/lib/k8s/meta";
import { findResource, type ResourceDef } from "@/lib/k8s/resources";
import { KubeError } from "@/lib/k8s/status";
import { watchTrusted, type WatchEvent } from "@/lib/k8s/watch-objects";
import { GantryError } from "@/lib/errors";
import type { BrowserKubeEvent } from "@/lib/realtime/kube-watch";
import type { LiveActor } from "./browser-actor";

const name = z.string().max(253);
const KubeWatch = z
  .object({
    group: z.string().max(253),
    version: z.string().min(1).max(63),
    plural: z.string().min(1).max(63),
    namespace: name.min(1).optional(),
    labelSelector: z.string().max(4096).optional(),
    fieldSelector: z.string().max(4096).optional(),
  })
  .strict();
const KubeUnwatch = z.object({ watchId: z.string().min(1).max(64) }).strict();

export const MAX_KUBE_WATCHES_PER_SOCKET = 32;
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";


const isSecrets = (def: ResourceDef) => def.group === "" && def.plural === "secrets";

/**
 * Refuses (throws) unless the actor may watch this resource here; Secrets need only k8s.read, their values are
 * withheld. Across all namespaces, the namespaces it may watch when its rights come from namespace bindings (null: all).
 */
function authorizeWatch(actor: Actor | null, def: ResourceDef, namespace: string | undefined): ReadonlySet<string> | null {
  return authorizeKubeRead(actor, isSecrets(def) ? { ...def, readRight: "k8s.read" } : def, "watch", namespace);
}

/** An object as a page receives it: no managedFields; a Secret's values replaced by their decoded sizes in bytes. */
export function forBrowser(def: ResourceDef, object: KubeObject): KubeObject {
  const { managedFields: _m, ...metadata } = object.metadata as KubeObject["metadata"] & { managedFields?: unknown };
  if (!isSecrets(def)) return { ...object, metadata };
  const annotations = { ...(metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED]; // repeats the values
  const data = (object as { data?: Record<string, string> }).data ?? {};
  const sizes = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").length]));
  const { data: _d, stringData: _s, ...rest } = object as KubeObject & { data?: unknown; stringData?: unknown };
  return { ...rest, metadata: { ...metadata, ...(Object.keys(annotations).length ? { annotations } : { annotations: undefined }) }, valueSizes: sizes } as KubeObject;
}

const reason = (e: unknown) => (e instanceof KubeError || e instanceof GantryError ? e.message : "the watch failed");

export function attachKubeWatchEvents(socket: Socket, live: LiveActor) {
  const watches = new Map<string, { def: ResourceDef; namespace?: string; namespaces: ReadonlySet<string> | null; end(error: string): void }>();
  let opening = 0;
  let seq = 0;

  live.watch({
    active: () => watches.size > 0,
    changed: (actor) => {
      for (const w of [...watches.values()]) {
        try {
          if (narrowed(w.namespaces, authorizeWatch(actor, w.def, w.namespace))) throw new KubeError(403, "Forbidden", `the right to watch ${w.def.plural} in some of its namespaces was taken away`);
        } catch (e) {
          w.end(`the watch was closed: ${actor ? reason(e) : "your session or token is no longer valid"}`);
        }
      }
    },
  });

  socket.on("kube:watch", async (raw: unknown, ack?: (r: unknown) => void) => {
    const reply = typeof ack === "function" ? ack : () => {};
    const parsed = KubeWatch.safeParse(raw);
    if (!parsed.success) return reply({ ok: false, error: `invalid watch: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`, code: "bad_request" });
    const { group, version, plural, namespace, labelSelector, fieldSelector } = parsed.data;
    const def = findResource(group, version, plural);
    if (!def) return reply({ ok: false, error: `the server does not serve ${group ? `${group}/` : ""}${version} ${plural}`, code: "not_found" });
    // The slot is taken before anything is awaited: parallel opens cannot all pass the limit.
    if (watches.size + opening >= MAX_KUBE_WATCHES_PER_SOCKET) return reply({ ok: false, error: `at most ${MAX_KUBE_WATCHES_PER_SOCKET} watches per connection`, code: "conflict" });
    opening++;
    let events: AsyncGenerator<WatchEvent>;
    let namespaces: ReadonlySet<string> | null = null;
    const abort = new AbortController();
    const watchId = `w${++seq}`;
    try {
      const actor = await live.refresh();
      namespaces = authorizeWatch(actor, def, namespace);
      if (!socket.connected) throw new KubeError(409, "Conflict", "the connection closed before the watch opened");
      events = watchTrusted({
        def,
        namespace: def.namespaced ? namespace : undefined,
        labelSelector: labelSelector ?? null,
        fieldSelector: fieldSelector ?? null,
        sendInitialEvents: true,
        allowWatchBookmarks: true,
        signal: abort.signal,
        namespaces,
      });
    } catch (e) {
      const code = e instanceof KubeError ? (e.code === 403 ? "forbidden" : e.code === 401 ? "unauthorized" : "bad_request") : e instanceof GantryError ? e.code : "internal";
      return reply({ ok: false, error: code === "forbidden" || code === "unauthorized" ? `${code}: ${reason(e)}` : reason(e), code });
    } finally {
      opening--;
    }
    let ended = false;
    const end = (error: string) => {
      if (ended) return;
      ended = true;
      watches.delete(watchId);
      abort.abort();
      socket.emit("kube:end", { watchId, error });
    };
    watches.set(watchId, { def, namespace, namespaces, end });
    reply({ ok: true, watchId });

    // Events of one tick go out as one message.
    let batch: BrowserKubeEvent[] = [];
    const flush = () => {
      const out = batch;
      batch = [];
      if (out.length && !ended) socket.emit("kube:events", { watchId, events: out });
    };
    const push = (e: BrowserKubeEvent) => {
      if (!batch.length) setImmediate(flush);
      batch.push(e);
    };
    void (async () => {
      try {
        for await (const ev of events) {
          if (ended) break;
          if (ev.type === "BOOKMARK") {
            const meta = (ev.object as KubeObject).metadata;
            if (meta.annotations?.["k8s.io/initial-events-end"] === "true") push({ type: "SYNCED", resourceVersion: meta.resourceVersion ?? "" });
            continue;
          }
          if (ev.type === "ERROR") {
            flush();
            return end((ev.object as { message?: string }).message ?? "the watch ended");
          }
          push({ type: ev.type, object: forBrowser(def, ev.object as KubeObject) });
        }
      } catch (e) {
        flush();
        end(reason(e));
      }
    })();
  });

  // Closing takes access away, so it needs none.
  socket.on("kube:unwatch", (raw: unknown) => {
    const p = KubeUnwatch.safeParse(raw);
    if (!p.success) return;
    const w = watches.get(p.data.watchId);
    if (!w) return;
    watches.delete(p.data.watchId);
    w.end("closed");
  });
  socket.on("disconnect", () => {
    for (const w of [...watches.values()]) w.end("the browser disconnected");
  });
}
