// What every kind shares: the apiVersion/kind/metadata fields of its schema, the NAME and AGE columns, and the checks
// ConfigMaps and Secrets make of their keys.
import { objectMetaSchema, type KubeObject } from "../meta";
import { t, type Schema } from "../schema";
import type { TableColumn } from "../resources";
import type { StatusCause } from "../status";
import { humanAge } from "../human-age";

export { humanAge };

export function typeMeta(): Record<string, Schema> {
  return {
    apiVersion: t.string("The versioned schema of this representation of an object."),
    kind: t.string("The REST resource this object represents."),
    metadata: objectMetaSchema,
  };
}

export const nameColumn: TableColumn = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name must be unique within a namespace.",
  priority: 0,
  cell: (o) => o.metadata.name ?? "",
};

export const ageColumn: TableColumn = {
  name: "Age",
  type: "string",
  description: "How long ago the object was created.",
  priority: 0,
  cell: (o, now) => humanAge(o.metadata.creationTimestamp, now),
};

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
export const MAX_DATA_BYTES = 1024 * 1024;

/** A ConfigMap or Secret key: alphanumerics, '-', '_' or '.', at most 253 characters, not "." or "..". */
export function configKeyErrors(field: string, key: string): StatusCause[] {
  const bad = (msg: string): StatusCause => ({ reason: "FieldValueInvalid", field, message: `Invalid value: ${JSON.stringify(key)}: ${msg}` });
  if (key.length > 253) return [bad("must be no more than 253 characters")];
  if (key === "." || key === "..") return [bad(`must not be '${key}'`)];
  if (!CONFIG_KEY.test(key)) return [bad("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name')")];
  return [];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
export const isBase64 = (s: string) => BASE64.test(s);

/** The immutable flag: once set, data may not change and the flag may not be cleared. */
export function immutableErrors(obj: KubeObject, old: KubeObject | undefined, dataFields: readonly string[]): StatusCause[] {
  if (!old || old.immutable !== true) return [];
  const out: StatusCause[] = [];
  if (obj.immutable !== true) out.push({ reason: "FieldValueForbidden", field: "immutable", message: "Forbidden: field is immutable when `immutable` is set" });
  for (const f of dataFields) {
    if (JSON.stringify(sorted(obj[f])) !== JSON.stringify(sorted(old[f])))
      out.push({ reason: "FieldValueForbidden", field: f, message: "Forbidden: field is immutable when `immutable` is set" });
  }
  return out;
}

const sorted = (v: unknown) => (v && typeof v === "object" ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => a.localeCompare(b))) : {});

export const dataCount = (o: KubeObject, ...fields: string[]) =>
  fields.reduce((n, f) => n + Object.keys((o[f] as Record<string, unknown> | undefined) ?? {}).length, 0);
