"use client";
// /pods/{namespace}/{name} — one pod, live from a watch: its containers (init containers first) with state, ready,
// restarts, last termination and exit code, probes and what the status says of their results; volumes; the host it
// runs on, its IPs, conditions, owner and events. Logs per container (the previous container's too) in the logs
// viewer's list, and a terminal into a chosen container (xterm over the socket's exec) for those with the rights;
// delete for those with k8s.write.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import type { Container, ContainerStatus, Pod, Volume } from "@/lib/k8s/kinds/pod-types";
import { useKubeList } from "@/components/kube/use-kube-list";
import { kubePath, kubeRequest } from "@/components/kube/kube-api";
import { useNow } from "@/components/hosts/use-now";
import { Badge, Button, ConfirmDialog, EmptyRow, FormAlert, Label, Select, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { containerStateText, lastTerminationText, probeText } from "@/lib/workloads/container-state";
import { engineIdOf, hostOfNode, podLogSources, statusOf, type HostRef } from "@/lib/workloads/pod-sources";
import { POD_TEMPLATE_HASH } from "@/lib/workloads/rollout-history";
import { compileSearch } from "@/lib/logs/search";
import { sourceColour } from "@/lib/logs/sources";
import { useLogStreams } from "@/components/logs/use-log-streams";
import { LogList } from "@/components/logs/log-list";
import { TerminalView } from "@/components/terminal/terminal-view";
import { ConditionsTable } from "./conditions-table";
import { EventsTable } from "./events-table";
import { PodPhase } from "./pod-phase";
import { age } from "./age";

const PODS = { group: "", version: "v1", plural: "pods" };
const link = "text-sky-700 hover:underline dark:text-sky-400";

export function PodDetailView({
  namespace,
  name,
  hosts,
  canWrite,
  canLogs,
  canExec,
  renderedAt,
}: {
  namespace: string;
  name: string;
  hosts: HostRef[];
  canWrite: boolean;
  canLogs: boolean;
  canExec: boolean;
  renderedAt: number;
}) {
  const now = useNow(renderedAt, 5_000);
  const list = useKubeList<Pod>({ ...PODS, namespace, fieldSelector: `metadata.name=${name}` });
  const pod = list.items[0] ?? null;
  const q = new URLSearchParams({ apiVersion: "v1", kind: "Pod", namespace, name });

  const header = (
    <div className="flex flex-wrap items-end justify-between gap-2">
      <div>
        <p className="text-sm">
          <Link className={link} href={`/pods?namespace=${encodeURIComponent(namespace)}`}>
            Pods
          </Link>
        </p>
        <h1 id="pod-title" className="text-xl font-semibold">
          Pod {namespace}/{name}
        </h1>
      </div>
      <Link className={`${link} text-sm`} href={`/edit?${q}`}>
        {canWrite ? "Edit YAML" : "View YAML"}
      </Link>
    </div>
  );
  if (!pod) {
    return (
      <section aria-labelledby="pod-title" className="space-y-6">
        {header}
        <FormAlert message={list.error ? `The pod could not be watched: ${list.error}` : null} />
        {!list.error && (
          <p role="status" className="text-sm text-slate-600 dark:text-slate-400" data-testid="pod-missing">
            {list.synced ? "There is no such pod (it may have been deleted)." : "Loading…"}
          </p>
        )}
      </section>
    );
  }

  const host = hostOfNode(pod.spec?.nodeName, hosts);
  const owner = (pod.metadata.ownerReferences ?? []).find((o) => o.controller);
  const hash = pod.metadata.labels?.[POD_TEMPLATE_HASH];
  // A Deployment's ReplicaSet is named `<deployment>-<pod-template-hash>`.
  const deployment = owner?.kind === "ReplicaSet" && hash && String(owner.name).endsWith(`-${hash}`) ? String(owner.name).slice(0, -hash.length - 1) : null;
  const facts: Array<[string, React.ReactNode]> = [
    ["Status", <PodPhase key="s" pod={pod} />],
    [
      "Node",
      pod.spec?.nodeName ? (
        <span key="n" className="flex gap-3">
          <Link className={link} href={`/nodes/${encodeURIComponent(pod.spec.nodeName)}`} data-testid="pod-node">
            {pod.spec.nodeName}
          </Link>
          {host && (
            <Link className={link} href={`/hosts/${host.id}`}>
              host page
            </Link>
          )}
        </span>
      ) : (
        "not scheduled yet"
      ),
    ],
    ["Pod IP", <span key="ip" className="font-mono" data-testid="pod-ip">{pod.status?.podIP ?? "—"}</span>],
    ["Host IP", <span key="hip" className="font-mono">{pod.status?.hostIP ?? "—"}</span>],
    [
      "Controlled by",
      owner ? (
        <span key="o" className="flex gap-3">
          <span>
            {String(owner.kind)} {String(owner.name)}
          </span>
          {deployment && (
            <Link className={link} href={`/deployments/${encodeURIComponent(namespace)}/${encodeURIComponent(deployment)}`}>
              Deployment {deployment}
            </Link>
          )}
        </span>
      ) : (
        "nothing (a bare pod)"
      ),
    ],
    ["Created", `${age(pod.metadata.creationTimestamp, now)} ago`],
    ["Labels", <span key="l" className="font-mono text-xs">{Object.entries(pod.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(", ") || "none"}</span>],
  ];

  return (
    <section aria-labelledby="pod-title" className="space-y-6">
      {header}
      <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[10rem_1fr]">
        {facts.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="font-medium text-slate-600 dark:text-slate-400">{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {canWrite && <DeletePod namespace={namespace} name={name} />}

      <section aria-labelledby="containers-title" className="space-y-2">
        <h2 id="containers-title" className="text-lg font-semibold">Containers</h2>
        <ContainersTable pod={pod} />
      </section>

      <section aria-labelledby="conditions-title" className="space-y-2">
        <h2 id="conditions-title" className="text-lg font-semibold">Conditions</h2>
        <ConditionsTable conditions={pod.status?.conditions ?? []} now={now} />
      </section>

      <section aria-labelledby="volumes-title" className="space-y-2">
        <h2 id="volumes-title" className="text-lg font-semibold">Volumes</h2>
        <VolumesTable pod={pod} />
      </section>

      {canLogs && <PodLogs pod={pod} hosts={hosts} />}
      {canExec && <PodTerminal pod={pod} host={host} />}

      <section aria-labelledby="events-title" className="space-y-2">
        <h2 id="events-title" className="text-lg font-semibold">Events</h2>
        <EventsTable namespace={namespace} kind="Pod" name={name} now={now} />
      </section>
    </section>
  );
}

const allContainers = (pod: Pod): Array<{ c: Container; init: boolean }> => [
  ...(pod.spec?.initContainers ?? []).map((c) => ({ c, init: true })),
  ...(pod.spec?.containers ?? []).map((c) => ({ c, init: false })),
];

/** What the status says of a container's probes: readiness by `ready`, startup by `started`; liveness by restarts. */
function probeResults(c: Container, s: ContainerStatus | undefined): Array<[string, string, string | null]> {
  const out: Array<[string, string, string | null]> = [];
  if (c.livenessProbe) out.push(["Liveness", probeText(c.livenessProbe)!, s ? (s.restartCount ? `${s.restartCount} restarts` : "no restart") : null]);
  if (c.readinessProbe) out.push(["Readiness", probeText(c.readinessProbe)!, s ? (s.ready ? "passing (ready)" : "not passing (not ready)") : null]);
  if (c.startupProbe) out.push(["Startup", probeText(c.startupProbe)!, s ? (s.started ? "passed (started)" : "not passed yet") : null]);
  return out;
}

function ContainersTable({ pod }: { pod: Pod }) {
  return (
    <Table caption="Containers">
      <THead>
        <Tr>
          <Th>Container</Th>
          <Th>Image</Th>
          <Th>State</Th>
          <Th>Ready</Th>
          <Th>Restarts</Th>
          <Th>Last termination</Th>
          <Th>Probes</Th>
        </Tr>
      </THead>
      <TBody>
        {allContainers(pod).map(({ c, init }) => {
          const s = statusOf(pod, c.name);
          const state = containerStateText(s);
          return (
            <Tr key={c.name} data-testid="container-row" data-container={c.name}>
              <Td className="font-medium">
                {c.name}
                {init && (
                  <Badge className="ml-2" tone="neutral">
                    init
                  </Badge>
                )}
              </Td>
              <Td className="font-mono text-xs">{c.image}</Td>
              <Td>
                <span data-testid="container-state" data-kind={state.kind} className={state.kind === "running" ? "text-emerald-700 dark:text-emerald-400" : state.kind === "waiting" ? "text-amber-700 dark:text-amber-400" : ""}>
                  {state.label}
                </span>
                {state.detail && <span className="block text-xs text-slate-500">{state.detail}</span>}
              </Td>
              <Td>{s ? (s.ready ? "yes" : "no") : "—"}</Td>
              <Td className="tabular-nums" data-testid="container-restarts">{s?.restartCount ?? 0}</Td>
              <Td className="text-xs" data-testid="container-last-termination">{lastTerminationText(s) ?? "—"}</Td>
              <Td className="text-xs">
                {probeResults(c, s).map(([kind, how, result]) => (
                  <span key={kind} className="block">
                    <span className="font-medium">{kind}:</span> <span className="font-mono">{how}</span>
                    {result && <span className="text-slate-500"> — {result}</span>}
                  </span>
                ))}
                {probeResults(c, s).length === 0 && "none"}
              </Td>
            </Tr>
          );
        })}
      </TBody>
    </Table>
  );
}

function volumeSource(v: Volume): [string, string] {
  const kind = Object.keys(v).find((k) => k !== "name") ?? "emptyDir";
  const src = (v as Record<string, unknown>)[kind] as Record<string, unknown> | undefined;
  const detail = src
    ? (["path", "name", "secretName", "claimName", "medium", "sizeLimit"] as const)
        .filter((k) => src[k] !== undefined && src[k] !== "")
        .map((k) => `${k}: ${String(src[k])}`)
        .join(", ")
    : "";
  return [kind, detail];
}

function VolumesTable({ pod }: { pod: Pod }) {
  const volumes = pod.spec?.volumes ?? [];
  const mounts = (name: string) =>
    allContainers(pod).flatMap(({ c }) => (c.volumeMounts ?? []).filter((m) => m.name === name).map((m) => `${c.name}:${m.mountPath}${m.readOnly ? " (ro)" : ""}`));
  return (
    <Table caption="Volumes">
      <THead>
        <Tr>
          <Th>Volume</Th>
          <Th>Type</Th>
          <Th>Source</Th>
          <Th>Mounted at</Th>
        </Tr>
      </THead>
      <TBody>
        {volumes.length === 0 && <EmptyRow colSpan={4}>No volumes.</EmptyRow>}
        {volumes.map((v) => {
          const [kind, detail] = volumeSource(v);
          return (
            <Tr key={v.name}>
              <Td className="font-medium">{v.name}</Td>
              <Td>{kind}</Td>
              <Td className="text-xs">{detail || "—"}</Td>
              <Td className="font-mono text-xs">{mounts(v.name).join(", ") || "—"}</Td>
            </Tr>
          );
        })}
      </TBody>
    </Table>
  );
}

function DeletePod({ namespace, name }: { namespace: string; name: string }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const remove = async () => {
    setBusy(true);
    setError(null);
    const r = await kubeRequest("DELETE", kubePath(PODS, namespace, name));
    setBusy(false);
    if (!r.ok) return setError(`Delete failed: ${r.message}`);
    setOpen(false);
    router.push(`/pods?namespace=${encodeURIComponent(namespace)}`);
  };
  return (
    <div>
      <Button variant="danger" size="sm" onClick={() => setOpen(true)}>
        Delete pod
      </Button>
      <ConfirmDialog
        open={open}
        title={`Delete pod ${name}?`}
        description="Its containers are stopped (given their grace period) and removed. A pod a ReplicaSet controls is replaced by a new one."
        confirm="Delete pod"
        danger
        busy={busy}
        error={error}
        onConfirm={() => void remove()}
        onClose={() => setOpen(false)}
      />
    </div>
  );
}

const NO_SEARCH = compileSearch("", { regex: false });

function PodLogs({ pod, hosts }: { pod: Pod; hosts: HostRef[] }) {
  const names = allContainers(pod).map(({ c }) => c.name);
  const [chosen, setChosen] = useState(pod.spec?.containers?.[0]?.name ?? names[0] ?? "");
  const [previous, setPrevious] = useState(false);
  const container = names.includes(chosen) ? chosen : (names[0] ?? "");
  const src = podLogSources(pod, hosts, { previous, containers: [container] })[0];
  const srcKey = src ? `${src.hostId}:${src.container}` : "";
  const sources = useMemo(() => (srcKey ? [{ hostId: Number(srcKey.split(":")[0]), container: srcKey.split(":")[1]! }] : []), [srcKey]);
  const { buffer, states } = useLogStreams(sources, 1000);
  const st = srcKey ? states[srcKey] : undefined;
  const s = statusOf(pod, container);
  const why = !hostOfNode(pod.spec?.nodeName, hosts)
    ? "The pod has no host yet."
    : previous
      ? "This container has no previous run (it has not restarted)."
      : `The container has not started yet${s?.state?.waiting?.reason ? `: ${s.state.waiting.reason}` : ""}.`;
  return (
    <section aria-labelledby="logs-title" className="space-y-2">
      <div className="flex flex-wrap items-end gap-3">
        <h2 id="logs-title" className="mr-auto text-lg font-semibold">
          Logs
        </h2>
        <div className="space-y-1">
          <Label htmlFor="pod-logs-container">Container</Label>
          <Select id="pod-logs-container" value={container} onChange={(e) => setChosen(e.target.value)}>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </Select>
        </div>
        <label htmlFor="pod-logs-previous" className="flex h-9 items-center gap-1.5 text-sm">
          <input id="pod-logs-previous" type="checkbox" checked={previous} onChange={(e) => setPrevious(e.target.checked)} className="size-4 accent-indigo-600" />
          Previous container
        </label>
        {src && (
          <Link className={`${link} text-sm`} href={`/logs?c=${src.hostId}:${src.container}`}>
            Open in the logs viewer
          </Link>
        )}
      </div>
      <p role="status" className="text-xs text-slate-600 dark:text-slate-400" data-testid="pod-logs-status">
        {src ? (st?.message ?? "Following") : why}
      </p>
      <LogList lines={buffer.lines} follow sources={[{ name: container, colour: sourceColour(0) }]} showTime search={NO_SEARCH} onScrollUp={() => {}}>
        {src ? "No lines yet." : why}
      </LogList>
    </section>
  );
}

function PodTerminal({ pod, host }: { pod: Pod; host: HostRef | null }) {
  const running = (pod.spec?.containers ?? []).filter((c) => statusOf(pod, c.name)?.state?.running);
  const [chosen, setChosen] = useState("");
  const [open, setOpen] = useState<{ container: string; id: string } | null>(null);
  const container = running.some((c) => c.name === chosen) ? chosen : (running[0]?.name ?? "");
  const id = engineIdOf(statusOf(pod, container)?.containerID);
  return (
    <section aria-labelledby="terminal-title" className="space-y-2">
      <div className="flex flex-wrap items-end gap-3">
        <h2 id="terminal-title" className="mr-auto text-lg font-semibold">
          Terminal
        </h2>
        <div className="space-y-1">
          <Label htmlFor="pod-terminal-container">Container</Label>
          <Select id="pod-terminal-container" value={container} onChange={(e) => setChosen(e.target.value)} disabled={!running.length}>
            {running.length === 0 && <option value="">No running container</option>}
            {running.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </Select>
        </div>
        <Button variant="secondary" disabled={!host || !id} onClick={() => host && id && setOpen({ container, id })}>
          {open ? "Open in this container" : "Open terminal"}
        </Button>
      </div>
      {open && host && (
        <div data-testid="pod-terminal" data-container={open.container}>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            In container <span className="font-medium">{open.container}</span> on {host.name}
          </p>
          <TerminalView key={open.id} hostId={host.id} hostName={host.name} container={open.id} embedded />
        </div>
      )}
    </section>
  );
}
