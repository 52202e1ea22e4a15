// What the control plane's Kubernetes API serves, read from its discovery documents (/api, /api/v1, /apis and each
// group version), and the names a user may give a resource on the command line, as kubectl resolves them: the
// plural (`deployments`), the singular (`deployment`), a short name (`deploy`), the kind (`Deployment`), each
// optionally qualified by its group (`deployments.apps`) or version and group (`deployments.v1.apps`).
import type { KubeClient } from "./client";

export interface ApiResource {
  group: string;
  version: string;
  /** The plural, as in the URL: `deployments`. */
  name: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  /** Groups the resource belongs to (`all`: what `get all` lists). */
  categories: string[];
  /** Subresources served (`status`, `scale`, …). */
  subresources: Set<string>;
}

interface ApiResourceList {
  groupVersion: string;
  resources: Array<{ name: string; singularName?: string; kind: string; namespaced: boolean; verbs?: string[]; shortNames?: string[]; categories?: string[] }>;
}

interface ApiGroupList {
  groups: Array<{ name: string; versions: Array<{ groupVersion: string; version: string }>; preferredVersion?: { version: string } }>;
}

export const apiVersionOf = (r: { group: string; version: string }) => (r.group ? `${r.group}/${r.version}` : r.version);

/** `deployment.apps`, `configmap`: how kubectl names a kind in its output lines (`deployment.apps/web created`). */
export const kindRef = (r: ApiResource) => `${r.kind.toLowerCase()}${r.group ? `.${r.group}` : ""}`;
/** `deployments.apps`, `configmaps`: how the API names a resource in its messages (`deployments.apps "web" deleted`). */
export const resourceRef = (r: ApiResource) => `${r.name}${r.group ? `.${r.group}` : ""}`;

/** The URL path of a collection, an object or a subresource of `r`. */
export function resourcePath(r: ApiResource, namespace: string | undefined, name?: string, subresource?: string): string {
  const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${root}${ns}/${r.name}${name !== undefined ? `/${encodeURIComponent(name)}` : ""}${subresource ? `/${subresource}` : ""}`;
}

export class Discovery {
  private constructor(
    readonly resources: ApiResource[],
    /** Group versions in the order discovery lists them, each group's preferred version first. */
    private readonly groupVersions: string[],
  ) {}

  static async load(client: KubeClient): Promise<Discovery> {
    const lists: ApiResourceList[] = [];
    const core = await client.get<{ versions: string[] }>("/api");
    for (const v of core.versions ?? []) lists.push(await client.get<ApiResourceList>(`/api/${v}`));
    const groups = await client.get<ApiGroupList>("/apis");
    for (const g of groups.groups ?? []) {
      const versions = [...g.versions].sort((a, b) => (a.version === g.preferredVersion?.version ? -1 : b.version === g.preferredVersion?.version ? 1 : 0));
      for (const v of versions) lists.push(await client.get<ApiResourceList>(`/apis/${v.groupVersion}`));
    }
    const resources: ApiResource[] = [];
    for (const list of lists) {
      const [group, version] = list.groupVersion.includes("/") ? list.groupVersion.split("/") as [string, string] : ["", list.groupVersion];
      for (const r of list.resources) {
        if (r.name.includes("/")) continue;
        resources.push({
          group,
          version,
          name: r.name,
          singularName: r.singularName || r.kind.toLowerCase(),
          kind: r.kind,
          namespaced: r.namespaced,
          verbs: r.verbs ?? [],
          shortNames: r.shortNames ?? [],
          categories: r.categories ?? [],
          subresources: new Set(list.resources.filter((s) => s.name.startsWith(`${r.name}/`)).map((s) => s.name.slice(r.name.length + 1))),
        });
      }
    }
    return new Discovery(resources, lists.map((l) => l.groupVersion));
  }

  servesGroupVersion(apiVersion: string): boolean {
    return this.groupVersions.includes(apiVersion);
  }

  /** The resource of a manifest's apiVersion and kind (exact, as kubectl maps them); null when not served. */
  forKind(apiVersion: string, kind: string): ApiResource | null {
    return this.resources.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind) ?? null;
  }

  kindsIn(apiVersion: string): string[] {
    return this.resources.filter((r) => apiVersionOf(r) === apiVersion).map((r) => r.kind);
  }

  /** The resources of a category (`all`), in discovery's order. */
  forCategory(name: string): ApiResource[] {
    return this.resources.filter((r) => r.categories.includes(name.toLowerCase()));
  }

  /** A resource named on the command line (`deploy`, `deployments.apps`, `Deployment`, `deployment.v1.apps`). */
  forName(arg: string): ApiResource | null {
    const [first, ...rest] = arg.split(".");
    const name = first!.toLowerCase();
    const qualifier = rest.join(".");
    const matches = (r: ApiResource) => r.name === name || r.singularName === name || r.kind.toLowerCase() === name || r.shortNames.includes(name);
    const candidates = this.resources.filter((r) => {
      if (!matches(r)) return false;
      if (!qualifier) return true;
      return r.group === qualifier || `${r.version}.${r.group}` === qualifier || (r.group === "" && qualifier === r.version);
    });
    if (!candidates.length) return null;
    // The first group version discovery lists wins (the core group, then each group's preferred version).
    return candidates.sort((a, b) => this.groupVersions.indexOf(apiVersionOf(a)) - this.groupVersions.indexOf(apiVersionOf(b)))[0]!;
  }
}
