"use client";
// /nodes/NAME — one host as a Node, live: its status, conditions, addresses and the pods bound to it; for those who may
// change the cluster, Cordon/Uncordon (spec.unschedulable, as kubectl cordon) and Drain: cordon, then delete the pods a
// controller will make again elsewhere — the dialog lists what will be deleted and what stays before anything is done.
import { useMemo, useState } from "react";
import type { KubeObject } from "@/lib/k8s/meta";
import { humanAge } from "@/lib/k8s/human-age";
import { drainPlan, formatBytes, formatCpu, nodeView } from "@/lib/workloads/node-view";
import { controllerOf } from "@/lib/workloads/pod-view";
import { Badge, Button, ConfirmDialog, FormAlert, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { useKubeList } from "@/components/kube/use-kube-list";
import { PATCH, kubePath, kubeRequest } from "@/components/kube/kube-api";
import { A, editHref, objectHref } from "@/components/kube/links";
import { useKubeObject } from "./use-kube-object";
import { NodeStatus } from "./nodes-view";
import { TONE_BADGE, viewOf } from "./pods-view";

const NODES = { group: "", version: "v1", plural: "nodes" };
const PODS = { group: "", version: "v1", plural: "pods" };

type Conditions = { conditions?: Array<{ type: string; status: string; reason?: string; message?: string; lastHeartbeatTime?: string }> };

export function NodeDetail({ name, canWrite }: { name: string; canWrite: boolean }) {
  const { object: node, missing, error } = useKubeObject<KubeObject>(NODES, undefined, name);
  const pods = useKubeList<KubeObject>({ ...PODS, fieldSelector: `spec.nodeName=${name}` });
  const view = useMemo(() => (node ? nodeView(node, pods.items) : null), [node, pods.items]);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [draining, setDraining] = useState(false);
  const [progress, setProgress] = useState<string | null>(null);
  const plan = useMemo(() => drainPlan(pods.items), [pods.items]);

  const setUnschedulable = async (on: boolean) => {
    const r = await kubeRequest("PATCH", kubePath(NODES, null, name), { spec: { unschedulable: on ? true : null } }, PATCH.merge);
    if (!r.ok) throw new Error(r.message);
  };
  const cordon = async (on: boolean) => {
    setBusy(true);
    setFailure(null);
    try {
      await setUnschedulable(on);
    } catch (e) {
      setFailure((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const drain = async () => {
    setBusy(true);
    setFailure(null);
    const toDelete = plan.remove;
    try {
      setProgress("Cordoning…");
      await setUnschedulable(true);
      const failed: string[] = [];
      let done = 0;
      for (const p of toDelete) {
        const r = await kubeRequest("DELETE", kubePath(PODS, p.metadata.namespace, p.metadata.name));
        if (!r.ok && r.status !== 404) failed.push(`${p.metadata.namespace}/${p.metadata.name}: ${r.message}`);
        setProgress(`Deleted ${++done} of ${toDelete.length} pods…`);
      }
      if (failed.length) throw new Error(`some pods could not be deleted: ${failed.join("; ")}`);
      setProgress(`Drained: ${toDelete.length} pod${toDelete.length === 1 ? "" : "s"} deleted, the node is cordoned.`);
      setDraining(false);
    } catch (e) {
      setFailure((e as Error).message);
      setProgress(null);
    } finally {
      setBusy(false);
    }
  };

  const conditions = ((node?.status ?? {}) as Conditions).conditions ?? [];
  return (
    <section className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <p className="text-sm">
            <A href="/nodes">Nodes</A>
          </p>
          <h1 className="text-xl font-semibold">{name}</h1>
          {view && (
            <p className="mt-1 flex flex-wrap items-center gap-2 text-sm">
              <NodeStatus view={view} />
              <span>{view.pods} pods</span>
              <span>
                CPU {formatCpu(view.cpu.requested)}
                {view.cpu.allocatable !== null && ` / ${formatCpu(view.cpu.allocatable)}`}
              </span>
              <span>
                memory {formatBytes(view.memory.requested)}
                {view.memory.allocatable !== null && ` / ${formatBytes(view.memory.allocatable)}`}
              </span>
              {view.internalIP && <span className="font-mono text-xs">{view.internalIP}</span>}
            </p>
          )}
        </div>
        {canWrite && view && (
          <div className="flex flex-wrap items-center gap-2">
            {view.cordoned ? (
              <Button variant="secondary" loading={busy && !draining} onClick={() => cordon(false)}>
                Uncordon
              </Button>
            ) : (
              <Button variant="secondary" loading={busy && !draining} onClick={() => cordon(true)}>
                Cordon
              </Button>
            )}
            <Button variant="danger" onClick={() => setDraining(true)} disabled={busy}>
              Drain
            </Button>
            <A href={editHref("v1", "Node", undefined, name)}>Edit YAML</A>
          </div>
        )}
      </div>
      <FormAlert message={error ?? (missing ? `There is no node ${name}.` : failure)} />
      <FormAlert tone="info" message={progress} />
      {conditions.length > 0 && (
        <Table caption="Conditions" srOnlyCaption={false}>
          <THead>
            <Tr>
              <Th>Condition</Th>
              <Th>Status</Th>
              <Th>Reason</Th>
              <Th>Message</Th>
            </Tr>
          </THead>
          <TBody>
            {conditions.map((c) => (
              <Tr key={c.type}>
                <Td>{c.type}</Td>
                <Td>{c.status}</Td>
                <Td>{c.reason ?? ""}</Td>
                <Td>{c.message ?? ""}</Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      )}
      <Table caption={`Pods on ${name}`} srOnlyCaption={false}>
        <THead>
          <Tr>
            <Th>Pod</Th>
            <Th>Namespace</Th>
            <Th>Ready</Th>
            <Th>Status</Th>
            <Th>Controlled by</Th>
            <Th>Age</Th>
          </Tr>
        </THead>
        <TBody>
          {pods.synced && pods.items.length === 0 && (
            <Tr>
              <Td colSpan={6} className="text-center text-slate-500">
                No pods on this node.
              </Td>
            </Tr>
          )}
          {pods.items.map((p) => {
            const v = viewOf(p);
            const c = controllerOf(p);
            return (
              <Tr key={p.metadata.uid}>
                <Td className="font-medium">
                  <A href={objectHref("/pods", p.metadata.namespace, p.metadata.name!)}>{p.metadata.name}</A>
                </Td>
                <Td>{p.metadata.namespace}</Td>
                <Td>{v.ready}</Td>
                <Td>
                  <Badge tone={TONE_BADGE[v.tone]}>{v.status}</Badge>
                </Td>
                <Td>{c ? `${c.kind} ${c.name}` : <span className="text-slate-500">none</span>}</Td>
                <Td>{humanAge(p.metadata.creationTimestamp, new Date())}</Td>
              </Tr>
            );
          })}
        </TBody>
      </Table>
      <ConfirmDialog
        open={draining}
        title={`Drain ${name}?`}
        description="The node is cordoned (no new pods), then the pods below are deleted; their controllers start them again on other nodes."
        confirm={`Drain ${name}`}
        danger
        busy={busy}
        error={failure}
        onConfirm={drain}
        onClose={() => setDraining(false)}
      >
        <div className="space-y-2 text-sm">
          <p className="font-medium">{plan.remove.length ? `Deleted (${plan.remove.length}):` : "No pod will be deleted."}</p>
          {plan.remove.length > 0 && (
            <ul aria-label="Pods to delete" className="max-h-48 list-disc overflow-auto pl-5">
              {plan.remove.map((p) => (
                <li key={p.metadata.uid}>
                  {p.metadata.namespace}/{p.metadata.name} <span className="text-slate-500">({controllerOf(p)?.kind} {controllerOf(p)?.name})</span>
                </li>
              ))}
            </ul>
          )}
          {plan.keep.length > 0 && (
            <>
              <p className="font-medium">Left on the node ({plan.keep.length}):</p>
              <ul aria-label="Pods left" className="max-h-32 list-disc overflow-auto pl-5">
                {plan.keep.map(({ pod, why }) => (
                  <li key={pod.metadata.uid}>
                    {pod.metadata.namespace}/{pod.metadata.name} — {why}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      </ConfirmDialog>
    </section>
  );
}
