"use client";
// /services — every Service of the cluster (or of one namespace): type, cluster IP, ports and how many endpoints are
// ready and not. Re-read from /api/v1/services every few seconds while the tab is visible, so readiness changes show.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { EmptyRow, FormAlert, LocalTime, Select, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { useVisibleInterval } from "@/components/hosts/use-visible-interval";
import { callApi } from "@/components/images/api";
import type { ServiceList } from "@/lib/services/schemas";
import { EndpointCounts } from "./endpoint-counts";
import { formatClusterIP, formatPorts } from "./format";

const REFRESH_MS = 3_000;

export function ServicesView({ initial, namespace }: { initial: ServiceList; namespace: string | null }) {
  const router = useRouter();
  const [list, setList] = useState(initial);
  const [namespaces, setNamespaces] = useState(() => [...new Set(initial.items.map((s) => s.namespace))].sort());
  const [error, setError] = useState<string | null>(null);

  useVisibleInterval(async () => {
    const r = await callApi<ServiceList>("GET", `/api/v1/services${namespace ? `?namespace=${encodeURIComponent(namespace)}` : ""}`);
    if (!r.ok) return setError(r.error ?? "could not read the Services");
    setError(null);
    setList(r.data!);
    if (!namespace) setNamespaces([...new Set(r.data!.items.map((s) => s.namespace))].sort());
  }, REFRESH_MS, true);

  return (
    <section aria-labelledby="services-title" className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 id="services-title" className="text-xl font-semibold">
            Services
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            A stable address and name in front of the ready pods a selector picks, on every host.
          </p>
        </div>
        <label className="flex items-center gap-2 text-sm">
          Namespace
          <Select aria-label="Namespace" value={namespace ?? ""} onChange={(e) => router.replace(e.target.value ? `/services?namespace=${encodeURIComponent(e.target.value)}` : "/services")}>
            <option value="">All namespaces</option>
            {[...new Set([...namespaces, ...(namespace ? [namespace] : [])])].sort().map((ns) => (
              <option key={ns} value={ns}>
                {ns}
              </option>
            ))}
          </Select>
        </label>
      </div>
      <FormAlert message={error} />
      <Table caption="Services">
        <THead>
          <Tr>
            <Th>Name</Th>
            <Th>Namespace</Th>
            <Th>Type</Th>
            <Th>Cluster IP</Th>
            <Th>Ports</Th>
            <Th>Endpoints</Th>
            <Th>Created</Th>
          </Tr>
        </THead>
        <TBody>
          {list.items.length === 0 && (
            <EmptyRow colSpan={7}>{namespace ? `No Services in ${namespace}.` : "No Services yet. Create one with kubectl or gantry apply."}</EmptyRow>
          )}
          {list.items.map((s) => (
            <Tr key={s.uid}>
              <Td className="font-medium">
                <Link className="text-sky-700 hover:underline dark:text-sky-400" href={`/services/${s.namespace}/${s.name}`}>
                  {s.name}
                </Link>
              </Td>
              <Td>{s.namespace}</Td>
              <Td>{s.type}</Td>
              <Td className="font-mono text-xs">{formatClusterIP(s)}</Td>
              <Td className="font-mono text-xs">{formatPorts(s.ports)}</Td>
              <Td>{s.type === "ExternalName" ? <span className="text-slate-500">not used</span> : <EndpointCounts endpoints={s.endpoints} />}</Td>
              <Td>
                <LocalTime iso={s.createdAt} />
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>
    </section>
  );
}
