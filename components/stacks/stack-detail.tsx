"use client";
// /stacks/NS/NAME — one stack: its services with replicas ready (live, from a watch of its Deployments), the ports it
// publishes and where they answer, its objects, and the compose file it was deployed from — editable and redeployed in
// place (Preview, then Redeploy) — and Remove, which deletes everything the stack made. A viewer sees all of it but
// no control that changes anything.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { Badge, Button, ConfirmDialog, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { callApi } from "@/components/api/client";
import { useKubeList } from "@/components/kube/use-kube-list";
import { STACK_LABEL } from "@/lib/compose/types";
import { stackSummaryOf } from "@/lib/stacks/stack-view";
import type { StackDetail } from "@/lib/stacks/schemas";
import { StackForm } from "./stack-form";
import { StatusBadge } from "./status-badge";

const OBJECT_PAGES: Record<string, string> = { Deployment: "deployments", Service: "services", ConfigMap: "configmaps" };

export function StackDetailView({ initial, canWrite }: { initial: StackDetail; canWrite: boolean }) {
  const router = useRouter();
  const { namespace, name } = initial;
  const selector = `${STACK_LABEL}=${name}`;
  const deployments = useKubeList({ group: "apps", version: "v1", plural: "deployments", namespace, labelSelector: selector });
  const services = useKubeList({ group: "", version: "v1", plural: "services", namespace, labelSelector: selector });
  const [removing, setRemoving] = useState(false);
  const [removeError, setRemoveError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [removed, setRemoved] = useState(false);

  const live = useMemo(() => {
    if (!deployments.synced || !services.synced) return initial;
    const objects = [...deployments.items.map((o) => ({ ...o, kind: "Deployment" })), ...services.items.map((o) => ({ ...o, kind: "Service" }))];
    return { ...initial, ...stackSummaryOf(namespace, name, objects), objects: initial.objects };
  }, [deployments, services, initial, namespace, name]);

  async function remove() {
    setBusy(true);
    const r = await callApi("DELETE", `/api/v1/stacks/${namespace}/${name}`);
    setBusy(false);
    if (!r.ok) return setRemoveError(r.error ?? "refused");
    setRemoving(false);
    setRemoved(true);
    router.push(`/stacks?namespace=${namespace}`);
  }

  return (
    <section aria-labelledby="stack-title" className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <p className="text-sm">
            <Link className="text-sky-700 hover:underline dark:text-sky-400" href={`/stacks?namespace=${namespace}`}>
              Stacks
            </Link>{" "}
            / {namespace}
          </p>
          <h1 id="stack-title" className="text-xl font-semibold">
            Stack {name} <StatusBadge status={live.status} />
          </h1>
          {removed && <p role="status">Stack {name} removed.</p>}
        </div>
        {canWrite && (
          <Button variant="danger" onClick={() => (setRemoveError(null), setRemoving(true))}>
            Remove
          </Button>
        )}
      </div>

      <Table caption="Services">
        <THead>
          <Tr>
            <Th>Service</Th>
            <Th>Image</Th>
            <Th>Ready</Th>
            <Th>Published</Th>
            <Th>Logs</Th>
          </Tr>
        </THead>
        <TBody>
          {live.services.map((s) => (
            <Tr key={s.name}>
              <Td className="font-medium">
                <Link className="text-sky-700 hover:underline dark:text-sky-400" href={`/deployments/${namespace}/${s.name}`}>
                  {s.name}
                </Link>
              </Td>
              <Td className="font-mono text-xs">{s.image}</Td>
              <Td>
                <Badge tone={s.ready >= s.replicas ? "success" : "warning"} aria-label={`${s.name}: ${s.ready} of ${s.replicas} ready`}>
                  {s.ready}/{s.replicas} ready
                </Badge>
              </Td>
              <Td className="font-mono text-xs">
                {s.ports.length === 0
                  ? "—"
                  : s.ports.map((p) => (
                      <div key={`${p.port}/${p.protocol}`}>
                        {p.port}→{String(p.targetPort)}/{p.protocol.toLowerCase()}: {p.nodePort ? `node port ${p.nodePort} on every host` : "node port pending"}
                      </div>
                    ))}
              </Td>
              <Td>
                <Link className="text-sky-700 hover:underline dark:text-sky-400" href={`/logs?deployment=${namespace}/${s.name}`}>
                  Logs
                </Link>
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>

      <Table caption="Objects">
        <THead>
          <Tr>
            <Th>Kind</Th>
            <Th>Name</Th>
          </Tr>
        </THead>
        <TBody>
          {initial.objectList.map((o) => (
            <Tr key={`${o.kind}/${o.name}`}>
              <Td>{o.kind}</Td>
              <Td className="font-mono text-xs">
                {OBJECT_PAGES[o.kind] ? (
                  <Link className="text-sky-700 hover:underline dark:text-sky-400" href={`/${OBJECT_PAGES[o.kind]}/${namespace}/${o.name}`}>
                    {o.name}
                  </Link>
                ) : (
                  o.name
                )}
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>

      <div className="space-y-2">
        <h2 className="text-lg font-semibold">Compose file</h2>
        {canWrite ? (
          <StackForm mode="redeploy" initial={{ name, namespace, compose: initial.compose, envFiles: initial.envFiles }} />
        ) : (
          <>
            <pre aria-label="Compose file" className="overflow-x-auto rounded bg-slate-50 p-2 font-mono text-xs dark:bg-slate-900">
              {initial.compose}
            </pre>
            {Object.keys(initial.envFiles).length > 0 && <p className="text-sm text-slate-600">Env files: {Object.keys(initial.envFiles).join(", ")}</p>}
          </>
        )}
      </div>

      <ConfirmDialog
        open={removing}
        title={`Remove stack ${name}?`}
        description={`Deletes its ${initial.objectList.length} objects — ${initial.objectList.map((o) => `${o.kind} ${o.name}`).join(", ")} — and with the Deployments their pods. Data in its volumes (emptyDir) goes with the pods.`}
        confirm="Remove stack"
        danger
        busy={busy}
        error={removeError}
        onConfirm={() => void remove()}
        onClose={() => setRemoving(false)}
      />
    </section>
  );
}
