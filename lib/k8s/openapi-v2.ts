// GET /openapi/v2: the Swagger 2.0 document of every served kind, made from the same schemas as OpenAPI v3 — what
// kubectl reads for `explain --output=plaintext-openapiv2`, what older kubectls (1.20) read for explain and for their
// client-side validation, and what kubectl falls back to for strategic-merge-patch keys. Each kind's definition carries
// x-kubernetes-group-version-kind, lists their x-kubernetes-patch-merge-key/-strategy. kubectl asks for it as protobuf
// (gnostic's openapi.v2.Document, google/gnostic openapiv2/OpenAPIv2.proto), encoded here from the JSON document.
import { allResources } from "./resources";
import type { Schema } from "./schema";

const TITLE = "Gantry Kubernetes API";
const VERSION = "v1.32.0";
const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

type Json = Record<string, unknown>;

function swagger(schema: Schema, definitions: Record<string, Json>): Json {
  const describe = (o: Json) => (schema.description ? { description: schema.description, ...o } : o);
  switch (schema.type) {
    case "string":
      return describe({ type: "string", ...(schema.format ? { format: schema.format } : {}), ...(schema.enum ? { enum: [...schema.enum] } : {}) });
    case "integer":
      return describe({ type: "integer", format: schema.format ?? "int32" });
    case "number":
      return describe({ type: "number", format: "double" });
    case "boolean":
      return describe({ type: "boolean" });
    case "quantity":
      definitions[QUANTITY] ??= { description: "A fixed-point number with an optional suffix (100m, 64Mi, 1e3).", type: "string" };
      return describe({ $ref: `#/definitions/${QUANTITY}` });
    case "int-or-string":
      definitions[INT_OR_STRING] ??= { description: "A value that can be an integer or a string.", type: "string", format: "int-or-string" };
      return describe({ $ref: `#/definitions/${INT_OR_STRING}` });
    case "any":
      return describe({ type: "object" });
    case "map":
      return describe({ type: "object", additionalProperties: swagger(schema.values, definitions) });
    case "array": {
      const o: Json = { type: "array", items: swagger(schema.items, definitions) };
      if (schema.patchStrategy) o["x-kubernetes-patch-strategy"] = schema.patchStrategy;
      if (schema.mergeKey) o["x-kubernetes-patch-merge-key"] = schema.mergeKey;
      return describe(o);
    }
    case "object": {
      const properties: Record<string, Json> = {};
      for (const [k, v] of Object.entries(schema.properties)) properties[k] = swagger(v, definitions);
      const body: Json = describe({
        type: "object",
        ...(schema.required?.length ? { required: [...schema.required] } : {}),
        properties,
        ...(schema.patchStrategy ? { "x-kubernetes-patch-strategy": schema.patchStrategy } : {}),
      });
      if (!schema.name) return body;
      if (!(schema.name in definitions)) definitions[schema.name] = body;
      return { $ref: `#/definitions/${schema.name}` };
    }
  }
}

/** The document as JSON. */
export function swaggerDocument(): Json {
  const definitions: Record<string, Json> = {};
  for (const def of allResources()) {
    const name = def.schema.name ?? `${def.group || "core"}.${def.version}.${def.kind}`;
    const body = swagger({ ...def.schema, name: undefined }, definitions);
    definitions[name] = { ...body, "x-kubernetes-group-version-kind": [{ group: def.group, kind: def.kind, version: def.version }] };
  }
  const sorted = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { swagger: "2.0", info: { title: TITLE, version: VERSION }, paths: {}, definitions: sorted };
}

// ---- protobuf ----

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}

const bytesField = (n: number, payload: Buffer) => Buffer.concat([varint((n << 3) | 2), varint(payload.length), payload]);
const stringField = (n: number, s: string) => bytesField(n, Buffer.from(s, "utf8"));

/** Any{yaml = 2}: JSON is YAML, which is what kubectl parses vendor extensions and enum values with. */
const anyYaml = (v: unknown) => stringField(2, JSON.stringify(v));
const namedAny = (name: string, v: unknown) => Buffer.concat([stringField(1, name), bytesField(2, anyYaml(v))]);

/** openapi.v2.Schema from a JSON schema made by swagger() above. */
function encodeSchema(s: Json): Buffer {
  const parts: Buffer[] = [];
  if (typeof s.$ref === "string") parts.push(stringField(1, s.$ref));
  if (typeof s.format === "string") parts.push(stringField(2, s.format));
  if (typeof s.description === "string") parts.push(stringField(4, s.description));
  for (const r of (s.required as string[] | undefined) ?? []) parts.push(stringField(19, r));
  for (const e of (s.enum as unknown[] | undefined) ?? []) parts.push(bytesField(20, anyYaml(e)));
  if (s.additionalProperties) parts.push(bytesField(21, bytesField(1, encodeSchema(s.additionalProperties as Json))));
  if (typeof s.type === "string") parts.push(bytesField(22, stringField(1, s.type)));
  if (s.items) parts.push(bytesField(23, bytesField(1, encodeSchema(s.items as Json))));
  if (s.properties) {
    const props = Object.entries(s.properties as Record<string, Json>).map(([k, v]) => bytesField(1, Buffer.concat([stringField(1, k), bytesField(2, encodeSchema(v))])));
    parts.push(bytesField(25, Buffer.concat(props)));
  }
  for (const [k, v] of Object.entries(s)) if (k.startsWith("x-")) parts.push(bytesField(31, namedAny(k, v)));
  return Buffer.concat(parts);
}

/** openapi.v2.Document: swagger = 1, info = 2 {title = 1, version = 2}, paths = 8, definitions = 9. */
export function encodeSwaggerDocument(doc: Json): Buffer {
  const info = doc.info as { title: string; version: string };
  const definitions = Object.entries(doc.definitions as Record<string, Json>).map(([name, schema]) =>
    bytesField(1, Buffer.concat([stringField(1, name), bytesField(2, encodeSchema(schema))])),
  );
  return Buffer.concat([
    stringField(1, String(doc.swagger)),
    bytesField(2, Buffer.concat([stringField(1, info.title), stringField(2, info.version)])),
    bytesField(8, Buffer.alloc(0)),
    bytesField(9, Buffer.concat(definitions)),
  ]);
}
