"use client";
// /deployments/{namespace}/{name} — one Deployment, live from watches (the Deployment, its ReplicaSets, its pods and
// the events about it): desired/ready/updated/available, the rollout in progress (old and new ReplicaSets' replicas
// moving, the Progressing condition), its pods grouped by host, conditions, rollout history with the template diff
// between two revisions, events. Those with k8s.write also get scale, restart, pause/resume, roll back and delete
// (the cascade listed first); every request goes through /k8s, which decides and records it.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import type { Pod } from "@/lib/k8s/kinds/pod-types";
import { useKubeList } from "@/components/kube/use-kube-list";
import { kubePath, kubeRequest, PATCH, type KubeOutcome } from "@/components/kube/kube-api";
import { useNow } from "@/components/hosts/use-now";
import { Badge, Button, ConfirmDialog, EmptyRow, FormAlert, Input, Label, Select, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { rolloutHistory, templateYaml, ownedBy, REVISION, type ReplicaSetLike } from "@/lib/workloads/rollout-history";
import { pausePatch, restartPatch, rollbackPlan, scalePatch, type DeploymentLike } from "@/lib/workloads/rollout-actions";
import { rolloutState, type DeploymentStatusLike } from "@/lib/workloads/rollout-status";
import { hostOfNode, selectorText, type HostRef } from "@/lib/workloads/pod-sources";
import { ConditionsTable, type Condition } from "./conditions-table";
import { EventsTable } from "./events-table";
import { TemplateDiff } from "./template-diff";
import { PodPhase } from "./pod-phase";
import { age } from "./age";

const DEPLOYMENTS = { group: "apps", version: "v1", plural: "deployments" };
const REPLICASETS = { group: "apps", version: "v1", plural: "replicasets" };
const PODS = { group: "", version: "v1", plural: "pods" };

type Deployment = DeploymentLike &
  DeploymentStatusLike & {
    spec?: DeploymentLike["spec"] & { selector?: { matchLabels?: Record<string, string> }; strategy?: { type?: string } };
    status?: DeploymentStatusLike["status"] & { conditions?: Condition[] };
  };

const link = "text-sky-700 hover:underline dark:text-sky-400";

export function DeploymentDetailView({
  namespace,
  name,
  hosts,
  canWrite,
  canLogs,
  renderedAt,
}: {
  namespace: string;
  name: string;
  hosts: HostRef[];
  canWrite: boolean;
  canLogs: boolean;
  renderedAt: number;
}) {
  const now = useNow(renderedAt, 5_000);
  const deployments = useKubeList<Deployment>({ ...DEPLOYMENTS, namespace, fieldSelector: `metadata.name=${name}` });
  const d = deployments.items[0] ?? null;
  const selector = d ? selectorText(d.spec?.selector as Parameters<typeof selectorText>[0]) : "";
  // An empty selector would select every pod of the namespace: nothing is watched then (the controller refuses it too).
  const rsList = useKubeList<ReplicaSetLike>(d && selector ? { ...REPLICASETS, namespace, labelSelector: selector } : null);
  const podList = useKubeList<Pod>(d && selector ? { ...PODS, namespace, labelSelector: selector } : null);
  const replicaSets = useMemo(() => rsList.items.filter((rs) => ownedBy(rs, d?.metadata.uid)), [rsList.items, d?.metadata.uid]);
  const rsNames = new Set(replicaSets.map((rs) => String(rs.metadata.name)));
  const pods = podList.items.filter((p) => (p.metadata.ownerReferences ?? []).some((o) => o.controller && rsNames.has(String(o.name))));

  if (deployments.error) return <Shell namespace={namespace} name={name}><FormAlert message={`The Deployment could not be watched: ${deployments.error}`} /></Shell>;
  if (!d) {
    return (
      <Shell namespace={namespace} name={name}>
        <p role="status" className="text-sm text-slate-600 dark:text-slate-400" data-testid="deployment-missing">
          {deployments.synced ? "There is no such Deployment (it may have been deleted)." : "Loading…"}
        </p>
      </Shell>
    );
  }

  const st = d.status ?? {};
  const desired = d.spec?.replicas ?? 1;
  const state = rolloutState(d);
  const history = rolloutHistory(d.metadata.uid, replicaSets);
  const currentRevision = Number(d.metadata.annotations?.[REVISION] ?? 0);
  const images = ((d.spec?.template as { spec?: { containers?: Array<{ name: string; image?: string }> } } | undefined)?.spec?.containers ?? []).map((c) => `${c.name}: ${c.image ?? ""}`);

  const counts: Array<[string, number, string]> = [
    ["Desired", desired, "desired"],
    ["Ready", st.readyReplicas ?? 0, "ready"],
    ["Updated", st.updatedReplicas ?? 0, "updated"],
    ["Available", st.availableReplicas ?? 0, "available"],
  ];

  return (
    <Shell namespace={namespace} name={name} actions={<HeaderLinks namespace={namespace} name={name} canLogs={canLogs} canWrite={canWrite} />}>
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4" aria-label="Replica counts">
        {counts.map(([label, n, id]) => (
          <div key={id} className="rounded-md border border-slate-200 px-3 py-2 dark:border-slate-800">
            <dt className="text-xs text-slate-500">{label}</dt>
            <dd className="text-2xl font-semibold tabular-nums" data-testid={`replicas-${id}`}>
              {n}
            </dd>
          </div>
        ))}
      </dl>

      <dl className="grid grid-cols-1 gap-x-6 gap-y-1 text-sm sm:grid-cols-[10rem_1fr]">
        <dt className="font-medium text-slate-600 dark:text-slate-400">Selector</dt>
        <dd className="font-mono text-xs">{selector || "none"}</dd>
        <dt className="font-medium text-slate-600 dark:text-slate-400">Strategy</dt>
        <dd>{d.spec?.strategy?.type ?? "RollingUpdate"}</dd>
        <dt className="font-medium text-slate-600 dark:text-slate-400">Images</dt>
        <dd className="font-mono text-xs" data-testid="deployment-images">{images.join(", ")}</dd>
        <dt className="font-medium text-slate-600 dark:text-slate-400">Revision</dt>
        <dd data-testid="deployment-revision">{currentRevision || "—"}</dd>
        <dt className="font-medium text-slate-600 dark:text-slate-400">Created</dt>
        <dd>{age(d.metadata.creationTimestamp, now)} ago</dd>
      </dl>

      {canWrite && <Actions d={d} namespace={namespace} name={name} replicaSets={replicaSets} pods={pods} />}

      <RolloutView d={d} state={state} replicaSets={replicaSets} currentRevision={currentRevision} />

      <section aria-labelledby="pods-title" className="space-y-2">
        <h2 id="pods-title" className="text-lg font-semibold">
          Pods by host <span className="text-sm font-normal text-slate-500">({pods.length})</span>
        </h2>
        <PodsByHost pods={pods} hosts={hosts} now={now} synced={podList.synced} />
      </section>

      <section aria-labelledby="conditions-title" className="space-y-2">
        <h2 id="conditions-title" className="text-lg font-semibold">Conditions</h2>
        <ConditionsTable conditions={st.conditions ?? []} now={now} />
      </section>

      <History d={d} namespace={namespace} name={name} history={history} currentRevision={currentRevision} canWrite={canWrite} now={now} />

      <section aria-labelledby="events-title" className="space-y-2">
        <h2 id="events-title" className="text-lg font-semibold">Events</h2>
        <EventsTable namespace={namespace} kind="Deployment" name={name} now={now} />
      </section>
    </Shell>
  );
}

function Shell({ namespace, name, actions, children }: { namespace: string; name: string; actions?: React.ReactNode; children: React.ReactNode }) {
  return (
    <section aria-labelledby="deployment-title" className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <p className="text-sm">
            <Link className={link} href={`/deployments?namespace=${encodeURIComponent(namespace)}`}>
              Deployments
            </Link>
          </p>
          <h1 id="deployment-title" className="text-xl font-semibold">
            Deployment {namespace}/{name}
          </h1>
        </div>
        {actions}
      </div>
      {children}
    </section>
  );
}

function HeaderLinks({ namespace, name, canLogs, canWrite }: { namespace: string; name: string; canLogs: boolean; canWrite: boolean }) {
  const q = new URLSearchParams({ apiVersion: "apps/v1", kind: "Deployment", namespace, name });
  return (
    <div className="flex gap-4 text-sm">
      {canLogs && (
        <Link className={link} href={`/logs?deployment=${encodeURIComponent(`${namespace}/${name}`)}`}>
          Logs of every replica
        </Link>
      )}
      <Link className={link} href={`/edit?${q}`}>
        {canWrite ? "Edit YAML" : "View YAML"}
      </Link>
    </div>
  );
}

/** A request's failure in words (kube-apiserver's Status message). */
const failure = (r: KubeOutcome<unknown>) => (r.ok ? null : r.message);

function Actions({ d, namespace, name, replicaSets, pods }: { d: Deployment; namespace: string; name: string; replicaSets: ReplicaSetLike[]; pods: Pod[] }) {
  const router = useRouter();
  // What the user typed; until then (and after a scale) the Deployment's own count, as it changes.
  const [typed, setTyped] = useState<string | null>(null);
  const replicas = typed ?? String(d.spec?.replicas ?? 1);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [policy, setPolicy] = useState<"Foreground" | "Background">("Foreground");
  const path = kubePath(DEPLOYMENTS, namespace, name);

  const run = async (what: string, req: () => Promise<KubeOutcome<unknown>>, ok: string) => {
    setBusy(what);
    setError(null);
    setDone(null);
    const r = await req();
    setBusy(null);
    if (r.ok) setDone(ok);
    else setError(`${what} failed: ${failure(r)}`);
    return r.ok;
  };
  const scale = () => {
    const p = scalePatch(replicas);
    if (!p.ok) return setError(p.reason);
    void run("Scale", () => kubeRequest("PATCH", kubePath(DEPLOYMENTS, namespace, name, "scale"), p.patch, PATCH.merge), `Scaled to ${replicas.trim()}.`).then((ok) => ok && setTyped(null));
  };
  const restart = () => {
    const p = restartPatch(d, new Date());
    if (!p.ok) return setError(p.reason);
    void run("Restart", () => kubeRequest("PATCH", path, p.patch, PATCH.strategic), "Restarting: every pod is replaced in turn.");
  };
  const paused = !!d.spec?.paused;
  const togglePause = () =>
    void run(paused ? "Resume" : "Pause", () => kubeRequest("PATCH", path, pausePatch(!paused), PATCH.merge), paused ? "Resumed." : "Paused: template changes wait until it is resumed.");
  const remove = async () => {
    const ok = await run("Delete", () => kubeRequest("DELETE", path, { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: policy }), "Deleted.");
    if (ok) router.push(`/deployments?namespace=${encodeURIComponent(namespace)}`);
  };

  return (
    <section aria-label="Actions" className="space-y-2">
      <div className="flex flex-wrap items-end gap-3">
        <form
          className="flex items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            scale();
          }}
        >
          <div className="space-y-1">
            <Label htmlFor="scale-replicas">Replicas</Label>
            <Input id="scale-replicas" type="number" min={0} max={1000} className="w-24" value={replicas} onChange={(e) => setTyped(e.target.value)} />
          </div>
          <Button type="submit" variant="secondary" loading={busy === "Scale"}>
            Scale
          </Button>
        </form>
        <Button variant="secondary" onClick={restart} loading={busy === "Restart"}>
          Restart
        </Button>
        <Button variant="secondary" onClick={togglePause} loading={busy === "Pause" || busy === "Resume"}>
          {paused ? "Resume rollout" : "Pause rollout"}
        </Button>
        <Button variant="danger" onClick={() => setDeleting(true)}>
          Delete
        </Button>
      </div>
      <FormAlert message={error} />
      {done && (
        <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
          {done}
        </p>
      )}
      <ConfirmDialog
        open={deleting}
        title={`Delete Deployment ${name}?`}
        description="Deleting it also deletes what it made:"
        confirm="Delete Deployment"
        danger
        busy={busy === "Delete"}
        error={deleting ? error : null}
        onConfirm={() => void remove()}
        onClose={() => setDeleting(false)}
      >
        <div className="space-y-3 text-sm" data-testid="delete-cascade">
          <div>
            <p className="font-medium">{replicaSets.length === 1 ? "1 ReplicaSet" : `${replicaSets.length} ReplicaSets`}</p>
            <ul className="ml-4 list-disc font-mono text-xs">
              {replicaSets.map((rs) => (
                <li key={rs.metadata.name}>{rs.metadata.name}</li>
              ))}
            </ul>
          </div>
          <div>
            <p className="font-medium">{pods.length === 1 ? "1 pod" : `${pods.length} pods`}</p>
            <ul className="ml-4 list-disc font-mono text-xs">
              {pods.map((p) => (
                <li key={p.metadata.name}>
                  {p.metadata.name} {p.spec?.nodeName ? `on ${p.spec.nodeName}` : ""}
                </li>
              ))}
            </ul>
          </div>
          <div className="space-y-1">
            <Label htmlFor="delete-policy">How</Label>
            <Select id="delete-policy" value={policy} onChange={(e) => setPolicy(e.target.value as typeof policy)}>
              <option value="Foreground">Foreground: its pods and ReplicaSets first, then the Deployment</option>
              <option value="Background">Background: the Deployment now, the rest right after</option>
            </Select>
          </div>
        </div>
      </ConfirmDialog>
    </section>
  );
}

function RolloutView({ d, state, replicaSets, currentRevision }: { d: Deployment; state: ReturnType<typeof rolloutState>; replicaSets: ReplicaSetLike[]; currentRevision: number }) {
  const progressing = d.status?.conditions?.find((c) => c.type === "Progressing");
  // While it moves: every ReplicaSet that still has (or wants) pods, the new one first.
  const live = replicaSets
    .filter((rs) => (rs.spec?.replicas ?? 0) > 0 || (rs.status?.replicas ?? 0) > 0)
    .sort((a, b) => Number(b.metadata.annotations?.[REVISION] ?? 0) - Number(a.metadata.annotations?.[REVISION] ?? 0));
  const tone = state.phase === "complete" ? "success" : state.phase === "failed" ? "danger" : state.phase === "paused" ? "neutral" : "info";
  return (
    <section aria-labelledby="rollout-title" className="space-y-2" data-testid="rollout" data-phase={state.phase}>
      <h2 id="rollout-title" className="flex items-center gap-2 text-lg font-semibold">
        Rollout <Badge tone={tone}>{state.phase === "complete" ? "complete" : state.phase === "failed" ? "failed" : state.phase === "paused" ? "paused" : "in progress"}</Badge>
      </h2>
      <p role="status" className="text-sm" data-testid="rollout-message">
        {state.message}
      </p>
      {progressing && (
        <p className="text-xs text-slate-600 dark:text-slate-400">
          Progressing: {progressing.reason} — {progressing.message}
        </p>
      )}
      <ul className="space-y-1" aria-label="ReplicaSets with pods">
        {live.map((rs) => {
          const rev = Number(rs.metadata.annotations?.[REVISION] ?? 0);
          const want = rs.spec?.replicas ?? 0;
          const have = rs.status?.replicas ?? 0;
          const ready = rs.status?.readyReplicas ?? 0;
          const max = Math.max(want, have, 1);
          return (
            <li key={rs.metadata.name} className="flex items-center gap-3 text-sm" data-testid="rollout-rs" data-revision={rev} data-new={rev === currentRevision}>
              <span className="w-64 truncate font-mono text-xs">{rs.metadata.name}</span>
              <Badge tone={rev === currentRevision ? "info" : "neutral"}>{rev === currentRevision ? `new (rev ${rev})` : `old (rev ${rev})`}</Badge>
              <span className="relative h-2 w-40 overflow-hidden rounded bg-slate-200 dark:bg-slate-800" aria-hidden>
                <span className="absolute inset-y-0 left-0 bg-emerald-500" style={{ width: `${(ready / max) * 100}%` }} />
              </span>
              <span className="tabular-nums" data-testid="rollout-rs-counts">
                {ready} ready / {have} current / {want} desired
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function PodsByHost({ pods, hosts, now, synced }: { pods: Pod[]; hosts: HostRef[]; now: number; synced: boolean }) {
  const groups = new Map<string, Pod[]>();
  for (const p of pods) {
    const k = p.spec?.nodeName ?? "";
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  const order = [...groups.keys()].sort((a, b) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b)));
  if (pods.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">{synced ? "No pods." : "Loading…"}</p>;
  return (
    <div className="space-y-3">
      {order.map((node) => {
        const host = hostOfNode(node, hosts);
        return (
          <div key={node} data-testid="host-group" data-node={node} className="rounded-md border border-slate-200 dark:border-slate-800">
            <h3 className="flex gap-3 border-b border-slate-200 px-3 py-1.5 text-sm font-medium dark:border-slate-800">
              {node ? (
                <>
                  <Link className={link} href={`/nodes/${encodeURIComponent(node)}`}>
                    {node}
                  </Link>
                  {host && (
                    <Link className={`${link} text-xs font-normal`} href={`/hosts/${host.id}`}>
                      host page
                    </Link>
                  )}
                </>
              ) : (
                "Not scheduled yet"
              )}
              <span className="text-xs font-normal text-slate-500">{groups.get(node)!.length} pods</span>
            </h3>
            <Table caption={`Pods on ${node || "no host"}`}>
              <THead>
                <Tr>
                  <Th>Pod</Th>
                  <Th>State</Th>
                  <Th>Ready</Th>
                  <Th>Restarts</Th>
                  <Th>IP</Th>
                  <Th>Age</Th>
                </Tr>
              </THead>
              <TBody>
                {groups.get(node)!.map((p) => {
                  const cs = p.status?.containerStatuses ?? [];
                  return (
                    <Tr key={p.metadata.name} data-testid="pod-row" data-pod={p.metadata.name}>
                      <Td>
                        <Link className={link} href={`/pods/${encodeURIComponent(p.metadata.namespace ?? "")}/${encodeURIComponent(p.metadata.name ?? "")}`}>
                          {p.metadata.name}
                        </Link>
                      </Td>
                      <Td>
                        <PodPhase pod={p} />
                      </Td>
                      <Td className="tabular-nums">
                        {cs.filter((c) => c.ready).length}/{p.spec?.containers?.length ?? 0}
                      </Td>
                      <Td className="tabular-nums">{cs.reduce((n, c) => n + (c.restartCount ?? 0), 0)}</Td>
                      <Td className="font-mono text-xs">{p.status?.podIP ?? "—"}</Td>
                      <Td className="text-xs">{age(p.metadata.creationTimestamp, now)}</Td>
                    </Tr>
                  );
                })}
              </TBody>
            </Table>
          </div>
        );
      })}
    </div>
  );
}

function History({
  d,
  namespace,
  name,
  history,
  currentRevision,
  canWrite,
  now,
}: {
  d: Deployment;
  namespace: string;
  name: string;
  history: ReturnType<typeof rolloutHistory>;
  currentRevision: number;
  canWrite: boolean;
  now: number;
}) {
  const [fromRev, setFromRev] = useState<string>("");
  const [toRev, setToRev] = useState<string>("");
  const [rollingTo, setRollingTo] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Defaults: the previous revision against the current one.
  const revs = history.map((h) => h.revision);
  const to = toRev && revs.includes(Number(toRev)) ? Number(toRev) : (revs[0] ?? 0);
  const from = fromRev && revs.includes(Number(fromRev)) ? Number(fromRev) : (revs.find((r) => r < to) ?? to);
  const a = history.find((h) => h.revision === from);
  const b = history.find((h) => h.revision === to);

  const rollback = async (revision: number) => {
    const target = history.find((h) => h.revision === revision);
    if (!target) return;
    setError(null);
    setNotice(null);
    const plan = rollbackPlan(d, target.replicaSet, revision);
    if (plan.kind === "refused") return setError(plan.reason);
    if (plan.kind === "skipped") {
      setRollingTo(null);
      return setNotice(plan.reason);
    }
    setBusy(true);
    const r = await kubeRequest("PATCH", kubePath(DEPLOYMENTS, namespace, name), plan.patch, PATCH.json);
    setBusy(false);
    if (!r.ok) return setError(`Roll back failed: ${r.message}`);
    setRollingTo(null);
    setNotice(`Rolled back to revision ${revision}: its template is the Deployment's again, as a new revision.`);
  };

  return (
    <section aria-labelledby="history-title" className="space-y-3">
      <h2 id="history-title" className="text-lg font-semibold">
        Rollout history
      </h2>
      <FormAlert message={rollingTo === null ? error : null} />
      {notice && (
        <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
          {notice}
        </p>
      )}
      <Table caption="Revisions">
        <THead>
          <Tr>
            <Th>Revision</Th>
            <Th>ReplicaSet</Th>
            <Th>Images</Th>
            <Th>Pods</Th>
            <Th>Created</Th>
            {canWrite && <Th>Action</Th>}
          </Tr>
        </THead>
        <TBody>
          {history.length === 0 && <EmptyRow colSpan={canWrite ? 6 : 5}>No revisions yet.</EmptyRow>}
          {history.map((h) => (
            <Tr key={h.replicaSet.metadata.name} data-testid="revision-row" data-revision={h.revision}>
              <Td className="tabular-nums">
                {h.revision}
                {h.revision === currentRevision && (
                  <Badge tone="info" className="ml-2">
                    current
                  </Badge>
                )}
                {h.earlier.length > 0 && <span className="ml-2 text-xs text-slate-500">(was {h.earlier.join(", ")})</span>}
              </Td>
              <Td className="font-mono text-xs">{h.replicaSet.metadata.name}</Td>
              <Td className="font-mono text-xs">{h.images.join(", ")}</Td>
              <Td className="tabular-nums">
                {h.replicaSet.status?.readyReplicas ?? 0}/{h.replicaSet.spec?.replicas ?? 0}
              </Td>
              <Td className="text-xs">{age(h.replicaSet.metadata.creationTimestamp, now)} ago</Td>
              {canWrite && (
                <Td>
                  {h.revision !== currentRevision && (
                    <Button size="sm" variant="secondary" onClick={() => {
                        setError(null);
                        setRollingTo(h.revision);
                      }}>
                      Roll back to {h.revision}
                    </Button>
                  )}
                </Td>
              )}
            </Tr>
          ))}
        </TBody>
      </Table>

      {history.length > 1 && (
        <div className="space-y-2">
          <div className="flex flex-wrap items-end gap-3">
            <div className="space-y-1">
              <Label htmlFor="diff-from">Compare revision</Label>
              <Select id="diff-from" value={String(from)} onChange={(e) => setFromRev(e.target.value)}>
                {revs.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </Select>
            </div>
            <div className="space-y-1">
              <Label htmlFor="diff-to">with revision</Label>
              <Select id="diff-to" value={String(to)} onChange={(e) => setToRev(e.target.value)}>
                {revs.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </Select>
            </div>
          </div>
          {a && b && <TemplateDiff before={templateYaml(a.replicaSet.spec?.template)} after={templateYaml(b.replicaSet.spec?.template)} beforeLabel={`revision ${from}`} afterLabel={`revision ${to}`} />}
        </div>
      )}

      <ConfirmDialog
        open={rollingTo !== null}
        title={`Roll back to revision ${rollingTo ?? ""}?`}
        description="The revision's pod template becomes the Deployment's; the rollout replaces the pods as for any change, and it becomes the newest revision."
        confirm={`Roll back to revision ${rollingTo ?? ""}`}
        busy={busy}
        error={rollingTo !== null ? error : null}
        onConfirm={() => void rollback(rollingTo!)}
        onClose={() => setRollingTo(null)}
      >
        {rollingTo !== null && history.find((h) => h.revision === rollingTo) && (
          <TemplateDiff
            before={templateYaml(d.spec?.template)}
            after={templateYaml(history.find((h) => h.revision === rollingTo)!.replicaSet.spec?.template)}
            beforeLabel="now"
            afterLabel={`revision ${rollingTo}`}
          />
        )}
      </ConfirmDialog>
    </section>
  );
}

