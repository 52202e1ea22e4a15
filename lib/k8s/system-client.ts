// The control plane's own client of the Kubernetes API: the scheduler, the controllers, the garbage collector and the
// pod glue read and write objects through it, in process, never over HTTP. It runs the same use cases as the API
// (decoding, defaults, validation, preconditions, graceful deletion, the change feed for watches) minus the caller's
// authorization: the component is the control plane itself. Its writes carry the component's name as their field
// manager (metadata.managedFields), as kube-controller-manager's do.
//
// Resources are named by their storage key: "pods", "replicationcontrollers", "apps/replicasets", "apps/deployments",
// "nodes", "events"…
import type { FieldValidation } from "./admit";
import { bindTrusted } from "./bind-pod";
import { createTrusted } from "./create-object";
import { deleteTrusted } from "./delete-object";
import { listTrusted } from "./list-objects";
import type { KubeObject } from "./meta";
import { resourceByKey, type ResourceDef } from "./resources";
import { KubeError } from "./status";
import { readObject } from "./store";
import { updateStatusTrusted } from "./update-status";
import { updateTrusted } from "./update-object";
import { watchTrusted } from "./watch-objects";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface DeleteOptionsIn {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface SystemClient {
  /** The object, or null when there is none. */
  get(resource: string, namespace: string, name: string): Promise<KubeObject | null>;
  list(resource: string, opts?: { namespace?: string; labelSelector?: string; fieldSelector?: string }): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /** Validated like an API create (fieldValidation Strict: a field the kind does not have is an error naming it); generateName works. */
  create(resource: string, namespace: string, obj: KubeObject): Promise<KubeObject>;
  /** The whole object replaced; with metadata.resourceVersion set, a stale one is a KubeError with code 409 (Conflict).
   *  .status is kept as stored for kinds with a status subresource: write it with updateStatus. */
  update(resource: string, namespace: string, obj: KubeObject): Promise<KubeObject>;
  /** Only .status changes (the status subresource); the resourceVersion precondition applies as for update. */
  updateStatus(resource: string, namespace: string, obj: KubeObject): Promise<KubeObject>;
  /**
   * Deletes as the API's DELETE does (graceful pod deletion, finalizers, propagationPolicy). Null when there was no such
   * object (already gone); else the object — still there with metadata.deletionTimestamp when it waits for its
   * finalizers or its grace period, or its last state when it was removed.
   */
  delete(resource: string, namespace: string, name: string, opts?: DeleteOptionsIn): Promise<KubeObject | null>;
  /**
   * Binds a pod to a node as pods/binding does: spec.nodeName set (once) and the PodScheduled condition True, in one
   * write. A pod already bound or being deleted is a KubeError 409; `preconditions` as for delete.
   */
  bind(namespace: string, podName: string, nodeName: string, preconditions?: { uid?: string; resourceVersion?: string }): Promise<KubeObject>;
  /**
   * Every change of `resource` after `resourceVersion` (a list's), in resourceVersion order, until the returned function
   * is called. When the changes since then are no longer kept (410 Gone) or the stream fails, `onGone` is called once
   * and the watch ends: list again and watch from the new list's resourceVersion.
   */
  watch(resource: string, resourceVersion: string, onEvent: (type: WatchEventType, obj: KubeObject) => void, onGone: () => void): () => void;
}

function resolve(resource: string): ResourceDef {
  const def = resourceByKey(resource);
  if (!def) throw new Error(`the Kubernetes API serves no resource ${JSON.stringify(resource)} (storage keys look like "pods" or "apps/deployments")`);
  return def;
}

const nsOf = (def: ResourceDef, namespace: string | undefined) => (def.namespaced ? namespace : undefined);
const STRICT: FieldValidation = "Strict";

export function systemClient(component: string): SystemClient {
  if (!component) throw new Error("a system client needs its component's name (its field manager)");
  const fieldManager = component;
  return {
    async get(resource, namespace, name) {
      const def = resolve(resource);
      return def.source ? def.source.get(name) : readObject(def, nsOf(def, namespace) ?? "", name);
    },

    async list(resource, opts = {}) {
      const def = resolve(resource);
      const list = await listTrusted({ def, namespace: nsOf(def, opts.namespace || undefined), labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector });
      return { items: list.items, resourceVersion: list.metadata.resourceVersion };
    },

    async create(resource, namespace, obj) {
      const def = resolve(resource);
      return (await createTrusted({ def, namespace: nsOf(def, namespace), body: obj, fieldValidation: STRICT, fieldManager })).object;
    },

    async update(resource, namespace, obj) {
      const def = resolve(resource);
      const name = obj.metadata?.name;
      if (!name) throw new Error("update needs metadata.name");
      return (await updateTrusted({ def, namespace: nsOf(def, namespace), name, body: obj, fieldValidation: STRICT, fieldManager })).object;
    },

    async updateStatus(resource, namespace, obj) {
      const def = resolve(resource);
      const name = obj.metadata?.name;
      if (!name) throw new Error("updateStatus needs metadata.name");
      return (await updateStatusTrusted({ def, namespace: nsOf(def, namespace), name, body: obj, fieldValidation: STRICT, fieldManager })).object;
    },

    async delete(resource, namespace, name, opts = {}) {
      const def = resolve(resource);
      try {
        return (await deleteTrusted({ def, namespace: nsOf(def, namespace), name, options: opts })).object;
      } catch (e) {
        if (e instanceof KubeError && e.code === 404) return null;
        throw e;
      }
    },

    bind(namespace, podName, nodeName, preconditions = {}) {
      return bindTrusted(namespace, podName, nodeName, preconditions, fieldManager);
    },

    watch(resource, resourceVersion, onEvent, onGone) {
      const def = resolve(resource);
      const abort = new AbortController();
      const events = watchTrusted({ def, resourceVersion, signal: abort.signal });
      let gone = false;
      const giveUp = () => {
        if (gone || abort.signal.aborted) return;
        gone = true;
        onGone();
      };
      void (async () => {
        try {
          for await (const ev of events) {
            if (abort.signal.aborted) break;
            if (ev.type === "ERROR") return giveUp();
            if (ev.type === "BOOKMARK") continue;
            onEvent(ev.type, ev.object as KubeObject);
          }
          // The stream ends by itself only when it cannot go on (it fell too far behind): the caller relists.
          giveUp();
        } catch (e) {
          console.error(`[gantry] ${component}: watch of ${resource} failed:`, e instanceof Error ? e.message : e);
          giveUp();
        }
      })();
      return () => {
        abort.abort();
        void events.return(undefined).catch(() => {});
      };
    },
  };
}
