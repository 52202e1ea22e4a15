"use client";
// /services/{namespace}/{name} — one Service: how it is exposed (type, cluster IP, ports with their node ports,
// affinity, selector) and every endpoint behind it — address, ready or not, the port each service port reaches in it,
// the pod and the host it runs on. Re-read every few seconds while the tab is visible.
import Link from "next/link";
import { useState } from "react";
import { Badge, EmptyRow, FormAlert, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { useVisibleInterval } from "@/components/hosts/use-visible-interval";
import { callApi } from "@/components/api/client";
import type { ServiceDetail } from "@/lib/services/schemas";
import { EndpointCounts } from "./endpoint-counts";
import { formatClusterIP, formatPorts } from "./format";

const REFRESH_MS = 3_000;

export function ServiceDetailView({ initial }: { initial: ServiceDetail }) {
  const [svc, setSvc] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  useVisibleInterval(async () => {
    const r = await callApi<ServiceDetail>("GET", `/api/v1/services/${initial.namespace}/${initial.name}`);
    if (!r.ok) return setError(r.status === 404 ? "This Service was deleted." : (r.error ?? "could not read the Service"));
    setError(null);
    setSvc(r.data!);
  }, REFRESH_MS, true);

  const facts: Array<[string, React.ReactNode]> = [
    ["Namespace", svc.namespace],
    ["Type", svc.type],
    ["Cluster IP", <span key="ip" className="font-mono">{formatClusterIP(svc)}</span>],
    ["Ports", <span key="ports" className="font-mono">{formatPorts(svc.ports)}</span>],
    ["Selector", svc.selector ? Object.entries(svc.selector).map(([k, v]) => `${k}=${v}`).join(", ") : "none (endpoints written by hand)"],
    ["Session affinity", svc.sessionAffinity],
    ["Endpoints", svc.type === "ExternalName" ? "not used" : <EndpointCounts key="eps" endpoints={svc.endpoints} />],
  ];
  return (
    <section aria-labelledby="service-title" className="space-y-6">
      <div>
        <p className="text-sm">
          <Link className="text-sky-700 hover:underline dark:text-sky-400" href="/services">
            Services
          </Link>
        </p>
        <h1 id="service-title" className="text-xl font-semibold">
          {svc.namespace}/{svc.name}
        </h1>
      </div>
      <FormAlert message={error} />
      <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[12rem_1fr]">
        {facts.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="font-medium text-slate-600 dark:text-slate-400">{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <Table caption="Endpoints: the pods behind this Service">
        <THead>
          <Tr>
            <Th>Address</Th>
            <Th>State</Th>
            <Th>Ports</Th>
            <Th>Pod</Th>
            <Th>Host</Th>
          </Tr>
        </THead>
        <TBody>
          {svc.endpointList.length === 0 && <EmptyRow colSpan={5}>{svc.selector ? "No pod matches the selector yet." : "No endpoints."}</EmptyRow>}
          {svc.endpointList.map((e) => (
            <Tr key={e.ip}>
              <Td className="font-mono text-xs">{e.ip}</Td>
              <Td>
                {e.terminating ? <Badge tone="warning">terminating</Badge> : e.ready ? <Badge tone="success">ready</Badge> : <Badge tone="danger">not ready</Badge>}
              </Td>
              <Td className="font-mono text-xs">
                {Object.entries(e.ports)
                  .map(([name, port]) => (name ? `${name}: ${port}` : String(port)))
                  .join(", ") || "—"}
              </Td>
              <Td>{e.pod ? e.pod.name : "—"}</Td>
              <Td>
                {e.host ? (
                  <Link className="text-sky-700 hover:underline dark:text-sky-400" href={`/hosts/${e.host.id}`}>
                    {e.host.name}
                  </Link>
                ) : (
                  (e.nodeName ?? "—")
                )}
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>
    </section>
  );
}
