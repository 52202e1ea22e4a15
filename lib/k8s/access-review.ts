// Asking the server what one may do, as kube-apiserver answers it: SelfSubjectAccessReview (`kubectl auth can-i VERB
// RESOURCE`), SelfSubjectRulesReview (`kubectl auth can-i --list`) and authentication's SelfSubjectReview (`kubectl auth
// whoami`). Nothing is stored: a create answers the object back with its status filled in. The answers are the policy
// module's (lib/auth/policy.ts) through the same rights the verbs themselves ask (lib/k8s/authorize.ts and the pod
// streams' in lib/k8s/pod-container.ts), so "yes" here means the request would be let in.
import { can, canSomewhere, refusal, type Action, type Actor } from "@/lib/auth/policy";
import { READ_VERBS, SCALE_RIGHTS, kubeScope, rightsFor } from "./authorize";
import { podStreamRights, type PodStream } from "./pod-container";
import { decode, t, type ObjectSchema } from "./schema";
import { ALL_VERBS, allResources, subresourcesOf, type ResourceDef, type Verb } from "./resources";
import { objectMetaSchema } from "./meta";
import { badRequest, invalid, type StatusCause } from "./status";

/** A kind served only to be created, answered and forgotten (not stored, never listed). */
export interface ReviewKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  schema: ObjectSchema;
}

const resourceAttributes = t.object(
  {
    namespace: t.string("Namespace of the action; empty for cluster-scoped resources or all namespaces."),
    verb: t.string('A kubernetes resource API verb, like get, list, watch, create, update, delete, patch; "*" means all.'),
    group: t.string('The API group of the resource; "*" means all.'),
    version: t.string('The API version of the resource; "*" means all.'),
    resource: t.string('One of the existing resource types; "*" means all.'),
    subresource: t.string("One of the existing resource types' subresources."),
    name: t.string("The name of the resource being requested for a get or deleted for a delete; empty means all."),
    fieldSelector: t.any("Not used here."),
    labelSelector: t.any("Not used here."),
  },
  {
    name: "io.k8s.api.authorization.v1.ResourceAttributes",
    proto: { namespace: 1, verb: 2, group: 3, version: 4, resource: 5, subresource: 6, name: 7 },
  },
);
const nonResourceAttributes = t.object(
  { path: t.string("The URL path of the request."), verb: t.string("The standard HTTP verb.") },
  { name: "io.k8s.api.authorization.v1.NonResourceAttributes", proto: { path: 1, verb: 2 } },
);
const typeMeta = { apiVersion: t.string("The versioned schema."), kind: t.string("The REST resource."), metadata: objectMetaSchema };

export const ACCESS_REVIEW: ReviewKind = {
  group: "authorization.k8s.io",
  version: "v1",
  kind: "SelfSubjectAccessReview",
  plural: "selfsubjectaccessreviews",
  singular: "selfsubjectaccessreview",
  schema: t.object(
    {
      ...typeMeta,
      spec: t.object(
        { resourceAttributes, nonResourceAttributes },
        { name: "io.k8s.api.authorization.v1.SelfSubjectAccessReviewSpec", proto: { resourceAttributes: 1, nonResourceAttributes: 2 } },
      ),
      status: t.any("Filled in by the server."),
    },
    { name: "io.k8s.api.authorization.v1.SelfSubjectAccessReview", proto: { metadata: 1, spec: 2 } },
  ),
};

export const RULES_REVIEW: ReviewKind = {
  group: "authorization.k8s.io",
  version: "v1",
  kind: "SelfSubjectRulesReview",
  plural: "selfsubjectrulesreviews",
  singular: "selfsubjectrulesreview",
  schema: t.object(
    {
      ...typeMeta,
      spec: t.object({ namespace: t.string("The namespace to evaluate rules for.") }, { name: "io.k8s.api.authorization.v1.SelfSubjectRulesReviewSpec", proto: { namespace: 1 } }),
      status: t.any("Filled in by the server."),
    },
    { name: "io.k8s.api.authorization.v1.SelfSubjectRulesReview", proto: { metadata: 1, spec: 2 } },
  ),
};

export const SUBJECT_REVIEW: ReviewKind = {
  group: "authentication.k8s.io",
  version: "v1",
  kind: "SelfSubjectReview",
  plural: "selfsubjectreviews",
  singular: "selfsubjectreview",
  schema: t.object({ ...typeMeta, status: t.any("Filled in by the server.") }, { name: "io.k8s.api.authentication.v1.SelfSubjectReview", proto: { metadata: 1 } }),
};

export const REVIEW_KINDS: readonly ReviewKind[] = [ACCESS_REVIEW, RULES_REVIEW, SUBJECT_REVIEW];

export function findReviewKind(group: string, version: string, plural: string): ReviewKind | undefined {
  return REVIEW_KINDS.find((k) => k.group === group && k.version === version && k.plural === plural);
}

interface Decision {
  allowed: boolean;
  reason?: string;
}

const POD_STREAMS = new Set<string>(["log", "exec", "attach", "portforward"]);
/** Paths anyone signed in may GET (kube-apiserver's system:public-info-viewer and discovery roles). */
const PUBLIC_PATHS = ["/version", "/healthz", "/livez", "/readyz"];
const DISCOVERY_PATHS = ["/api", "/api/*", "/apis", "/apis/*", "/openapi/*"];

/** The first right missing in the namespace asked about (roles bound there count), or fleet-wide without one. */
function firstMissing(actor: Actor, rights: readonly Action[], namespace?: string): Action | null {
  return rights.find((r) => !can(actor, r, kubeScope(namespace))) ?? null;
}


/** One (resource, subresource, verb): the rights its request would be asked for, or a reason it cannot be served. */
function rightsOf(def: ResourceDef, subresource: string, verb: Verb): { rights: readonly Action[] } | { unserved: string } {
  if (!subresource) return def.verbs.includes(verb) ? { rights: rightsFor(def, verb) } : { unserved: `${verb} is not supported on ${def.plural}` };
  const sub = subresourcesOf(def).find((s) => s.name === subresource);
  if (!sub) return { unserved: `${def.plural} has no subresource ${subresource}` };
  if (!sub.verbs.includes(verb)) return { unserved: `${verb} is not supported on ${def.plural}/${subresource}` };
  if (POD_STREAMS.has(subresource)) return { rights: podStreamRights(subresource as PodStream) };
  if (subresource === "scale" && !READ_VERBS.includes(verb)) return { rights: SCALE_RIGHTS };
  return { rights: rightsFor(def, READ_VERBS.includes(verb) ? "get" : "update") };
}

function decideResource(actor: Actor, a: { verb?: string; group?: string; resource?: string; subresource?: string; namespace?: string }): Decision {
  const verbs: readonly Verb[] = a.verb === "*" ? ALL_VERBS : (ALL_VERBS as readonly string[]).includes(a.verb ?? "") ? [a.verb as Verb] : [];
  if (verbs.length === 0) return { allowed: false, reason: `the verb "${a.verb}" is not one this server serves` };
  const defs = allResources().filter((d) => (a.group === "*" || d.group === (a.group ?? "")) && (a.resource === "*" || d.plural === a.resource));
  if (defs.length === 0) return { allowed: false, reason: `the server does not serve the resource "${a.resource}" in API group "${a.group ?? ""}"` };
  for (const def of defs) {
    for (const verb of verbs) {
      const r = rightsOf(def, a.subresource ?? "", verb);
      // "*" asks about everything that exists: a verb a kind does not serve is not a refusal.
      if ("unserved" in r) {
        if (a.verb === "*" || a.resource === "*") continue;
        return { allowed: false, reason: r.unserved };
      }
      const missing = firstMissing(actor, r.rights, def.namespaced ? a.namespace : undefined);
      if (missing) return { allowed: false, reason: refusal(actor, missing) };
    }
  }
  return { allowed: true };
}

function decideNonResource(actor: Actor, a: { path?: string; verb?: string }): Decision {
  const path = a.path ?? "";
  const verb = (a.verb ?? "").toLowerCase();
  if (verb !== "get" && verb !== "head") return { allowed: false, reason: `only get is served on ${path || "non-resource paths"}` };
  if (PUBLIC_PATHS.includes(path)) return { allowed: true };
  const discovery = path === "/api" || path === "/apis" || path.startsWith("/api/") || path.startsWith("/apis/") || path.startsWith("/openapi/");
  if (!discovery) return { allowed: false, reason: `${path || "that path"} is not served` };
  // As the gateway serves discovery: to whoever may read somewhere.
  return canSomewhere(actor, "k8s.read") ? { allowed: true } : { allowed: false, reason: refusal(actor, "k8s.read") };
}

/** The body as this kind's object: known fields only, wrong types refused naming the field. */
function parse(kind: ReviewKind, body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest(`the request body must be a ${kind.kind} object`);
  const o = body as Record<string, unknown>;
  const causes: StatusCause[] = [];
  const expected = `${kind.group}/${kind.version}`;
  if (o.apiVersion !== undefined && o.apiVersion !== expected) causes.push({ reason: "FieldValueInvalid", field: "apiVersion", message: `Invalid value: "${String(o.apiVersion)}": must be ${expected}` });
  if (o.kind !== undefined && o.kind !== kind.kind) causes.push({ reason: "FieldValueInvalid", field: "kind", message: `Invalid value: "${String(o.kind)}": must be ${kind.kind}` });
  const d = decode(kind.schema, o);
  causes.push(...d.typeErrors);
  if (causes.length) throw invalid(kind.kind, kind.group, "", causes);
  return d.value as Record<string, unknown>;
}

function answer(kind: ReviewKind, spec: unknown, status: unknown) {
  return { apiVersion: `${kind.group}/${kind.version}`, kind: kind.kind, metadata: { creationTimestamp: null }, ...(spec ? { spec } : {}), status };
}

/** POST selfsubjectaccessreviews: `spec` back, with `status.allowed` (and the reason when not). */
export function reviewAccess(actor: Actor, body: unknown) {
  const obj = parse(ACCESS_REVIEW, body);
  const spec = (obj.spec ?? {}) as { resourceAttributes?: Record<string, string>; nonResourceAttributes?: Record<string, string> };
  const r = spec.resourceAttributes;
  const n = spec.nonResourceAttributes;
  if (!!r === !!n) {
    const field = r ? "spec.nonResourceAttributes" : "spec.resourceAttributes";
    throw invalid(ACCESS_REVIEW.kind, ACCESS_REVIEW.group, "", [{ reason: "FieldValueRequired", field, message: "exactly one of resourceAttributes and nonResourceAttributes must be specified" }]);
  }
  const decision = r ? decideResource(actor, r) : decideNonResource(actor, n!);
  return answer(ACCESS_REVIEW, spec, decision.allowed ? { allowed: true } : { allowed: false, reason: decision.reason });
}

/** POST selfsubjectrulesreviews: every resource and subresource with the verbs one may use on it (in `spec.namespace`). */
export function reviewRules(actor: Actor, body: unknown) {
  const obj = parse(RULES_REVIEW, body);
  const spec = (obj.spec ?? {}) as { namespace?: string };
  const resourceRules: Array<{ verbs: string[]; apiGroups: string[]; resources: string[] }> = [];
  for (const def of allResources()) {
    for (const sub of ["", ...subresourcesOf(def).map((s) => s.name)]) {
      const verbs = ALL_VERBS.filter((v) => {
        const r = rightsOf(def, sub, v);
        return "rights" in r && !firstMissing(actor, r.rights, def.namespaced ? spec.namespace : undefined);
      });
      if (verbs.length) resourceRules.push({ verbs: [...verbs], apiGroups: [def.group], resources: [sub ? `${def.plural}/${sub}` : def.plural] });
    }
  }
  for (const k of REVIEW_KINDS) resourceRules.push({ verbs: ["create"], apiGroups: [k.group], resources: [k.plural] });
  const paths = [...PUBLIC_PATHS, ...(can(actor, "k8s.read") ? DISCOVERY_PATHS : [])];
  return answer(RULES_REVIEW, spec, { resourceRules, nonResourceRules: [{ verbs: ["get"], nonResourceURLs: paths }], incomplete: false });
}

/** POST selfsubjectreviews (authentication.k8s.io): who the server takes the caller for. */
export function reviewSubject(actor: Actor, body: unknown) {
  parse(SUBJECT_REVIEW, body);
  const extra: Record<string, string[]> = { "gantry.io/role": [actor.role] };
  if (actor.tokenId) extra["gantry.io/api-token"] = [actor.tokenId];
  return answer(SUBJECT_REVIEW, undefined, { userInfo: { username: actor.email, uid: actor.id, groups: ["system:authenticated"], extra } });
}
