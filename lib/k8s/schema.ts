// The shape of each kind, written once as a small type tree and used three ways: decoding a request body (wrong types
// are named by field; unknown fields are listed for fieldValidation and dropped), the OpenAPI v3 documents kubectl reads
// (explain, and whether the server validates fields itself), and strategic merge patch (which lists merge by which key).
import { QUANTITY_MESSAGE, parseQuantity, quantityString } from "./quantity";
import type { StatusCause } from "./status";

interface Base {
  description?: string;
  /** A Go pointer field (*int64, *bool): in protobuf it is on the wire whenever set, zero included, and a zero read
   *  there is kept — DeleteOptions' gracePeriodSeconds 0 means "at once", not "the default". */
  pointer?: true;
}
export type Schema =
  | (Base & { type: "string"; format?: "byte" | "date-time"; enum?: readonly string[] })
  | (Base & { type: "integer"; format?: "int32" | "int64" })
  | (Base & { type: "number" })
  | (Base & { type: "boolean" })
  | (Base & {
      type: "object";
      properties: Record<string, Schema>;
      required?: readonly string[];
      name?: string;
      /** Strategic merge patch: "retainKeys" — kubectl sends $retainKeys for it, so a field left out of a patch of a
       *  union (a Deployment's strategy, a volume's source) goes. */
      patchStrategy?: "retainKeys";
      /** Field numbers in Kubernetes' protobuf encoding (generated.proto), for bodies typed clients send as protobuf. */
      proto?: Readonly<Record<string, number>>;
    })
  | (Base & { type: "map"; values: Schema })
  | (Base & {
      type: "array";
      items: Schema;
      /** Strategic merge patch: lists of objects merged by this key (containers by name); lists of scalars as sets. */
      patchStrategy?: "merge" | "replace" | "merge,retainKeys";
      mergeKey?: string;
    })
  /** A resource quantity ("100m", "1Gi") or an int-or-string (a port name or number): a string or a number. */
  | (Base & { type: "quantity" | "int-or-string" })
  /** Free-form JSON, kept as sent (x-kubernetes-preserve-unknown-fields). */
  | (Base & { type: "any" });

export type ObjectSchema = Extract<Schema, { type: "object" }>;

/** Whether a strategic merge patch merges this list element by element (rather than replacing it). */
export const mergesList = (s: Schema | undefined): s is Extract<Schema, { type: "array" }> =>
  s?.type === "array" && (s.patchStrategy === "merge" || s.patchStrategy === "merge,retainKeys");

export const t = {
  string: (description?: string, extra: { format?: "byte" | "date-time"; enum?: readonly string[] } = {}): Schema => ({ type: "string", description, ...extra }),
  int: (description?: string, format: "int32" | "int64" = "int32"): Schema => ({ type: "integer", format, description }),
  bool: (description?: string): Schema => ({ type: "boolean", description }),
  map: (values: Schema, description?: string): Schema => ({ type: "map", values, description }),
  array: (items: Schema, description?: string, merge: { patchStrategy?: "merge" | "replace" | "merge,retainKeys"; mergeKey?: string } = {}): Schema => ({
    type: "array",
    items,
    description,
    ...merge,
  }),
  object: (
    properties: Record<string, Schema>,
    opts: { description?: string; required?: readonly string[]; name?: string; patchStrategy?: "retainKeys"; proto?: Readonly<Record<string, number>> } = {},
  ): ObjectSchema => ({
    type: "object",
    properties,
    ...opts,
  }),
  quantity: (description?: string): Schema => ({ type: "quantity", description }),
  intOrString: (description?: string): Schema => ({ type: "int-or-string", description }),
  any: (description?: string): Schema => ({ type: "any", description }),
};

export interface Decoded {
  /** The value with unknown fields and nulls dropped (what would be stored). */
  value: unknown;
  /** Paths of fields the schema does not know, e.g. `spec.replica`, `metadata.labelz`. */
  unknownFields: string[];
  /** Values of the wrong JSON type, each naming its field. */
  typeErrors: StatusCause[];
}

const jsonType = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Decodes a parsed JSON value against a schema (the way kube-apiserver's decoder does before validation). */
export function decode(schema: Schema, value: unknown, path = ""): Decoded {
  const out: Decoded = { value: undefined, unknownFields: [], typeErrors: [] };
  out.value = walk(schema, value, path, out);
  return out;
}

function typeError(out: Decoded, path: string, want: string, value: unknown) {
  out.typeErrors.push({ reason: "FieldValueTypeInvalid", field: path, message: `Invalid value: ${jsonType(value)}: must be of type ${want}` });
  return undefined;
}

function walk(schema: Schema, value: unknown, path: string, out: Decoded): unknown {
  if (value === null || value === undefined) return undefined;
  switch (schema.type) {
    case "string":
      if (typeof value !== "string") return typeError(out, path, "string", value);
      if (schema.format === "date-time" && Number.isNaN(Date.parse(value))) {
        out.typeErrors.push({ reason: "FieldValueTypeInvalid", field: path, message: `Invalid value: "${value}": must be an RFC 3339 date-time` });
        return undefined;
      }
      return value;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) return typeError(out, path, "integer", value);
      return value;
    case "number":
      if (typeof value !== "number") return typeError(out, path, "number", value);
      return value;
    case "boolean":
      if (typeof value !== "boolean") return typeError(out, path, "boolean", value);
      return value;
    case "quantity":
      if (typeof value !== "string" && typeof value !== "number") return typeError(out, path, "string or number", value);
      if (parseQuantity(value) === null) {
        out.typeErrors.push({ reason: "FieldValueTypeInvalid", field: path, message: `Invalid value: ${JSON.stringify(value)}: ${QUANTITY_MESSAGE}` });
        return undefined;
      }
      return quantityString(value);
    case "int-or-string":
      if (typeof value !== "string" && typeof value !== "number") return typeError(out, path, "string or number", value);
      return value;
    case "any":
      return value;
    case "map": {
      if (jsonType(value) !== "object") return typeError(out, path, "object", value);
      const result: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const d = walk(schema.values, v, `${path}[${k}]`, out);
        if (d !== undefined) result[k] = d;
      }
      return result;
    }
    case "array": {
      if (!Array.isArray(value)) return typeError(out, path, "array", value);
      return value.map((v, i) => walk(schema.items, v, `${path}[${i}]`, out)).filter((v) => v !== undefined);
    }
    case "object": {
      if (jsonType(value) !== "object") return typeError(out, path, "object", value);
      const result: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const field = schema.properties[k];
        if (!field) {
          out.unknownFields.push(join(path, k));
          continue;
        }
        const d = walk(field, v, join(path, k), out);
        if (d !== undefined) result[k] = d;
      }
      return result;
    }
  }
}

/** The schema of a field path (`spec.template.spec.containers`), or undefined when the schema does not know it. */
export function schemaAt(schema: Schema | undefined, keys: readonly string[]): Schema | undefined {
  let s = schema;
  for (const k of keys) {
    if (!s) return undefined;
    if (s.type === "object") s = s.properties[k];
    else if (s.type === "map") s = s.values;
    else if (s.type === "array") s = s.items;
    else return undefined;
  }
  return s;
}

const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

/** The schema as an OpenAPI v3 schema object; named objects become components (`#/components/schemas/NAME`). */
export function toOpenApi(schema: Schema, components: Record<string, unknown>): Record<string, unknown> {
  const describe = (o: Record<string, unknown>) => (schema.description ? { description: schema.description, ...o } : o);
  switch (schema.type) {
    case "string":
      return describe({ type: "string", ...(schema.format ? { format: schema.format } : {}), ...(schema.enum ? { enum: [...schema.enum] } : {}) });
    case "integer":
      return describe({ type: "integer", format: schema.format ?? "int32" });
    case "number":
      return describe({ type: "number", format: "double" });
    case "boolean":
      return describe({ type: "boolean" });
    // Kubernetes' own named types, so kubectl explain prints <Quantity> and <IntOrString> (it names a reference whose
    // schema has no type).
    case "quantity":
      components[QUANTITY] ??= {
        description: "A fixed-point number: a decimal with an optional suffix — binary (Ki, Mi, Gi, Ti, Pi, Ei), decimal (m, k, M, G, T, P, E) or an exponent (e3). 100m is a tenth of a CPU; 64Mi is 64 × 2^20 bytes.",
        oneOf: [{ type: "string" }, { type: "number" }],
        "x-kubernetes-int-or-string": true,
      };
      return describe({ allOf: [{ $ref: `#/components/schemas/${QUANTITY}` }] });
    case "int-or-string":
      components[INT_OR_STRING] ??= { description: "A value that can be an integer or a string.", format: "int-or-string", "x-kubernetes-int-or-string": true };
      return describe({ allOf: [{ $ref: `#/components/schemas/${INT_OR_STRING}` }] });
    case "any":
      return describe({ type: "object", "x-kubernetes-preserve-unknown-fields": true });
    case "map":
      return describe({ type: "object", additionalProperties: toOpenApi(schema.values, components) });
    case "array": {
      const o: Record<string, unknown> = { type: "array", items: toOpenApi(schema.items, components) };
      if (schema.patchStrategy) o["x-kubernetes-patch-strategy"] = schema.patchStrategy;
      if (schema.mergeKey) {
        o["x-kubernetes-patch-merge-key"] = schema.mergeKey;
        o["x-kubernetes-list-type"] = "map";
        o["x-kubernetes-list-map-keys"] = [schema.mergeKey];
      }
      return describe(o);
    }
    case "object": {
      const properties: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(schema.properties)) properties[k] = toOpenApi(v, components);
      const body: Record<string, unknown> = describe({
        type: "object",
        properties,
        ...(schema.required?.length ? { required: [...schema.required] } : {}),
        ...(schema.patchStrategy ? { "x-kubernetes-patch-strategy": schema.patchStrategy } : {}),
      });
      if (!schema.name) return body;
      if (!(schema.name in components)) components[schema.name] = body;
      // The type's description is the component's; kubectl explain prints it after the field's (an array's).
      return { allOf: [{ $ref: `#/components/schemas/${schema.name}` }] };
    }
  }
}
