"use client";
// The namespace the Kubernetes pages show, from `?namespace=` ("all" = every namespace). A page opened without one shows
// the namespace chosen last (localStorage `gantry.namespace`, written by the switcher), else "default". The switcher
// lists the namespaces live (a watch) and keeps the rest of the page's query.
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect } from "react";
import type { KubeObject } from "@/lib/k8s/meta";
import { Select } from "@/components/ui";
import { useKubeList } from "./use-kube-list";

export const NAMESPACE_KEY = "gantry.namespace";
export const ALL_NAMESPACES = "all";
const DEFAULT_NAMESPACE = "default";

function remembered(): string {
  try {
    return localStorage.getItem(NAMESPACE_KEY) || DEFAULT_NAMESPACE;
  } catch {
    return DEFAULT_NAMESPACE;
  }
}

/**
 * The namespace in the URL ("all" or a name), or null while a URL without one is being sent to the remembered one. The
 * watch a page opens with it is `namespace === "all" ? undefined : namespace`.
 */
export function useNamespace(): string | null {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const fromUrl = params.get("namespace");
  useEffect(() => {
    if (fromUrl) return;
    const next = new URLSearchParams(params.toString());
    next.set("namespace", remembered());
    router.replace(`${pathname}?${next}`);
  }, [fromUrl, params, pathname, router]);
  return fromUrl || null;
}

/** The watch's namespace for a page's choice: undefined for every namespace. */
export const watchNamespace = (ns: string | null) => (ns && ns !== ALL_NAMESPACES ? ns : undefined);

export function NamespaceSwitcher({ value }: { value: string | null }) {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const { items } = useKubeList<KubeObject>({ group: "", version: "v1", plural: "namespaces" });
  const names = new Set(items.map((n) => n.metadata.name ?? ""));
  if (value && value !== ALL_NAMESPACES) names.add(value);
  return (
    <label className="flex items-center gap-2 text-sm">
      Namespace
      <Select
        aria-label="Namespace"
        value={value ?? ""}
        onChange={(e) => {
          const ns = e.target.value;
          try {
            localStorage.setItem(NAMESPACE_KEY, ns);
          } catch {
            // Private mode without storage: the choice holds for this page only.
          }
          const next = new URLSearchParams(params.toString());
          next.set("namespace", ns);
          next.delete("page");
          router.push(`${pathname}?${next}`);
        }}
      >
        {!value && <option value="">…</option>}
        <option value={ALL_NAMESPACES}>All namespaces</option>
        {[...names].filter(Boolean).sort().map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </Select>
    </label>
  );
}
