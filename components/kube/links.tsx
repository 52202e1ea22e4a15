// Where the Kubernetes pages link to each other (the URLs every workloads page agrees on): object pages, the YAML
// editor for a new object (/apply) and for one that exists (/edit), and lists preset to a namespace and selector.
import Link from "next/link";
import type { ReactNode } from "react";

export const linkClass = "text-sky-700 hover:underline dark:text-sky-400";

export function editHref(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  const q = new URLSearchParams({ apiVersion, kind });
  if (namespace) q.set("namespace", namespace);
  q.set("name", name);
  return `/edit?${q}`;
}

export function applyHref(namespace: string | null | undefined): string {
  return namespace && namespace !== "all" ? `/apply?namespace=${encodeURIComponent(namespace)}` : "/apply";
}

export const objectHref = (base: string, namespace: string | undefined, name: string) =>
  namespace ? `${base}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}` : `${base}/${encodeURIComponent(name)}`;

/** A list preset to a namespace and a label selector: `/pods?namespace=shop&selector=app%3Dweb`. */
export function listHref(base: string, namespace: string | undefined, selector?: string): string {
  const q = new URLSearchParams({ namespace: namespace ?? "all" });
  if (selector) q.set("selector", selector);
  return `${base}?${q}`;
}

export function A({ href, children, label }: { href: string; children: ReactNode; label?: string }) {
  return (
    <Link className={linkClass} href={href} aria-label={label}>
      {children}
    </Link>
  );
}

/** The list's "Create" (only rendered for those with k8s.write). */
export function CreateLink({ namespace, what }: { namespace: string | null; what: string }) {
  return (
    <Link href={applyHref(namespace)} className="inline-flex h-10 items-center rounded-md bg-indigo-600 px-4 text-sm font-medium text-white hover:bg-indigo-500">
      Create {what}
    </Link>
  );
}

/** `app=web,tier=db` from a matchLabels map. */
export const selectorText = (labels: Record<string, string> | undefined) =>
  Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
