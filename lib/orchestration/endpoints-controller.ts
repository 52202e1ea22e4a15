// The endpoints controller (kube's endpoints and endpointslice controllers in one): for every Service with a selector
// it keeps an Endpoints object of the Service's name and its EndpointSlices (labelled kubernetes.io/service-name, owned
// by the Service) equal to what endpoints-plan.ts computes from the pods it selects. Watch-driven: a Service, or a pod
// of its namespace that its selector matches before or after the change, queues the Service at once — a pod becoming
// Ready or not Ready is in its Endpoints a few milliseconds after the agent's report is stored. An Endpoints or slice
// changed or deleted by someone else is put back. A Service deleted takes its Endpoints and slices with it.
//
// Writes only what differs, so a restart or a failover (the controllers run in the leader, start-controllers.ts) writes
// nothing for Services whose endpoints are current.
import { canonicalJson } from "@/lib/k8s/canonical";
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL, type SliceEndpoint, type SlicePort } from "@/lib/k8s/kinds/endpoint-slice";
import type { SystemClient } from "@/lib/k8s/system-client";
import { managesEndpoints, planEndpoints, selectedPods } from "./endpoints-plan";
import { isAlreadyExists, isConflict, isNotFound } from "./errors";
import type { Informer } from "./informer";
import { selectorMatcher } from "./label-selector";
import type { KubeObject, Pod } from "./objects";
import { keyOf, splitKey } from "./objects";
import { WorkQueue } from "./work-queue";

export const ENDPOINTS = "endpoints";
export const ENDPOINT_SLICES = "discovery.k8s.io/endpointslices";
const MANAGED_BY = "endpointslice-controller.k8s.io";

/** The slices informer's index: "namespace/service" of each slice's kubernetes.io/service-name label. */
export const sliceService = (s: KubeObject) => {
  const name = s.metadata.labels?.[SERVICE_NAME_LABEL];
  return name ? [`${s.metadata.namespace}/${name}`] : [];
};

export class EndpointsController {
  readonly queue: WorkQueue;

  constructor(
    private readonly client: SystemClient,
    private readonly services: Informer<KubeObject>,
    private readonly pods: Informer<Pod>,
    private readonly endpoints: Informer<KubeObject>,
    private readonly slices: Informer<KubeObject>,
    opts: { log?(msg: string): void } = {},
  ) {
    this.queue = new WorkQueue("endpoints-controller", opts.log ?? (() => {}));
    const svc = (o: KubeObject) => this.queue.add(keyOf(o));
    services.on({ add: svc, update: (_, o) => svc(o), delete: svc });
    pods.on({
      add: (p) => this.podChanged(p, undefined),
      update: (old, p) => this.podChanged(p, old),
      delete: (p) => this.podChanged(p, undefined),
    });
    // Someone else's change to what this controller keeps is put back (or, for a Service it does not manage, left).
    endpoints.on({ update: (_, e) => svc(e), delete: svc });
    const bySlice = (s: KubeObject) => {
      for (const key of sliceService(s)) this.queue.add(key);
    };
    slices.on({ update: (_, s) => bySlice(s), delete: bySlice });
  }

  /** Every Service of the pod's namespace that selects it now or did before the change. */
  private podChanged(p: Pod, old: Pod | undefined): void {
    for (const s of this.services.byIndex("namespace", p.metadata.namespace ?? "")) {
      const match = selectorMatcher((s.spec as { selector?: Record<string, string> } | undefined)?.selector);
      if (match(p.metadata.labels) || (old && match(old.metadata.labels))) this.queue.add(keyOf(s));
    }
  }

  start(workers = 2): void {
    this.queue.run((key) => this.sync(key), workers);
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }

  async sync(key: string): Promise<void> {
    const { namespace } = splitKey(key);
    const svc = this.services.get(key);
    if (!svc || !managesEndpoints(svc)) {
      // Gone, or no longer selecting pods: what this controller kept for it goes (a user's own Endpoints of a Service
      // without a selector is theirs: only slices it labelled as its own are removed then).
      if (!svc) await this.remove(ENDPOINTS, this.endpoints, this.endpoints.get(key));
      for (const s of this.slices.byIndex("service", key)) if (s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) await this.remove(ENDPOINT_SLICES, this.slices, s);
      return;
    }
    const plan = planEndpoints(svc, selectedPods(svc, this.pods.byIndex("namespace", namespace)));
    await this.syncEndpoints(svc, plan.subsets);
    await this.syncSlices(svc, plan.slices);
  }

  private async syncEndpoints(svc: KubeObject, subsets: ReturnType<typeof planEndpoints>["subsets"]): Promise<void> {
    const { namespace, name } = svc.metadata;
    const labels = { ...(svc.metadata.labels ?? {}), ...((svc.spec as { clusterIP?: string }).clusterIP === "None" ? { "service.kubernetes.io/headless": "" } : {}) };
    const cur = this.endpoints.get(`${namespace}/${name}`);
    const desired: KubeObject = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name, namespace, ...(Object.keys(labels).length ? { labels } : {}) },
      ...(subsets.length ? { subsets } : {}),
    };
    if (cur && canonicalJson(cur.subsets ?? []) === canonicalJson(subsets) && canonicalJson(cur.metadata.labels ?? {}) === canonicalJson(labels)) return;
    if (!cur) {
      try {
        this.endpoints.observe(await this.client.create(ENDPOINTS, namespace!, desired));
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        this.queue.addAfter(`${namespace}/${name}`, 100); // made meanwhile: looked at again once the informer has it
      }
      return;
    }
    const next = { ...desired, metadata: { ...cur.metadata, labels } };
    if (!Object.keys(labels).length) delete (next.metadata as { labels?: unknown }).labels;
    this.endpoints.observe(await this.client.update(ENDPOINTS, namespace!, next));
  }

  private async syncSlices(svc: KubeObject, wanted: ReturnType<typeof planEndpoints>["slices"]): Promise<void> {
    const { namespace, name, uid } = svc.metadata;
    const key = `${namespace}/${name}`;
    const mine = this.slices
      .byIndex("service", key)
      .filter((s) => s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY)
      .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
    const labels = { ...(svc.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: name!, [MANAGED_BY_LABEL]: MANAGED_BY };
    const owner = { apiVersion: "v1", kind: "Service", name: name!, uid: uid!, controller: true, blockOwnerDeletion: true };
    const body = (w: { ports: SlicePort[]; endpoints: SliceEndpoint[] }) => ({ addressType: "IPv4", endpoints: w.endpoints, ...(w.ports.length ? { ports: w.ports } : {}) });
    const same = (s: KubeObject, w: { ports: SlicePort[]; endpoints: SliceEndpoint[] }) =>
      canonicalJson({ addressType: s.addressType, endpoints: s.endpoints ?? [], ...(s.ports ? { ports: s.ports } : {}) }) === canonicalJson(body(w)) &&
      canonicalJson(s.metadata.labels ?? {}) === canonicalJson(labels) &&
      (s.metadata.ownerReferences ?? []).some((r) => (r as { uid?: string }).uid === uid);

    // Slices already equal to a wanted one stay; the others are rewritten in place, then made or removed.
    const left = [...wanted];
    const spare: KubeObject[] = [];
    for (const s of mine) {
      const i = left.findIndex((w) => same(s, w));
      if (i >= 0) left.splice(i, 1);
      else spare.push(s);
    }
    for (const w of left) {
      const s = spare.shift();
      if (s) {
        const next: KubeObject = { ...s, metadata: { ...s.metadata, labels, ownerReferences: [owner] }, ...body(w) };
        if (!w.ports.length) delete next.ports;
        this.slices.observe(await this.client.update(ENDPOINT_SLICES, namespace!, next));
      } else {
        const created = await this.client.create(ENDPOINT_SLICES, namespace!, {
          apiVersion: "discovery.k8s.io/v1",
          kind: "EndpointSlice",
          metadata: { generateName: `${name!.slice(0, 57)}-`, namespace, labels, ownerReferences: [owner] },
          ...body(w),
        });
        this.slices.observe(created);
      }
    }
    for (const s of spare) await this.remove(ENDPOINT_SLICES, this.slices, s);
  }

  private async remove(resource: string, informer: Informer<KubeObject>, obj: KubeObject | undefined): Promise<void> {
    if (!obj) return;
    try {
      const gone = await this.client.delete(resource, obj.metadata.namespace!, obj.metadata.name!, { preconditions: { uid: obj.metadata.uid } });
      informer.observeDeleted(gone ?? obj);
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
}
