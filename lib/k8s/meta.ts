// ObjectMeta: its schema, the server-owned fields (uid, resourceVersion, creationTimestamp) and the validation of what a
// client may set (names, labels, annotations), with kube-apiserver's field paths and messages.
import { randomBytes, randomUUID } from "node:crypto";
import { t, type Schema } from "./schema";
import type { StatusCause } from "./status";

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<Record<string, unknown>>;
  finalizers?: string[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

const ownerReference = t.object(
  {
    apiVersion: t.string("API version of the referent."),
    kind: t.string("Kind of the referent."),
    name: t.string("Name of the referent."),
    uid: t.string("UID of the referent."),
    controller: t.bool("If true, this reference points to the managing controller."),
    blockOwnerDeletion: t.bool("If true, the owner cannot be deleted from the key-value store until this reference is removed."),
  },
  {
    name: "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference",
    required: ["apiVersion", "kind", "name", "uid"],
    description: "An object that owns this one.",
    proto: { kind: 1, name: 3, uid: 4, apiVersion: 5, controller: 6, blockOwnerDeletion: 7 },
  },
);

export const objectMetaSchema: Schema = t.object(
  {
    name: t.string("Name must be unique within a namespace. Cannot be updated."),
    generateName: t.string("A prefix the server uses to generate a unique name when name is not given."),
    namespace: t.string("The namespace the object lives in; empty for cluster-scoped objects."),
    uid: t.string("The unique id the server gave this object when it was created. Read-only."),
    resourceVersion: t.string("The version of this object, for optimistic concurrency and watch. Opaque; read-only."),
    generation: t.int("A sequence number representing a specific generation of the desired state. Read-only.", "int64"),
    creationTimestamp: t.string("When the server created this object (RFC 3339, UTC). Read-only.", { format: "date-time" }),
    deletionTimestamp: t.string("When this object will be deleted. Read-only.", { format: "date-time" }),
    deletionGracePeriodSeconds: t.int("Seconds allowed for graceful termination before removal. Read-only.", "int64"),
    labels: t.map(t.string(), "Key/value pairs to organize and select objects (label selectors)."),
    annotations: t.map(t.string(), "Key/value pairs for arbitrary non-identifying metadata."),
    ownerReferences: t.array(ownerReference, "Objects this object depends on.", { patchStrategy: "merge", mergeKey: "uid" }),
    finalizers: t.array(t.string(), "Must be empty before the object is deleted from the registry.", { patchStrategy: "merge" }),
    managedFields: t.array(t.any(), "Which field manager manages which fields (not recorded by this server)."),
    selfLink: t.string("Deprecated; never set."),
  },
  {
    name: "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    description: "Standard object metadata.",
    proto: {
      name: 1, generateName: 2, namespace: 3, selfLink: 4, uid: 5, resourceVersion: 6, generation: 7, creationTimestamp: 8, deletionTimestamp: 9,
      deletionGracePeriodSeconds: 10, labels: 11, annotations: 12, ownerReferences: 13, finalizers: 14,
    },
  },
);

// ---- names ----

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export type NameRule = "dns1123-label" | "dns1123-subdomain";

export function nameErrors(rule: NameRule, value: string): string[] {
  if (rule === "dns1123-label") {
    const out: string[] = [];
    if (value.length > 63) out.push("must be no more than 63 characters");
    if (!DNS1123_LABEL.test(value))
      out.push("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')");
    return out;
  }
  const out: string[] = [];
  if (value.length > 253) out.push("must be no more than 253 characters");
  if (!DNS1123_SUBDOMAIN.test(value))
    out.push("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')");
  return out;
}

/** Errors of a label or annotation key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
export function qualifiedNameErrors(key: string): string[] {
  const parts = key.split("/");
  let name = key;
  const out: string[] = [];
  if (parts.length === 2) {
    const [prefix, rest] = parts as [string, string];
    name = rest;
    if (!prefix) out.push("prefix part must be non-empty");
    else if (nameErrors("dns1123-subdomain", prefix).length) out.push(`prefix part ${nameErrors("dns1123-subdomain", prefix).join("; ")}`);
  } else if (parts.length > 2) {
    return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  if (!name) out.push("name part must be non-empty");
  else {
    if (name.length > 63) out.push("name part must be no more than 63 characters");
    if (!QUALIFIED_NAME.test(name))
      out.push("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc')");
  }
  return out;
}

const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/** Validates what a client may set in metadata. `nameRule` is the kind's rule for names. */
export function validateMeta(meta: ObjectMeta, nameRule: NameRule, namespaced: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const invalid = (field: string, value: string, msg: string) => causes.push({ reason: "FieldValueInvalid", field, message: `Invalid value: ${JSON.stringify(value)}: ${msg}` });
  if (!meta.name) {
    causes.push({ reason: "FieldValueRequired", field: "metadata.name", message: "Required value: name or generateName is required" });
  } else {
    for (const e of nameErrors(nameRule, meta.name)) invalid("metadata.name", meta.name, e);
  }
  if (namespaced && !meta.namespace) causes.push({ reason: "FieldValueRequired", field: "metadata.namespace", message: "Required value" });
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    for (const e of qualifiedNameErrors(k)) invalid("metadata.labels", k, e);
    if (v.length > 63) invalid(`metadata.labels`, v, "must be no more than 63 characters");
    else if (!LABEL_VALUE.test(v))
      invalid("metadata.labels", v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345')");
  }
  let size = 0;
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    for (const e of qualifiedNameErrors(k.toLowerCase())) invalid("metadata.annotations", k, e);
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > MAX_ANNOTATIONS_BYTES) causes.push({ reason: "FieldValueTooLong", field: "metadata.annotations", message: `Too long: must have at most ${MAX_ANNOTATIONS_BYTES} bytes` });
  for (const [i, f] of (meta.finalizers ?? []).entries()) {
    for (const e of qualifiedNameErrors(f)) invalid(`metadata.finalizers[${i}]`, f, e);
  }
  return causes;
}

// ---- server-owned fields ----

const GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** The name kube-apiserver makes from generateName: the prefix (cut to leave room) and five random characters. */
export function generateName(prefix: string): string {
  const bytes = randomBytes(5);
  let suffix = "";
  for (const b of bytes) suffix += GENERATE_ALPHABET[b % GENERATE_ALPHABET.length];
  return prefix.slice(0, 63 - 5) + suffix;
}

/** The metadata of an object being created: client fields kept, server fields set. */
export function metaForCreate(meta: ObjectMeta, now: Date): ObjectMeta {
  const {
    uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, deletionTimestamp: _dt, deletionGracePeriodSeconds: _dg, generation: _g,
    selfLink: _sl, managedFields: _mf, ...kept
  } = meta;
  return { ...kept, uid: randomUUID(), creationTimestamp: rfc3339(now) };
}

/** The metadata of an object being updated: what the client sent, with the server's fields carried over from `old`. */
export function metaForUpdate(meta: ObjectMeta, old: ObjectMeta): ObjectMeta {
  const { selfLink: _sl, managedFields: _mf, ...kept } = meta;
  const out: ObjectMeta = { ...kept, name: old.name, uid: old.uid, creationTimestamp: old.creationTimestamp };
  if (old.namespace !== undefined) out.namespace = old.namespace;
  else delete out.namespace;
  if (old.generation !== undefined) out.generation = old.generation;
  else delete out.generation;
  if (old.deletionTimestamp !== undefined) out.deletionTimestamp = old.deletionTimestamp;
  else delete out.deletionTimestamp;
  if (old.deletionGracePeriodSeconds !== undefined) out.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
  else delete out.deletionGracePeriodSeconds;
  delete out.generateName;
  if (old.generateName !== undefined) out.generateName = old.generateName;
  return out;
}

/** RFC 3339 in UTC without fractional seconds, as Kubernetes writes timestamps. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
