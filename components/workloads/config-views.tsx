"use client";
// /configmaps and /secrets — ConfigMaps and Secrets of the chosen namespace, live: how many keys each holds (and a
// Secret's type) — never a Secret's values, which the lists do not even receive.
import { useMemo } from "react";
import type { KubeObject } from "@/lib/k8s/meta";
import type { BrowserSecret } from "@/lib/realtime/kube-watch";
import { humanAge } from "@/lib/k8s/human-age";
import { useKubeList } from "@/components/kube/use-kube-list";
import { NamespaceSwitcher, useNamespace, watchNamespace } from "@/components/kube/namespace-switcher";
import { ResourceTable, ListHeader, type Column, type ValueFilter } from "@/components/kube/resource-table";
import { A, CreateLink, editHref, objectHref } from "@/components/kube/links";

type ConfigMap = KubeObject & { data?: Record<string, string>; binaryData?: Record<string, string> };
const keyCount = (o: ConfigMap) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length;
const secretKeys = (o: BrowserSecret) => Object.keys(o.valueSizes ?? {}).length;
const created = (o: KubeObject) => Date.parse(o.metadata.creationTimestamp ?? "") || 0;

function common<T extends KubeObject>(base: string, allNamespaces: boolean): Column<T>[] {
  const cols: Column<T>[] = [
    { id: "name", header: "Name", className: "font-medium", sort: (o) => o.metadata.name ?? "", cell: (o) => <A href={objectHref(base, o.metadata.namespace, o.metadata.name!)}>{o.metadata.name}</A> },
  ];
  if (allNamespaces) cols.push({ id: "namespace", header: "Namespace", sort: (o) => o.metadata.namespace ?? "", cell: (o) => o.metadata.namespace });
  return cols;
}

const age = <T extends KubeObject>(): Column<T> => ({ id: "age", header: "Age", sort: created, cell: (o, now) => humanAge(o.metadata.creationTimestamp, new Date(now)) });
const edit = <T extends KubeObject>(kind: string): Column<T> => ({
  id: "edit",
  header: "",
  cell: (o) => <A href={editHref("v1", kind, o.metadata.namespace, o.metadata.name!)}>Edit YAML</A>,
});

export function ConfigMapsView({ canWrite }: { canWrite: boolean }) {
  const namespace = useNamespace();
  const list = useKubeList<ConfigMap>(namespace ? { group: "", version: "v1", plural: "configmaps", namespace: watchNamespace(namespace) } : null);
  const columns = useMemo(() => {
    const cols = common<ConfigMap>("/configmaps", !watchNamespace(namespace));
    cols.push({ id: "data", header: "Keys", sort: keyCount, cell: keyCount }, age());
    if (canWrite) cols.push(edit("ConfigMap"));
    return cols;
  }, [namespace, canWrite]);
  return (
    <section className="space-y-6">
      <ListHeader title="ConfigMaps" description="Configuration that pods read as files or environment, live.">
        <NamespaceSwitcher value={namespace} />
        {canWrite && <CreateLink namespace={namespace} what="config map" />}
      </ListHeader>
      <ResourceTable caption="ConfigMaps" {...list} columns={columns} emptyText="No ConfigMaps here yet." />
    </section>
  );
}

const SECRET_FILTERS: ValueFilter<BrowserSecret>[] = [{ label: "Type", param: "type", of: (o) => o.type ?? "Opaque" }];

export function SecretsView({ canWrite }: { canWrite: boolean }) {
  const namespace = useNamespace();
  const list = useKubeList<BrowserSecret>(namespace ? { group: "", version: "v1", plural: "secrets", namespace: watchNamespace(namespace) } : null);
  const columns = useMemo(() => {
    const cols = common<BrowserSecret>("/secrets", !watchNamespace(namespace));
    cols.push(
      { id: "type", header: "Type", sort: (o) => o.type ?? "Opaque", className: "font-mono text-xs", cell: (o) => o.type ?? "Opaque" },
      { id: "data", header: "Keys", sort: secretKeys, cell: secretKeys },
      age(),
    );
    if (canWrite) cols.push(edit("Secret"));
    return cols;
  }, [namespace, canWrite]);
  return (
    <section className="space-y-6">
      <ListHeader title="Secrets" description="Passwords, tokens and keys for pods, live. Values stay hidden; a Secret's page reveals one to those allowed, and records it.">
        <NamespaceSwitcher value={namespace} />
        {canWrite && <CreateLink namespace={namespace} what="secret" />}
      </ListHeader>
      <ResourceTable caption="Secrets" {...list} columns={columns} filters={SECRET_FILTERS} emptyText="No Secrets here yet." />
    </section>
  );
}
