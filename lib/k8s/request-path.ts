// What a path under /k8s names: discovery, OpenAPI, version and health documents, or a resource (its group, version,
// plural, namespace, name and subresource), following kube-apiserver's URL layout:
//   /api/v1/namespaces/{ns}/{plural}/{name}/{sub}   /apis/{group}/{version}/{plural}/{name}
export type KubePath =
  | { kind: "root" }
  | { kind: "version" }
  | { kind: "health" }
  | { kind: "api" }
  | { kind: "apis" }
  | { kind: "group"; group: string }
  | { kind: "groupVersion"; group: string; version: string }
  | { kind: "openapiIndex" }
  | { kind: "openapi"; group: string; version: string }
  | { kind: "openapiV2" }
  | { kind: "resource"; group: string; version: string; plural: string; namespace?: string; name?: string; subresource?: string }
  | { kind: "unknown" };

const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

export function parseKubePath(path: string): KubePath {
  let segs: string[];
  try {
    segs = path.split("/").filter((s) => s !== "").map((s) => decodeURIComponent(s));
  } catch {
    return { kind: "unknown" };
  }
  const [a, b, c, d, e] = segs;
  if (segs.length === 0) return { kind: "root" };
  if (segs.length === 1 && a === "version") return { kind: "version" };
  if (segs.length === 1 && (a === "healthz" || a === "livez" || a === "readyz")) return { kind: "health" };
  if (a === "openapi") {
    if (b === "v2" && segs.length === 2) return { kind: "openapiV2" };
    if (b === "v3" && segs.length === 2) return { kind: "openapiIndex" };
    if (b === "v3" && c === "api" && segs.length === 4) return { kind: "openapi", group: "", version: d! };
    if (b === "v3" && c === "apis" && segs.length === 5) return { kind: "openapi", group: d!, version: e! };
    return { kind: "unknown" };
  }
  if (a === "api") {
    if (segs.length === 1) return { kind: "api" };
    if (segs.length === 2) return { kind: "groupVersion", group: "", version: b! };
    return resourcePath("", b!, segs.slice(2));
  }
  if (a === "apis") {
    if (segs.length === 1) return { kind: "apis" };
    if (segs.length === 2) return { kind: "group", group: b! };
    if (segs.length === 3) return { kind: "groupVersion", group: b!, version: c! };
    return resourcePath(b!, c!, segs.slice(3));
  }
  return { kind: "unknown" };
}

function resourcePath(group: string, version: string, rest: string[]): KubePath {
  if (rest[0] === "namespaces" && rest.length >= 3) {
    if (group === "" && rest.length === 3 && NAMESPACE_SUBRESOURCES.has(rest[2]!))
      return { kind: "resource", group, version, plural: "namespaces", name: rest[1], subresource: rest[2] };
    if (rest.length > 5) return { kind: "unknown" };
    return { kind: "resource", group, version, namespace: rest[1], plural: rest[2]!, name: rest[3], subresource: rest[4] };
  }
  if (rest.length > 3) return { kind: "unknown" };
  return { kind: "resource", group, version, plural: rest[0]!, name: rest[1], subresource: rest[2] };
}
