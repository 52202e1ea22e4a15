"use client";
// One container: its inspect data, live usage, and (for those allowed) actions, logs and terminal. Live: when its
// host's containers change, the container is re-read (debounced); a container removed meanwhile says so.
import Link from "next/link";
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { useRouter } from "next/navigation";
import { EmptyRow, FormAlert, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { ApiError, api } from "@/components/api/client";
import { LiveIndicator } from "@/components/hosts/live-indicator";
import { formatBytes, formatTime } from "@/components/hosts/format";
import { ContainerActions } from "./container-actions";
import { ContainerStats } from "./container-stats";
import { EnvTable } from "./env-table";
import { ContainerStateBadge } from "./state-badge";
import { withholdInspectSecrets } from "@/lib/containers/secret-env";
import { containerName, realTime, type ContainerInspect } from "./inspect";
import { containerHref } from "@/lib/containers/container-href";
import { nameBeforeAside } from "@/lib/containers/aside-name";
import { useContainerEvents } from "./use-container-events";
import { ContainerNotFound } from "./container-not-found";
import { useMounted } from "./use-clock";

export function ContainerDetail({
  hostId,
  hostName,
  initial,
  canManage,
  canLogs,
  canExec,
}: {
  hostId: number;
  hostName: string;
  initial: ContainerInspect;
  canManage: boolean;
  canLogs: boolean;
  canExec: boolean;
}) {
  const [c, setC] = useState(initial);
  const [gone, setGone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const router = useRouter();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const url = `/api/v1${containerHref(hostId, initial.Id)}`;

  const refetch = useCallback(async () => {
    try {
      setC(await api.get<ContainerInspect>(url, { cache: "no-store" }));
      setGone(false);
      setError(null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return setGone(true);
      setError(`Could not refresh the container: ${(e as Error).message}`);
    }
  }, [url]);

  const live = useContainerEvents((e) => {
    if (e && e.hostId !== hostId) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void refetch(), 200);
  });
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  const name = containerName(c);
  const asideOf = nameBeforeAside(name, c.Id);
  if (gone) return <ContainerNotFound hostId={hostId} hostName={hostName} container={name} removed />;

  const st = c.State ?? {};
  const state = st.Status ?? "unknown";
  const running = state === "running";
  const cmd = [c.Path, ...(c.Args ?? [])].filter((a): a is string => a !== undefined && a !== "");
  const policy = c.HostConfig?.RestartPolicy;
  const logsHref = `/logs?c=${encodeURIComponent(`${hostId}:${name}`)}`;
  const terminalHref = containerHref(hostId, name, "terminal");

  return (
    <section aria-labelledby="container-title" className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="space-y-1">
          <p className="text-sm">
            <Link href="/containers" className="text-indigo-700 hover:underline dark:text-indigo-400">
              Containers
            </Link>
          </p>
          <h1 id="container-title" className="flex flex-wrap items-center gap-3 text-xl font-semibold">
            {name}
            <ContainerStateBadge state={state} exitCode={st.ExitCode} testId="container-state" />
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            on{" "}
            <Link href={`/hosts/${hostId}`} className="text-indigo-700 hover:underline dark:text-indigo-400">
              {hostName}
            </Link>{" "}
            · <span className="font-mono text-xs">{c.Id.slice(0, 12)}</span> · <LiveIndicator state={live} />
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {canLogs && (
            <Link href={logsHref} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
              View logs
            </Link>
          )}
          {canExec && running && terminalHref && (
            <Link
              href={terminalHref}
              className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
            >
              Open terminal
            </Link>
          )}
          {canManage && (
            <Link
              href={`/containers/new?host=${hostId}&from=${encodeURIComponent(c.Id)}`}
              className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
            >
              Duplicate
            </Link>
          )}
          {canManage && (
            <Link
              href={`/containers/new?host=${hostId}&from=${encodeURIComponent(c.Id)}&edit=1`}
              className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
            >
              Edit
            </Link>
          )}
        </div>
      </div>

      {canManage && (
        <ContainerActions
          hostId={hostId}
          containerId={c.Id}
          name={name}
          state={state}
          onDone={() => void refetch()}
          onRemoved={() => router.push("/containers")}
        />
      )}
      {asideOf && (
        <FormAlert
          tone="info"
          message={`A recreate set this container aside and could not finish (its host went away): it was ${asideOf}.${canManage ? ` Edit recreates it under that name; or remove it if ${asideOf} runs again without it.` : ""}`}
        />
      )}
      <FormAlert message={error} />

      <Section id="container-overview" title="Overview">
        <dl className="grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-2 lg:grid-cols-3">
          <Item label="Name" testId="container-name">{name}</Item>
          <Item label="ID" testId="container-id">
            <span className="break-all font-mono text-xs">{c.Id}</span>
          </Item>
          <Item label="Image" testId="container-image">
            <span className="break-all">{c.Config?.Image ?? "—"}</span>
            {c.Image && <div className="break-all font-mono text-xs text-slate-500">{c.Image}</div>}
          </Item>
          <Item label="Command" testId="container-command">
            <code className="break-all text-xs">{cmd.length ? cmd.map(quote).join(" ") : "—"}</code>
          </Item>
          <Item label="State" testId="container-state-detail">
            {state}
            {st.OOMKilled ? " (killed: out of memory)" : ""}
            {st.Pid ? <span className="text-slate-500"> · pid {st.Pid}</span> : null}
            {!running && st.ExitCode !== undefined && realTime(st.FinishedAt) ? <span className="text-slate-500"> · exit code {st.ExitCode}</span> : null}
            {st.Error ? <div className="text-xs text-red-600">{st.Error}</div> : null}
          </Item>
          <Item label="Created">{timeOrDash(c.Created)}</Item>
          <Item label="Started" testId="container-started">{timeOrDash(st.StartedAt)}</Item>
          <Item label="Finished" testId="container-finished">{timeOrDash(st.FinishedAt)}</Item>
          <Item label="Restarts" testId="container-restarts">
            {c.RestartCount ?? 0} · restart policy: {policy?.Name || "no"}
            {policy?.Name === "on-failure" && policy.MaximumRetryCount ? ` (at most ${policy.MaximumRetryCount})` : ""}
          </Item>
          {c.Config?.WorkingDir && <Item label="Working directory">{c.Config.WorkingDir}</Item>}
          {c.Config?.User && <Item label="User">{c.Config.User}</Item>}
        </dl>
      </Section>

      <ContainerStats hostId={hostId} containerId={c.Id} running={running} />

      <Section id="container-env" title="Environment">
        <EnvTable env={c.Config?.Env} />
      </Section>

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Section id="container-ports" title="Ports">
          <PortsTable ports={c.NetworkSettings?.Ports} />
        </Section>
        <Section id="container-networks" title="Networks">
          <NetworksTable networks={c.NetworkSettings?.Networks} />
        </Section>
      </div>

      <Section id="container-mounts" title="Mounts">
        <MountsTable mounts={c.Mounts} />
      </Section>

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Section id="container-labels" title="Labels">
          <LabelsTable labels={c.Config?.Labels} />
        </Section>
        <Section id="container-limits" title="Limits">
          <Limits c={c} />
        </Section>
      </div>

      {/* Everything the host said, as `docker inspect` prints it, secret-looking env values masked (the table reveals them). */}
      <details data-testid="container-inspect-json" className="rounded-lg border border-slate-200 bg-white p-4 text-sm dark:border-slate-800 dark:bg-slate-950">
        <summary className="cursor-pointer font-semibold">Inspect (JSON)</summary>
        <pre className="mt-3 max-h-[32rem] overflow-auto font-mono text-xs whitespace-pre">{JSON.stringify(withholdInspectSecrets(c, "••••••••"), null, 2)}</pre>
      </details>
    </section>
  );
}

function quote(a: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

function timeOrDash(iso: string | undefined): ReactNode {
  const t = realTime(iso);
  return t ? <LocalTime iso={t} /> : "—";
}

/** A time in the browser's own zone; in UTC while the server's rendering is hydrated (the zones may differ). */
function LocalTime({ iso }: { iso: string }) {
  const mounted = useMounted();
  return (
    <time dateTime={iso} title={iso}>
      {mounted ? formatTime(iso) : `${iso.slice(0, 19).replace("T", " ")} UTC`}
    </time>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={`${id}-title`} className="space-y-2" data-testid={id}>
      <h2 id={`${id}-title`} className="text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

function Item({ label, testId, children }: { label: string; testId?: string; children: ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

function PortsTable({ ports }: { ports: NonNullable<ContainerInspect["NetworkSettings"]>["Ports"] }) {
  const rows = Object.entries(ports ?? {}).flatMap(([key, binds]) =>
    binds && binds.length ? binds.map((b) => ({ key, host: `${b.HostIp || "0.0.0.0"}:${b.HostPort}` })) : [{ key, host: "not published" }],
  );
  return (
    <Table caption="Ports">
      <THead>
        <Tr>
          <Th>Container port</Th>
          <Th>Published on the host</Th>
        </Tr>
      </THead>
      <TBody>
        {rows.length === 0 && <EmptyRow colSpan={2}>No ports.</EmptyRow>}
        {rows.map((r) => (
          <Tr key={`${r.key}-${r.host}`} data-testid={`port-${r.key}`}>
            <Td className="font-mono text-xs">{r.key}</Td>
            <Td className="font-mono text-xs">{r.host}</Td>
          </Tr>
        ))}
      </TBody>
    </Table>
  );
}

function NetworksTable({ networks }: { networks: NonNullable<ContainerInspect["NetworkSettings"]>["Networks"] }) {
  const rows = Object.entries(networks ?? {});
  return (
    <Table caption="Networks">
      <THead>
        <Tr>
          <Th>Network</Th>
          <Th>IP address</Th>
          <Th>Gateway</Th>
          <Th>MAC</Th>
        </Tr>
      </THead>
      <TBody>
        {rows.length === 0 && <EmptyRow colSpan={4}>No networks.</EmptyRow>}
        {rows.map(([n, s]) => (
          <Tr key={n} data-testid={`network-${n}`}>
            <Td>{n}</Td>
            <Td className="font-mono text-xs">{s.IPAddress ? `${s.IPAddress}${s.IPPrefixLen ? `/${s.IPPrefixLen}` : ""}` : "—"}</Td>
            <Td className="font-mono text-xs">{s.Gateway || "—"}</Td>
            <Td className="font-mono text-xs">{s.MacAddress || "—"}</Td>
          </Tr>
        ))}
      </TBody>
    </Table>
  );
}

function MountsTable({ mounts }: { mounts: ContainerInspect["Mounts"] }) {
  const rows = mounts ?? [];
  return (
    <Table caption="Mounts">
      <THead>
        <Tr>
          <Th>Type</Th>
          <Th>Source</Th>
          <Th>Destination</Th>
          <Th>Access</Th>
        </Tr>
      </THead>
      <TBody>
        {rows.length === 0 && <EmptyRow colSpan={4}>No mounts.</EmptyRow>}
        {rows.map((m, i) => (
          <Tr key={`${i}-${m.Destination}`} data-testid={`mount-${m.Destination}`}>
            <Td>{m.Type ?? "—"}</Td>
            <Td className="break-all font-mono text-xs">{m.Name ? `${m.Name} (${m.Source})` : m.Source || "—"}</Td>
            <Td className="break-all font-mono text-xs">{m.Destination ?? "—"}</Td>
            <Td>{m.RW === false ? "read-only" : "read-write"}</Td>
          </Tr>
        ))}
      </TBody>
    </Table>
  );
}

function LabelsTable({ labels }: { labels: Record<string, string> | null | undefined }) {
  const rows = Object.entries(labels ?? {});
  return (
    <Table caption="Labels">
      <THead>
        <Tr>
          <Th>Key</Th>
          <Th>Value</Th>
        </Tr>
      </THead>
      <TBody>
        {rows.length === 0 && <EmptyRow colSpan={2}>No labels.</EmptyRow>}
        {rows.map(([k, v]) => (
          <Tr key={k} data-testid={`label-${k}`}>
            <Td className="break-all font-mono text-xs">{k}</Td>
            <Td className="break-all font-mono text-xs">{v}</Td>
          </Tr>
        ))}
      </TBody>
    </Table>
  );
}

function Limits({ c }: { c: ContainerInspect }) {
  const h = c.HostConfig ?? {};
  const cpus = h.NanoCpus ? h.NanoCpus / 1e9 : h.CpuQuota && h.CpuPeriod ? h.CpuQuota / h.CpuPeriod : 0;
  return (
    <dl className="grid grid-cols-2 gap-3 text-sm">
      <Item label="Memory" testId="limit-memory">{h.Memory ? formatBytes(h.Memory) : "no limit"}</Item>
      <Item label="Memory + swap">{h.MemorySwap && h.MemorySwap > 0 ? formatBytes(h.MemorySwap) : h.MemorySwap === -1 ? "unlimited swap" : "—"}</Item>
      <Item label="CPUs" testId="limit-cpus">{cpus ? String(Math.round(cpus * 100) / 100) : "no limit"}</Item>
      <Item label="CPU shares">{h.CpuShares || "default"}</Item>
      <Item label="Processes" testId="limit-pids">{h.PidsLimit && h.PidsLimit > 0 ? String(h.PidsLimit) : "no limit"}</Item>
      <Item label="Network mode">{h.NetworkMode || "—"}</Item>
    </dl>
  );
}
