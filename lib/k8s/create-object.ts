// POST …/{resource}: a new object. The server sets uid, creationTimestamp and resourceVersion, makes a name from
// generateName, and refuses an object in a namespace that does not exist or whose name is taken.
import type { Actor } from "@/lib/auth/policy";
import { decodeObject, normalizeAndValidate, type FieldValidation } from "./admit";
import { authorizeKube } from "./authorize";
import { nextManagedFields, type FieldManager, type FieldPath } from "./managed-fields";
import { generateName, metaForCreate, type KubeObject } from "./meta";
import { namespaceResource } from "./kinds/namespace";
import type { ResourceDef } from "./resources";
import { alreadyExists, badRequest, notFound } from "./status";
import { admitHostAccess } from "@/lib/pods/host-access";
import { writeTransaction, type StoreWriter } from "./store";

export interface CreateInput {
  actor: Actor | null;
  def: ResourceDef;
  namespace?: string;
  body: unknown;
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** Who writes, for metadata.managedFields (the request's fieldManager, else the client's name). */
  fieldManager: string;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
}

export async function createObject(input: CreateInput): Promise<WriteResult> {
  authorizeKube(input.actor, input.def, "create", input.namespace);
  return createTrusted(input, input.actor);
}

/** The create itself, for a caller already authorized (the API, above) or the control plane's own (lib/k8s/system-client.ts). */
export async function createTrusted(input: Omit<CreateInput, "actor">, author?: Actor | null): Promise<WriteResult> {
  const { def, namespace } = input;
  const { object, warnings } = decodeObject(def, input.body, input.fieldValidation ?? "Warn");
  // A user's write that adds host access needs the right (lib/pods/host-access.ts); the control plane's own may.
  if (author !== undefined) await admitHostAccess(author, def.plural, def.group, object, undefined);
  const who: FieldManager = { manager: input.fieldManager, operation: "Update" };
  const created = await writeTransaction((w) => insertNew(w, def, namespace, object, who), { dryRun: input.dryRun });
  return { object: created, warnings };
}

/**
 * Creates `object` (decoded, not yet validated) under the write lock: shared with server-side apply of a new object,
 * whose manager owns `applied` (the fields of its configuration) rather than every field.
 */
export async function insertNew(
  w: StoreWriter,
  def: ResourceDef,
  namespace: string | undefined,
  object: KubeObject,
  who: FieldManager,
  applied?: Set<FieldPath>,
): Promise<KubeObject> {
  const meta = object.metadata;
  if (def.namespaced) {
    if (meta.namespace && meta.namespace !== namespace)
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request", [
        { field: "metadata.namespace", message: `Invalid value: ${JSON.stringify(meta.namespace)}: does not match the request's namespace ${JSON.stringify(namespace)}` },
      ]);
    meta.namespace = namespace;
  } else {
    delete meta.namespace;
  }
  if (meta.resourceVersion) throw badRequest("resourceVersion should not be set on objects to be created", [{ field: "metadata.resourceVersion", message: "Forbidden: must be empty" }]);
  const generated = !meta.name && !!meta.generateName;
  if (generated) meta.name = generateName(meta.generateName!);
  const obj: KubeObject = { ...object, metadata: metaForCreate(meta, new Date()) };
  if (def.generationChanged) obj.metadata.generation = 1;
  normalizeAndValidate(def, obj, undefined);
  if (def.namespaced && !(await w.get(namespaceResource, "", namespace!))) throw notFound(namespaceResource, namespace!);
  for (let attempt = 0; await w.get(def, obj.metadata.namespace ?? "", obj.metadata.name!); attempt++) {
    if (!generated || attempt >= 5) throw alreadyExists(def, obj.metadata.name!);
    obj.metadata.name = generateName(obj.metadata.generateName!);
  }
  await def.claim?.(w, obj, undefined);
  obj.metadata.managedFields = nextManagedFields(undefined, obj, def.schema, who, applied);
  obj.metadata.resourceVersion = w.nextRevision().toString();
  await w.insert(def, obj);
  return obj;
}
