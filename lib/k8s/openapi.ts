// OpenAPI v3 documents of the served group/versions (/openapi/v3 and /openapi/v3/api/v1, /openapi/v3/apis/G/V), made
// from the registry's schemas. kubectl reads them for `kubectl explain`, and to learn that this server validates fields
// itself (the `fieldValidation` parameter on each kind's PATCH): it then sends fieldValidation=Strict instead of
// validating manifests against a schema of its own. OpenAPI v2 (which kubectl reads as protobuf) is openapi-v2.ts.
import { createHash } from "node:crypto";
import { allResources, groupVersions, type ResourceDef } from "./resources";
import { toOpenApi } from "./schema";
import { encodeSwaggerDocument, swaggerDocument } from "./openapi-v2";

const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

const listMetaName = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";
const statusName = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";

function queryParam(name: string, description: string) {
  return { name, in: "query", description, schema: { type: "string", uniqueItems: true } };
}

const WRITE_PARAMS = [
  queryParam("dryRun", "When present (All), the request is checked but nothing is stored."),
  queryParam("fieldManager", "A name for the actor making the change."),
  queryParam(
    "fieldValidation",
    "What to do with unknown fields in the body: Ignore drops them, Warn (the default) drops them with a Warning header each, Strict fails the request naming them.",
  ),
];
const LIST_PARAMS = [
  queryParam("labelSelector", "Only objects whose labels match (=, ==, !=, in, notin, exists, !key)."),
  queryParam("fieldSelector", "Only objects whose fields match (metadata.name, metadata.namespace, and the kind's own)."),
  queryParam("resourceVersion", "With watch: the resourceVersion to resume after."),
  queryParam("watch", "Stream changes (ADDED, MODIFIED, DELETED, BOOKMARK) instead of listing."),
  queryParam("allowWatchBookmarks", "Send BOOKMARK events carrying the current resourceVersion."),
  queryParam("limit", "At most this many objects; metadata.continue fetches the next page."),
  queryParam("continue", "The token of the previous page."),
  queryParam("timeoutSeconds", "End a watch after this many seconds."),
];

function operations(def: ResourceDef, ref: string, listRef: string) {
  const gvk = { group: def.group, version: def.version, kind: def.kind };
  const ok = (schemaRef: string) => ({ "200": { description: "OK", content: { "application/json": { schema: { $ref: schemaRef } } } } });
  const op = (action: string, verb: string, extra: Record<string, unknown> = {}) =>
    def.verbs.includes(verb as never)
      ? {
          description: `${action} ${def.kind}`,
          operationId: `${action}${def.kind}`,
          "x-kubernetes-action": verb === "create" ? "post" : verb === "update" ? "put" : verb,
          "x-kubernetes-group-version-kind": gvk,
          ...extra,
        }
      : undefined;
  const body = { requestBody: { required: true, content: { "application/json": { schema: { $ref: ref } } } } };
  const item = {
    get: op("read", "get", { responses: ok(ref) }),
    put: op("replace", "update", { parameters: WRITE_PARAMS, ...body, responses: ok(ref) }),
    patch: op("patch", "patch", {
      parameters: [...WRITE_PARAMS, queryParam("force", "Server-side apply: take fields other managers own.")],
      requestBody: {
        required: true,
        content: Object.fromEntries(
          ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"].map((t) => [t, { schema: { type: "object" } }]),
        ),
      },
      responses: ok(ref),
    }),
    delete: op("delete", "delete", { parameters: [queryParam("dryRun", "When present (All), nothing is deleted.")], responses: ok(`#/components/schemas/${statusName}`) }),
  };
  const collection = {
    get: op("list", "list", { parameters: LIST_PARAMS, responses: ok(listRef) }),
    post: op("create", "create", { parameters: WRITE_PARAMS, ...body, responses: ok(ref) }),
    delete: op("deletecollection", "deletecollection", { parameters: LIST_PARAMS.slice(0, 2), responses: ok(listRef) }),
  };
  const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return { item: clean(item), collection: clean(collection) };
}

/** The OpenAPI v3 document of one group/version, or null when it is not served. */
export function openApiDocument(group: string, version: string): Record<string, unknown> | null {
  const defs = allResources().filter((d) => d.group === group && d.version === version);
  if (defs.length === 0) return null;
  const components: Record<string, unknown> = {};
  components[listMetaName] = {
    description: "Metadata of a list: its resourceVersion and the token of the next page.",
    type: "object",
    properties: { resourceVersion: { type: "string" }, continue: { type: "string" }, remainingItemCount: { type: "integer", format: "int64" } },
  };
  components[statusName] = {
    description: "The outcome of an operation that does not return an object, or of a failure.",
    type: "object",
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      status: { type: "string" },
      message: { type: "string" },
      reason: { type: "string" },
      code: { type: "integer", format: "int32" },
      details: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
  };
  const paths: Record<string, unknown> = {};
  const prefix = `/${gvPath(group, version)}`;
  for (const def of defs) {
    const name = def.schema.name ?? `${group || "core"}.${version}.${def.kind}`;
    const kindSchema = toOpenApi({ ...def.schema, name: undefined }, components);
    components[name] = { ...kindSchema, "x-kubernetes-group-version-kind": [{ group, version, kind: def.kind }] };
    const listName = `${name}List`;
    components[listName] = {
      description: `A list of ${def.kind} objects.`,
      type: "object",
      required: ["items"],
      properties: {
        apiVersion: { type: "string" },
        kind: { type: "string" },
        metadata: { allOf: [{ $ref: `#/components/schemas/${listMetaName}` }] },
        items: { type: "array", items: { $ref: `#/components/schemas/${name}` } },
      },
      "x-kubernetes-group-version-kind": [{ group, version, kind: `${def.kind}List` }],
    };
    const { item, collection } = operations(def, `#/components/schemas/${name}`, `#/components/schemas/${listName}`);
    const nameParam = { name: "name", in: "path", required: true, description: `name of the ${def.kind}`, schema: { type: "string", uniqueItems: true } };
    const nsParam = { name: "namespace", in: "path", required: true, description: "object name and auth scope", schema: { type: "string", uniqueItems: true } };
    if (def.namespaced) {
      paths[`${prefix}/namespaces/{namespace}/${def.plural}`] = { ...collection, parameters: [nsParam] };
      paths[`${prefix}/namespaces/{namespace}/${def.plural}/{name}`] = { ...item, parameters: [nameParam, nsParam] };
      if (collection.get) paths[`${prefix}/${def.plural}`] = { get: { ...(collection.get as object), operationId: `list${def.kind}ForAllNamespaces` } };
    } else {
      paths[`${prefix}/${def.plural}`] = collection;
      paths[`${prefix}/${def.plural}/{name}`] = { ...item, parameters: [nameParam] };
    }
  }
  return {
    openapi: "3.0.0",
    info: { title: "Gantry Kubernetes API", version: "v1.32.0" },
    paths,
    components: { schemas: components },
  };
}

/** GET /openapi/v3: where each group/version's document is, with a hash that changes when it does. */
export function openApiIndex(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of groupVersions()) {
    const hash = createHash("sha512").update(JSON.stringify(openApiDocument(group, version))).digest("hex").slice(0, 64).toUpperCase();
    paths[gvPath(group, version)] = { serverRelativeURL: `/openapi/v3/${gvPath(group, version)}?hash=${hash}` };
  }
  return { paths };
}

export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

let v2: { json: Record<string, unknown>; protobuf: Buffer } | null = null;

/**
 * GET /openapi/v2 (lib/k8s/openapi-v2.ts): every served kind's definition, as JSON or as the protobuf kubectl asks for.
 * A kind or apiVersion this server does not serve has no definition, so kubectl goes on to say "no matches for kind …
 * in version …". Made once: the schemas do not change while the server runs.
 */
export function openApiV2(protobuf: boolean): Buffer | Record<string, unknown> {
  if (!v2) {
    const json = swaggerDocument();
    v2 = { json, protobuf: encodeSwaggerDocument(json) };
  }
  return protobuf ? v2.protobuf : v2.json;
}
