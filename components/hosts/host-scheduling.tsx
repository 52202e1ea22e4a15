"use client";
// Whether the host takes new pods, and for those allowed: Cordon/Uncordon and Drain (PUT/DELETE …/cordon and POST
// …/drain). A drain is confirmed first, then the page lists what it did: each pod deleted (its controller starts it
// again on another host) and whether it is gone yet, each pod that stays and why, and the standalone containers left
// for the person to decide on.
import { useState } from "react";
import { api, ApiError } from "@/components/api/client";
import { Button, Dialog, FormAlert } from "@/components/ui";
import type { CordonResult, DrainResult } from "@/lib/hosts/drain-schemas";
import type { HostNode } from "@/lib/hosts/get-host-detail-or-throw";

const DRAIN_WAIT_SECONDS = 60;

export function HostScheduling({ hostId, initial, canDrain }: { hostId: number; initial: HostNode; canDrain: boolean }) {
  const [node, setNode] = useState(initial);
  const [busy, setBusy] = useState<"cordon" | "drain" | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<DrainResult | null>(null);

  async function cordon(on: boolean) {
    setBusy("cordon");
    try {
      const url = `/api/v1/hosts/${hostId}/cordon`;
      const r = on ? await api.put<CordonResult>(url) : await api.delete<CordonResult>(url);
      setError(null);
      setNode({ name: r.node, unschedulable: r.unschedulable });
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  }

  async function drain() {
    setConfirm(false);
    setBusy("drain");
    try {
      const r = await api.post<DrainResult>(`/api/v1/hosts/${hostId}/drain`, { waitSeconds: DRAIN_WAIT_SECONDS });
      setError(null);
      setResult(r);
      setNode({ name: r.node, unschedulable: true });
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section aria-labelledby="scheduling-title" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 text-sm dark:border-slate-800 dark:bg-slate-950">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="scheduling-title" className="font-semibold">
          Scheduling
        </h2>
        {canDrain && node && (
          <div className="flex gap-2">
            <Button variant="secondary" loading={busy === "cordon"} disabled={busy !== null} onClick={() => cordon(!node.unschedulable)}>
              {node.unschedulable ? "Uncordon" : "Cordon"}
            </Button>
            <Button variant="danger" loading={busy === "drain"} disabled={busy !== null} onClick={() => setConfirm(true)}>
              Drain
            </Button>
          </div>
        )}
      </div>
      <p data-testid="host-scheduling">
        {node
          ? node.unschedulable
            ? `Cordoned: no new pods are placed on this host (node ${node.name}).`
            : `Takes new pods (node ${node.name}).`
          : "Not registered as a node yet."}
      </p>
      <FormAlert message={error} />
      {result && <DrainReport result={result} />}
      <Dialog
        open={confirm}
        onClose={() => setConfirm(false)}
        title="Drain this host?"
        description="The host is cordoned (no new pods), then the pods a controller makes again are deleted and started on other hosts. Bare pods and standalone containers stay; the result lists them."
      >
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setConfirm(false)}>
            Cancel
          </Button>
          <Button variant="danger" onClick={drain}>
            Drain host
          </Button>
        </div>
      </Dialog>
    </section>
  );
}

function DrainReport({ result }: { result: DrainResult }) {
  const lines: string[] = [
    ...result.deleted.map((p) => `pod ${p.namespace}/${p.name}: ${p.gone ? "moved off (deleted; its controller starts it elsewhere)" : "deleted, still terminating"}`),
    ...result.kept.map((p) => `pod ${p.namespace}/${p.name} stays: ${p.why}`),
    ...(result.containers ?? []).map((c) => `container ${c.name} (${c.image}) stays: not a pod's — stop or move it yourself`),
  ];
  return (
    <div role="status" aria-label="Drain result" className="space-y-1">
      <p className="font-medium">
        Drained: {result.deleted.length} pod{result.deleted.length === 1 ? "" : "s"} deleted, {result.kept.length + (result.containers?.length ?? 0)} left for you.
      </p>
      {result.containers === null && <p>{result.containersNote}</p>}
      <ul className="list-disc pl-5">
        {lines.map((l) => (
          <li key={l} className="break-all">
            {l}
          </li>
        ))}
      </ul>
    </div>
  );
}
