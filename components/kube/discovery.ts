"use client";
// Which resource an apiVersion + kind is, read from the API's own discovery documents (/k8s/api, /k8s/api/{v},
// /k8s/apis, /k8s/apis/{group}/{version}) — the same walk kubectl's RESTMapper makes — so a kind the server learns is
// found without a table here. Read once per page load (a failed read is tried again next time).
import { kubeRequest } from "./kube-api";

export interface KubeResource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

interface ResourceList {
  groupVersion: string;
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}

let cached: Promise<Map<string, KubeResource>> | null = null;

const key = (apiVersion: string, kind: string) => `${apiVersion}\u0000${kind}`;

async function load(): Promise<Map<string, KubeResource>> {
  const core = await kubeRequest<{ versions: string[] }>("GET", "/k8s/api");
  const groups = await kubeRequest<{ groups: { versions: { groupVersion: string }[] }[] }>("GET", "/k8s/apis");
  if (!core.ok) throw new Error(`could not read the API's discovery (/k8s/api): ${core.message}`);
  if (!groups.ok) throw new Error(`could not read the API's discovery (/k8s/apis): ${groups.message}`);
  const paths = [
    ...core.data.versions.map((v) => `/k8s/api/${v}`),
    ...groups.data.groups.flatMap((g) => g.versions.map((v) => `/k8s/apis/${v.groupVersion}`)),
  ];
  const lists = await Promise.all(paths.map((p) => kubeRequest<ResourceList>("GET", p)));
  const out = new Map<string, KubeResource>();
  for (const [i, r] of lists.entries()) {
    if (!r.ok) throw new Error(`could not read the API's discovery (${paths[i]}): ${r.message}`);
    const [group, version] = r.data.groupVersion.includes("/") ? r.data.groupVersion.split("/") : ["", r.data.groupVersion];
    for (const res of r.data.resources) {
      if (res.name.includes("/")) continue; // subresources (pods/log, deployments/scale)
      out.set(key(r.data.groupVersion, res.kind), { group: group!, version: version!, plural: res.name, kind: res.kind, namespaced: res.namespaced, verbs: res.verbs });
    }
  }
  return out;
}

/** Every resource the API serves, by apiVersion and kind. */
export function discovery(): Promise<Map<string, KubeResource>> {
  cached ??= load().catch((e) => {
    cached = null;
    throw e;
  });
  return cached;
}

/** The resource of `apiVersion` + `kind`, or null when the API does not serve that kind. */
export async function resolveKind(apiVersion: string, kind: string): Promise<KubeResource | null> {
  return (await discovery()).get(key(apiVersion, kind)) ?? null;
}

/** The kinds the API serves in a group (any version): to say which a user may have meant. */
export async function kindsServed(): Promise<string[]> {
  return [...new Set([...(await discovery()).values()].map((r) => `${r.group ? `${r.group}/` : ""}${r.version} ${r.kind}`))].sort();
}
