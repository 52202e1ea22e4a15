// PATCH …/{name} with application/apply-patch+yaml: server-side apply (`kubectl apply --server-side`). The field
// manager's configuration is merged into the object (created when missing): maps merge, lists with a merge key merge
// by it, other lists and scalars are set. The manager then owns exactly the configuration's fields — a field it owned
// and no longer sends is removed unless another manager owns it too — and setting a field another manager owns to a
// different value is a 409 Conflict naming both, unless force=true takes it over.
import type { Actor } from "@/lib/auth/policy";
import { decodeObject, type FieldValidation } from "./admit";
import { admitHostAccess } from "@/lib/pods/host-access";
import { authorizeKube } from "./authorize";
import { canonicalJson } from "./canonical";
import { insertNew, type WriteResult } from "./create-object";
import { describePath, entriesOf, fieldSet, ownedBy, removeAt, valueAt, type FieldManager } from "./managed-fields";
import type { KubeObject } from "./meta";
import { replaceStored } from "./replace-stored";
import type { ResourceDef } from "./resources";
import { mergesList, type Schema } from "./schema";
import { KubeError, badRequest } from "./status";
import { writeTransaction } from "./store";

export interface ApplyInput {
  actor: Actor | null;
  def: ResourceDef;
  namespace?: string;
  name: string;
  configuration: unknown;
  fieldManager: string | null;
  force?: boolean;
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

function child(schema: Schema | undefined, key: string): Schema | undefined {
  if (schema?.type === "object") return schema.properties[key];
  if (schema?.type === "map") return schema.values;
  return undefined;
}

function mergeApplied(cur: unknown, app: unknown, schema: Schema | undefined): unknown {
  if (Array.isArray(app) && mergesList(schema)) {
    const out = Array.isArray(cur) ? [...cur] : [];
    for (const el of app) {
      const key = schema.mergeKey;
      const at = key && isObject(el) ? out.findIndex((o) => isObject(o) && canonicalJson(o[key]) === canonicalJson(el[key])) : out.findIndex((o) => canonicalJson(o) === canonicalJson(el));
      if (at < 0) out.push(el);
      else if (key) out[at] = mergeApplied(out[at], el, schema.items);
    }
    return out;
  }
  if (isObject(app) && isObject(cur) && schema?.type !== "any") {
    const out: Record<string, unknown> = { ...cur };
    for (const [k, v] of Object.entries(app)) out[k] = mergeApplied(cur[k], v, child(schema, k));
    return out;
  }
  return app;
}

export async function applyObject(input: ApplyInput): Promise<WriteResult & { created: boolean }> {
  const { actor, def, namespace, name } = input;
  authorizeKube(actor, def, "patch", namespace, name);
  const manager = input.fieldManager ?? "";
  if (!manager)
    throw new KubeError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', {
      causes: [{ reason: "FieldValueRequired", field: "fieldManager", message: "Required value: is required for apply patch" }],
    });
  const { object: applied, warnings } = decodeObject(def, input.configuration, input.fieldValidation ?? "Warn");
  if (applied.metadata.name && applied.metadata.name !== name)
    throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`, [{ field: "metadata.name", message: "does not match the URL" }]);
  applied.metadata.name = name;
  delete applied.status;
  const who: FieldManager = { manager, operation: "Apply" };
  const appliedFields = fieldSet(applied, def.schema);

  return writeTransaction(async (w) => {
    const old = await w.get(def, namespace ?? "", name);
    if (!old) {
      await admitHostAccess(actor, def.plural, def.group, applied, undefined);
      return { object: await insertNew(w, def, namespace, applied, who, appliedFields), warnings, created: true };
    }

    const others = ownedBy(entriesOf(old)).filter(({ entry }) => !(entry.manager === manager && entry.operation === "Apply"));
    const conflicts: Array<{ path: string; manager: string; operation: string; apiVersion: string }> = [];
    for (const p of appliedFields) {
      const current = valueAt(old, p);
      if (current === undefined || canonicalJson(current) === canonicalJson(valueAt(applied, p))) continue;
      for (const { entry, fields } of others) if (fields.has(p)) conflicts.push({ path: p, manager: entry.manager, operation: entry.operation, apiVersion: entry.apiVersion });
    }
    if (conflicts.length && !input.force) {
      const what = conflicts.map((c) => `conflict with "${c.manager}"${c.operation === "Update" ? ` using ${c.apiVersion}` : ""}: ${describePath(c.path)}`);
      throw new KubeError(409, "Conflict", `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? "s" : ""}: ${what.join("\n")}`, {
        name,
        group: def.group,
        kind: def.plural,
        causes: conflicts.map((c, i) => ({ reason: "FieldManagerConflict", message: what[i]!.replace(/: [^:]*$/, ""), field: describePath(c.path) })),
      });
    }

    const merged = mergeApplied(old, applied, def.schema) as KubeObject;
    merged.metadata = { ...old.metadata, ...(merged.metadata as object) };
    if (!applied.metadata.resourceVersion) delete merged.metadata.resourceVersion;
    // What this manager applied before and dropped now goes, unless someone else still owns it.
    const before = ownedBy(entriesOf(old)).find(({ entry }) => entry.manager === manager && entry.operation === "Apply")?.fields ?? new Set<string>();
    for (const p of before) {
      if (!appliedFields.has(p) && !others.some(({ fields }) => fields.has(p))) removeAt(merged, p);
    }
    await admitHostAccess(actor, def.plural, def.group, merged, old);
    return { object: await replaceStored(w, def, old, merged, who, { applied: appliedFields }), warnings, created: false };
  }, { dryRun: input.dryRun });
}
