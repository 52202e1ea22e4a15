"use client";
// /stacks — every compose stack (or those of one namespace) with its services' replicas ready, live: the stacks'
// Deployments and Services are watched over the browser socket, so a rollout or a removal shows without a reload.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useMemo } from "react";
import { Badge, EmptyRow, FormAlert, LocalTime, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { useKubeList } from "@/components/kube/use-kube-list";
import { STACK_LABEL } from "@/lib/compose/types";
import { groupByStack, stackSummaryOf } from "@/lib/stacks/stack-view";
import type { StackSummary } from "@/lib/stacks/schemas";
import { StatusBadge } from "./status-badge";

const NAMESPACE_KEY = "gantry.namespace";

export function StacksView({ initial, namespace, canWrite }: { initial: StackSummary[]; namespace: string | null; canWrite: boolean }) {
  const router = useRouter();
  // No ?namespace=: the one remembered by the namespace switcher, if any.
  useEffect(() => {
    if (namespace !== null) return;
    const remembered = window.localStorage.getItem(NAMESPACE_KEY);
    if (remembered && remembered !== "all") router.replace(`/stacks?namespace=${encodeURIComponent(remembered)}`);
  }, [namespace, router]);
  const ns = namespace && namespace !== "all" ? namespace : undefined;
  const deployments = useKubeList({ group: "apps", version: "v1", plural: "deployments", namespace: ns, labelSelector: STACK_LABEL });
  const services = useKubeList({ group: "", version: "v1", plural: "services", namespace: ns, labelSelector: STACK_LABEL });

  const stacks = useMemo(() => {
    if (!deployments.synced || !services.synced) return initial;
    const objects = [...deployments.items.map((o) => ({ ...o, kind: "Deployment" })), ...services.items.map((o) => ({ ...o, kind: "Service" }))];
    const counts = new Map(initial.map((s) => [`${s.namespace}/${s.name}`, s.objects]));
    return [...groupByStack(objects).entries()]
      .map(([key, objs]) => {
        const [n, s] = key.split("/") as [string, string];
        const summary = stackSummaryOf(n, s, objs);
        return { ...summary, objects: counts.get(key) ?? summary.objects };
      })
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  }, [deployments, services, initial]);

  return (
    <section aria-labelledby="stacks-title" className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 id="stacks-title" className="text-xl font-semibold">
            Stacks
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            Compose files deployed as Deployments and Services{ns ? ` in ${ns}` : " in every namespace"}.
          </p>
        </div>
        {canWrite && (
          <Link className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500" href={`/stacks/new${ns ? `?namespace=${ns}` : ""}`}>
            Deploy a stack
          </Link>
        )}
      </div>
      <FormAlert message={deployments.error ?? services.error} />
      <Table caption="Stacks">
        <THead>
          <Tr>
            <Th>Name</Th>
            <Th>Namespace</Th>
            <Th>Status</Th>
            <Th>Services</Th>
            <Th>Published</Th>
            <Th>Created</Th>
          </Tr>
        </THead>
        <TBody>
          {stacks.length === 0 && <EmptyRow colSpan={6}>{ns ? `No stacks in ${ns}.` : "No stacks yet."}</EmptyRow>}
          {stacks.map((s) => (
            <Tr key={`${s.namespace}/${s.name}`}>
              <Td className="font-medium">
                <Link className="text-sky-700 hover:underline dark:text-sky-400" href={`/stacks/${s.namespace}/${s.name}`}>
                  {s.name}
                </Link>
              </Td>
              <Td>{s.namespace}</Td>
              <Td>
                <StatusBadge status={s.status} />
              </Td>
              <Td>
                <ul className="space-y-0.5 text-xs">
                  {s.services.map((svc) => (
                    <li key={svc.name}>
                      <span className="font-mono">{svc.name}</span>{" "}
                      <Badge tone={svc.ready >= svc.replicas ? "success" : "warning"} aria-label={`${svc.name}: ${svc.ready} of ${svc.replicas} ready`}>
                        {svc.ready}/{svc.replicas} ready
                      </Badge>
                    </li>
                  ))}
                </ul>
              </Td>
              <Td className="font-mono text-xs">
                {s.services.flatMap((svc) => svc.ports.map((p) => `${svc.name} ${p.port}→${p.targetPort}/${p.protocol.toLowerCase()}${p.nodePort ? ` (node port ${p.nodePort})` : ""}`)).join(", ") || "—"}
              </Td>
              <Td>
                <LocalTime iso={s.updatedAt} />
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>
    </section>
  );
}
