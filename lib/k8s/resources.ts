// The resource registry: every kind the Kubernetes API serves, described once — group, version, names, scope, verbs,
// table columns, schema and validation. Discovery, OpenAPI, routing, storage and the verbs all read it; a new kind is a
// new file in lib/k8s/kinds/ and one line in KINDS below.
import type { Action } from "@/lib/auth/policy";
import type { KubeObject, NameRule } from "./meta";
import type { ObjectSchema } from "./schema";
import type { StatusCause } from "./status";
import type { StoreWriter } from "./store";
import { namespaceResource } from "./kinds/namespace";
import { configMapResource } from "./kinds/configmap";
import { secretResource } from "./kinds/secret";
import { nodeResource } from "./kinds/node";
import { eventResource } from "./kinds/event";
import { podResource } from "./kinds/pod";
import { replicationControllerResource } from "./kinds/replication-controller";
import { serviceResource } from "./kinds/service";
import { endpointsResource } from "./kinds/endpoints";
import { endpointSliceResource } from "./kinds/endpoint-slice";
import { replicaSetResource } from "./kinds/replica-set";
import { deploymentResource } from "./kinds/deployment";

/** Where a kind keeps what autoscaling/v1 Scale shows (…/scale): its replicas, and the selector of its pods. */
export interface ScaleSubresource {
  /** Desired replicas (spec.replicas). */
  specReplicas(obj: KubeObject): number;
  setSpecReplicas(obj: KubeObject, replicas: number): void;
  /** Observed replicas (status.replicas). */
  statusReplicas(obj: KubeObject): number;
  /** The pods' label selector as a string (`app=web,tier in (a,b)`). */
  selector(obj: KubeObject): string;
}

export const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] as const;
export type Verb = (typeof ALL_VERBS)[number];

export interface TableColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format?: "name" | "";
  description: string;
  /** 0: always shown; 1: only with -o wide. */
  priority: 0 | 1;
  /** The cell for one object (AGE columns are given the time the table is made). */
  cell(obj: KubeObject, now: Date): string | number | boolean;
}

/** Where the objects of a kind that is not stored come from (Nodes are Gantry's hosts). Read-only. */
export interface ObjectSource {
  list(): Promise<KubeObject[]>;
  get(name: string): Promise<KubeObject | null>;
}

export interface ResourceDef {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  categories?: readonly string[];
  namespaced: boolean;
  verbs: readonly Verb[];
  description: string;
  /** The whole object, apiVersion and kind included. */
  schema: ObjectSchema;
  nameRule: NameRule;
  columns: readonly TableColumn[];
  /** Right needed to read (get, list, watch): secrets need more than other kinds. */
  readRight: Action;
  /** Rights needed to write (create, update, patch, delete): all of them. */
  writeRights: readonly Action[];
  /** Fields a field selector may name besides metadata.name and metadata.namespace, with their values. */
  selectableFields?(obj: KubeObject): Record<string, string>;
  /** Defaults and normalisation on every write (stringData folded into data, a Namespace's phase). */
  normalize?(obj: KubeObject, old: KubeObject | undefined): void;
  /** Semantic validation of a decoded object; `old` on update. Causes name their fields. */
  validate(obj: KubeObject, old: KubeObject | undefined): StatusCause[];
  /** Under the write lock, once the object is valid and before it is stored (created, or replaced other than through
   *  its status): what it takes of ranges the cluster shares — a Service's cluster IP and node ports — claimed, filled
   *  in and what it no longer names given back. Throws a KubeError (422 naming the field) to refuse. */
  claim?(w: StoreWriter, obj: KubeObject, old: KubeObject | undefined): Promise<void>;
  /** Kept sealed at rest (Secrets): the whole object encrypted with AES-256-GCM, only its identity in clear — values,
   *  and annotations such as kubectl's last-applied-configuration that repeat them. */
  sealedAtRest?: boolean;
  /** Kinds with metadata.generation: 1 at create, one more on each write this says changed the desired state. */
  generationChanged?(next: KubeObject, old: KubeObject): boolean;
  /** Subresources served besides the object itself. With `status`, writes to the object keep its stored .status and
   *  only …/status changes it (as kube-apiserver's status strategies do). */
  subresources?: { status?: boolean; scale?: ScaleSubresource; binding?: boolean; streams?: boolean };
  /** Set for kinds served from elsewhere, read-only. */
  source?: ObjectSource;
}

const KINDS: readonly ResourceDef[] = [
  namespaceResource,
  configMapResource,
  secretResource,
  nodeResource,
  eventResource,
  podResource,
  replicationControllerResource,
  serviceResource,
  endpointsResource,
  endpointSliceResource,
  replicaSetResource,
  deploymentResource,
];

export function allResources(): readonly ResourceDef[] {
  return KINDS;
}

export const apiVersionOf = (def: ResourceDef) => (def.group ? `${def.group}/${def.version}` : def.version);
/** The key a resource is stored under: `configmaps`, `apps/deployments`. */
export const storageKey = (def: ResourceDef) => (def.group ? `${def.group}/${def.plural}` : def.plural);

/** The resource stored under `key` (`pods`, `apps/deployments`), as the system client names resources. */
export function resourceByKey(key: string): ResourceDef | undefined {
  return KINDS.find((d) => storageKey(d) === key);
}

export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  return KINDS.find((d) => d.group === group && d.version === version && d.plural === plural);
}

/** The subresources of a kind as discovery lists them: name, the kind answered, and the verbs served. */
export function subresourcesOf(def: ResourceDef): Array<{ name: string; group: string; version: string; kind: string; verbs: Verb[] }> {
  const out: Array<{ name: string; group: string; version: string; kind: string; verbs: Verb[] }> = [];
  const sub = def.subresources ?? {};
  if (sub.streams) out.push({ name: "attach", group: "", version: "v1", kind: "PodAttachOptions", verbs: ["create", "get"] });
  if (sub.binding) out.push({ name: "binding", group: "", version: "v1", kind: "Binding", verbs: ["create"] });
  if (sub.streams) {
    out.push({ name: "exec", group: "", version: "v1", kind: "PodExecOptions", verbs: ["create", "get"] });
    out.push({ name: "log", group: "", version: "v1", kind: "Pod", verbs: ["get"] });
  }
  if (sub.scale) out.push({ name: "scale", group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] });
  if (sub.status) out.push({ name: "status", group: def.group, version: def.version, kind: def.kind, verbs: ["get", "patch", "update"] });
  return out;
}

/** Every group/version served, the legacy core group ("") first. */
export function groupVersions(): Array<{ group: string; version: string }> {
  const seen = new Map<string, { group: string; version: string }>();
  for (const d of KINDS) seen.set(`${d.group}/${d.version}`, { group: d.group, version: d.version });
  return [...seen.values()].sort((a, b) => (a.group === "" ? -1 : b.group === "" ? 1 : a.group.localeCompare(b.group)));
}
