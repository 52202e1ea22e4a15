// A request body on its way in: its apiVersion and kind checked against the endpoint, decoded against the kind's schema
// (wrong types are a 400 naming the field), unknown fields handled as fieldValidation asks (Strict: 400 naming them;
// Warn, the default: dropped, one Warning each; Ignore: dropped), then defaults and validation (422 naming each field).
import type { KubeObject } from "./meta";
import { validateMeta } from "./meta";
import { apiVersionOf, type ResourceDef } from "./resources";
import { decode } from "./schema";
import { badRequest, invalid } from "./status";

export type FieldValidation = "Ignore" | "Warn" | "Strict";

export function parseFieldValidation(raw: string | null): FieldValidation {
  if (raw === null || raw === "") return "Warn";
  if (raw === "Ignore" || raw === "Warn" || raw === "Strict") return raw;
  throw badRequest(`fieldValidation parameter unsupported: ${JSON.stringify(raw)} (Ignore, Warn or Strict)`);
}

export function parseDryRun(values: string[]): boolean {
  for (const v of values) if (v !== "All") throw badRequest(`dryRun: Unsupported value: ${JSON.stringify(v)}: supported values: "All"`, [{ field: "dryRun", message: `Unsupported value: ${JSON.stringify(v)}` }]);
  return values.length > 0;
}

export interface Admitted {
  object: KubeObject;
  warnings: string[];
}

/** Decodes a body meant for `def`'s endpoint. */
export function decodeObject(def: ResourceDef, body: unknown, mode: FieldValidation): Admitted {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw badRequest("the request body must be a JSON object");
  const raw = body as Record<string, unknown>;
  const expected = apiVersionOf(def);
  if (raw.kind === undefined || raw.kind === "") throw badRequest(`Object 'Kind' is missing in the request body (expected ${JSON.stringify(def.kind)})`, [{ field: "kind", message: "Required value" }]);
  if (raw.apiVersion === undefined || raw.apiVersion === "")
    throw badRequest(`Object 'apiVersion' is missing in the request body (expected ${JSON.stringify(expected)})`, [{ field: "apiVersion", message: "Required value" }]);
  if (raw.apiVersion !== expected)
    throw badRequest(`the API version in the data (${String(raw.apiVersion)}) does not match the expected API version (${expected})`, [
      { field: "apiVersion", message: `Invalid value: ${JSON.stringify(raw.apiVersion)}: must be ${expected}` },
    ]);
  if (raw.kind !== def.kind)
    throw badRequest(`the kind in the data (${String(raw.kind)}) does not match the expected kind (${def.kind}) of ${def.plural}`, [
      { field: "kind", message: `Invalid value: ${JSON.stringify(raw.kind)}: must be ${def.kind}` },
    ]);

  const decoded = decode(def.schema, raw);
  if (decoded.typeErrors.length) {
    const what = decoded.typeErrors.map((c) => `${c.field}: ${c.message}`).join(", ");
    throw badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${what}`, decoded.typeErrors);
  }
  const unknown = decoded.unknownFields.map((f) => `unknown field ${JSON.stringify(f)}`);
  if (unknown.length && mode === "Strict")
    throw badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: strict decoding error: ${unknown.join(", ")}`,
      decoded.unknownFields.map((f) => ({ reason: "FieldValueInvalid", field: f, message: "unknown field" })));
  const object = decoded.value as KubeObject;
  object.metadata ??= {};
  return { object, warnings: mode === "Warn" ? unknown : [] };
}

/** Defaults, then validation of metadata and of the kind; throws 422 Invalid naming every bad field. */
export function normalizeAndValidate(def: ResourceDef, obj: KubeObject, old: KubeObject | undefined): void {
  def.normalize?.(obj, old);
  const causes = [...validateMeta(obj.metadata, def.nameRule, def.namespaced), ...def.validate(obj, old)];
  if (causes.length) throw invalid(def.kind, def.group, obj.metadata.name ?? obj.metadata.generateName ?? "", causes);
}
