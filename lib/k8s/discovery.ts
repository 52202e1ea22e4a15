// Discovery: which groups, versions and resources this server offers, in both forms clients ask for — the aggregated
// APIGroupDiscoveryList kubectl 1.26+ asks for first (one answer for /api, one for /apis), and the legacy APIVersions /
// APIGroupList / APIResourceList documents older clients (kubectl 1.20) walk. Both are made from the resource registry.
import { createHash } from "node:crypto";
import { allResources, groupVersions as storedGroupVersions, subresourcesOf, type ResourceDef } from "./resources";
import { REVIEW_KINDS, type ReviewKind } from "./access-review";

export const AGGREGATED_DISCOVERY_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** The Kubernetes version this API follows (the kubectl it is tested with). */
export const KUBE_VERSION = { major: "1", minor: "32", gitVersion: "v1.32.0+gantry" } as const;

export function versionInfo(gantryVersion: string) {
  return {
    major: KUBE_VERSION.major,
    minor: KUBE_VERSION.minor,
    gitVersion: KUBE_VERSION.gitVersion,
    gitCommit: "",
    gitTreeState: "clean",
    buildDate: "1970-01-01T00:00:00Z",
    goVersion: `gantry ${gantryVersion} (node ${process.version})`,
    compiler: "gc",
    platform: `linux/${process.arch === "x64" ? "amd64" : process.arch}`,
  };
}

const storageVersionHash = (def: ResourceDef) =>
  createHash("sha256").update(`${def.group}/${def.version}/${def.kind}`).digest("base64").slice(0, 11);

const resourcesOf = (group: string, version: string) => allResources().filter((d) => d.group === group && d.version === version);
const reviewsOf = (group: string, version: string) => REVIEW_KINDS.filter((k) => k.group === group && k.version === version);

/** Every group/version served: the stored kinds' and the access reviews' (authorization.k8s.io, authentication.k8s.io). */
function groupVersions(): Array<{ group: string; version: string }> {
  const gvs = storedGroupVersions();
  for (const k of REVIEW_KINDS) if (!gvs.some((gv) => gv.group === k.group && gv.version === k.version)) gvs.push({ group: k.group, version: k.version });
  return gvs.sort((a, b) => (a.group === "" ? -1 : b.group === "" ? 1 : a.group.localeCompare(b.group)));
}

/** Whether a group/version is served. */
export function servesGroupVersion(group: string, version: string): boolean {
  return resourcesOf(group, version).length > 0 || reviewsOf(group, version).length > 0;
}

/** GET /api */
export function apiVersions(serverAddress: string) {
  return {
    kind: "APIVersions",
    versions: groupVersions().filter((gv) => gv.group === "").map((gv) => gv.version),
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function apiGroup(group: string) {
  const versions = groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: `${group}/${gv.version}`, version: gv.version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

/** GET /apis */
export function apiGroupList() {
  const groups = [...new Set(groupVersions().map((gv) => gv.group).filter((g) => g !== ""))];
  return { kind: "APIGroupList", apiVersion: "v1", groups: groups.map(apiGroup) };
}

/** GET /apis/{group} */
export function apiGroupOf(group: string) {
  if (!groupVersions().some((gv) => gv.group === group)) return null;
  return { kind: "APIGroup", apiVersion: "v1", ...apiGroup(group) };
}

/** GET /api/v1, /apis/{group}/{version} */
export function apiResourceList(group: string, version: string) {
  const stored = resourcesOf(group, version).flatMap((d): Array<Record<string, unknown>> => [
    {
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: [...d.verbs],
      ...(d.shortNames.length ? { shortNames: [...d.shortNames] } : {}),
      ...(d.categories?.length ? { categories: [...d.categories] } : {}),
      storageVersionHash: storageVersionHash(d),
    },
    // Subresources are listed as "pods/status", "deployments/scale" (with the group and version of what they answer
    // when it is not the resource's own: Scale is autoscaling/v1).
    ...subresourcesOf(d).map((s) => ({
      name: `${d.plural}/${s.name}`,
      singularName: "",
      namespaced: d.namespaced,
      ...(s.group !== d.group || s.version !== d.version ? { group: s.group, version: s.version } : {}),
      kind: s.kind,
      verbs: [...s.verbs],
    })),
  ]);
  const reviews = reviewsOf(group, version).map((k) => ({ name: k.plural, singularName: k.singular, namespaced: false, kind: k.kind, verbs: ["create"] }));
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: group ? `${group}/${version}` : version, resources: [...stored, ...reviews] };
}

/** The aggregated document for /api (legacy: the core group) or /apis (every named group). */
export function aggregatedDiscovery(legacy: boolean) {
  const gvs = groupVersions().filter((gv) => (legacy ? gv.group === "" : gv.group !== ""));
  const groups = [...new Set(gvs.map((gv) => gv.group))];
  const stored = (d: ResourceDef): Record<string, unknown> => ({
    resource: d.plural,
    responseKind: { group: d.group, version: d.version, kind: d.kind },
    scope: d.namespaced ? "Namespaced" : "Cluster",
    singularResource: d.singular,
    verbs: [...d.verbs],
    ...(d.shortNames.length ? { shortNames: [...d.shortNames] } : {}),
    ...(d.categories?.length ? { categories: [...d.categories] } : {}),
    ...(subresourcesOf(d).length
      ? { subresources: subresourcesOf(d).map((s) => ({ subresource: s.name, responseKind: { group: s.group, version: s.version, kind: s.kind }, verbs: [...s.verbs] })) }
      : {}),
  });
  const review = (k: ReviewKind) => ({
    resource: k.plural,
    responseKind: { group: k.group, version: k.version, kind: k.kind },
    scope: "Cluster",
    singularResource: k.singular,
    verbs: ["create"],
  });
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: "apidiscovery.k8s.io/v2",
    metadata: {},
    items: groups.map((group) => ({
      metadata: { name: group, creationTimestamp: null },
      versions: gvs
        .filter((gv) => gv.group === group)
        .map((gv) => ({
          version: gv.version,
          resources: [...resourcesOf(group, gv.version).map(stored), ...reviewsOf(group, gv.version).map(review)],
          freshness: "Current",
        })),
    })),
  };
}
