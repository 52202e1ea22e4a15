"use client";
// The dashboard's requests to the Kubernetes API under /k8s, made with the session cookie (server/k8s-gateway.ts takes
// it from this control plane's own pages): the object on success, or kube-apiserver's Status — its message, reason
// and the fields its causes name — for the page to show next to what the user typed.
import type { KubeObject } from "@/lib/k8s/meta";

/** What a failed request's Status says. */
export interface KubeFailure {
  code: number;
  reason: string;
  message: string;
  /** Per-field causes (422 Invalid): field path as the API names it, and why. */
  causes: { field?: string; message: string; reason?: string }[];
}

export type KubeOutcome<T> = { ok: true; status: number; data: T } | ({ ok: false; status: number } & KubeFailure);

/** The path of a resource (and object) under /k8s: `/k8s/apis/apps/v1/namespaces/default/deployments/web`. */
export function kubePath(r: { group: string; version: string; plural: string }, namespace?: string | null, name?: string, subresource?: string): string {
  const base = r.group ? `/k8s/apis/${r.group}/${r.version}` : `/k8s/api/${r.version}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  const obj = name ? `/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ""}` : "";
  return `${base}${ns}/${r.plural}${obj}`;
}

/** The patch types the API takes (Content-Type). */
export const PATCH = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
} as const;

export async function kubeRequest<T = KubeObject>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<KubeOutcome<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { accept: "application/json", ...(body !== undefined ? { "content-type": contentType } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, status: 0, code: 0, reason: "Unreachable", message: "could not reach the server", causes: [] };
  }
  const json = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (res.ok) return { ok: true, status: res.status, data: json as T };
  const details = (json?.details ?? {}) as { causes?: KubeFailure["causes"] };
  return {
    ok: false,
    status: res.status,
    code: typeof json?.code === "number" ? json.code : res.status,
    reason: typeof json?.reason === "string" ? json.reason : "Unknown",
    message: typeof json?.message === "string" ? json.message : `the server answered ${res.status}`,
    causes: Array.isArray(details.causes) ? details.causes : [],
  };
}
