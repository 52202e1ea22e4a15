"use client";
// /logs — the live logs viewer: one or several containers' logs pushed from their hosts, merged by the engine's time.
// Follow or pause (paused, the view holds still while new lines are counted), search by text or regular expression
// with matches marked, timestamps on or off, stdout and stderr told apart and each shown or hidden, ANSI colours, tail
// 100/1000/all (reopening the streams), download of what is loaded, and containers added from the fleet's inventory.
// Or a workload's (`workload`: a Deployment, or pods by label selector): every replica's containers, each line labelled
// by pod (and container), following the pods that come and go.
import { useCallback, useMemo, useState } from "react";
import { Button, FormAlert, Select } from "@/components/ui";
import { MAX_SOURCES, parseSources, sourceColour, sourceKey, type LogSource } from "@/lib/logs/sources";
import { compileSearch } from "@/lib/logs/search";
import { logFileName, logFileText } from "@/lib/logs/download";
import type { LogEntry } from "@/lib/logs/log-buffer";
import { useLogStreams, MAX_LINES, type Tail } from "./use-log-streams";
import { useWorkloadSources, MAX_WORKLOAD_STREAMS, type WorkloadTarget } from "./use-workload-sources";
import type { HostRef } from "@/lib/workloads/pod-sources";
import { LogList } from "./log-list";
import { ContainerPicker, useInventory, type InventoryItem } from "./container-picker";

export interface HostName {
  id: number;
  name: string;
}

const TAILS: Array<{ value: Tail; label: string }> = [
  { value: 100, label: "Last 100 lines" },
  { value: 1000, label: "Last 1,000 lines" },
  { value: "all", label: "All lines" },
];

const fmt = (n: number) => n.toLocaleString("en-US");

/** A container's name for the viewer: the inventory's name if known, else what the address gave (ids shortened). */
function displayName(s: LogSource, inventory: InventoryItem[] | null): string {
  const found = inventory?.find((c) => c.hostId === s.hostId && (c.name === s.container || c.id === s.container || (s.container.length >= 6 && c.id.startsWith(s.container))));
  if (found) return found.name;
  return /^[0-9a-f]{13,}$/.test(s.container) ? s.container.slice(0, 12) : s.container;
}

const NO_HOSTS: HostRef[] = [];

export function LogsView({
  initialSources,
  hosts,
  notices,
  workload = null,
  hostRefs = NO_HOSTS,
}: {
  initialSources: LogSource[];
  hosts: HostName[];
  notices: string[];
  /** Follow a workload's pods instead of chosen containers. */
  workload?: WorkloadTarget | null;
  /** The hosts not revoked (a pod's Node name → its host), for a workload. */
  hostRefs?: HostRef[];
}) {
  const [chosen, setChosen] = useState(initialSources);
  const replicas = useWorkloadSources(workload, hostRefs);
  const sources = workload ? replicas.sources : chosen;
  const [tail, setTail] = useState<Tail>(100);
  const [query, setQuery] = useState("");
  const [regex, setRegex] = useState(false);
  const [showTime, setShowTime] = useState(true);
  const [showStdout, setShowStdout] = useState(true);
  const [showStderr, setShowStderr] = useState(true);
  // Paused: the lines as they were when pausing, and how many had been received by then.
  const [paused, setPaused] = useState<{ lines: LogEntry[]; received: number } | null>(null);
  const { buffer, version, states, slots, reopen } = useLogStreams(sources, tail, { incremental: !!workload });
  const inventory = useInventory();

  const hostName = useCallback((id: number) => hosts.find((h) => h.id === id)?.name ?? `host ${id}`, [hosts]);
  // One per stream opened (the lines' `source`); a workload's streams keep their slot when their pod goes.
  const rowSources = useMemo(() => slots.map((s, i) => ({ name: s.label ?? displayName(s.source, inventory.items), colour: sourceColour(i) })), [slots, inventory.items]);
  const slotOf = useMemo(() => new Map(slots.map((s, i) => [s.key, i])), [slots]);
  const chip = (s: LogSource) => {
    const i = slotOf.get(sourceKey(s));
    return i === undefined ? { name: (s as { label?: string }).label ?? displayName(s, inventory.items), colour: "#94a3b8" } : rowSources[i]!;
  };
  const search = useMemo(() => compileSearch(query, { regex }), [query, regex]);

  const base = paused ? paused.lines : buffer.lines;
  const shown = useMemo(() => {
    const filtering = (search.ok && !search.empty) || !showStdout || !showStderr;
    if (!filtering) return base;
    return base.filter((l) => (l.stream === "stdout" ? showStdout : showStderr) && (!search.ok || search.test(l.text)));
    // version: the buffer's lines change in place as lines arrive.
  }, [base, version, search, showStdout, showStderr]);

  const changeSources = (next: LogSource[]) => {
    setChosen(next);
    setPaused(null);
    const params = new URLSearchParams();
    for (const s of next) params.append("c", sourceKey(s));
    window.history.replaceState(null, "", next.length ? `/logs?${params}` : "/logs");
  };
  const addSource = useCallback(
    (key: string) => {
      const { sources: parsed } = parseSources([key]);
      if (parsed.length && !sources.some((s) => sourceKey(s) === key) && sources.length < MAX_SOURCES) changeSources([...sources, ...parsed]);
    },
    // changeSources only sets state and the address.
    [sources],
  );

  const pause = () => setPaused((p) => p ?? { lines: buffer.lines.slice(), received: buffer.received });
  const resume = () => setPaused(null);
  const download = () => {
    const names = rowSources.map((s) => s.name);
    const blob = new Blob([logFileText(buffer.lines, names)], { type: "text/plain;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = logFileName(names, new Date());
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const newLines = paused ? buffer.received - paused.received : 0;
  const dropped = buffer.dropped;
  const title = workload
    ? "deployment" in workload
      ? `Logs: Deployment ${workload.namespace}/${workload.deployment}`
      : `Logs: pods in ${workload.namespace} matching ${workload.selector}`
    : sources.length === 1
      ? `Logs: ${chip(sources[0]!).name} on ${hostName(sources[0]!.hostId)}`
      : "Logs";

  return (
    <section aria-labelledby="logs-title" className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 id="logs-title" className="text-xl font-semibold">
          {title}
        </h1>
        <p className="text-xs text-slate-500 dark:text-slate-400">Pushed live from each host; several containers are merged by the time the engine recorded each line.</p>
      </div>
      {notices.map((n) => (
        <FormAlert key={n} message={n} />
      ))}
      {workload && <FormAlert message={replicas.error} />}
      {workload && replicas.leftOut > 0 && (
        <FormAlert tone="info" message={`Only ${MAX_WORKLOAD_STREAMS} containers are followed at once: ${replicas.leftOut} more are left out.`} />
      )}
      {workload && (
        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="logs-workload">
          {replicas.pods.length === 1 ? "1 pod" : `${replicas.pods.length} pods`} {replicas.selector ? <>matching <span className="font-mono">{replicas.selector}</span></> : null}; pods
          that start or stop are followed as they come and go.
        </p>
      )}

      <div className="flex flex-wrap items-end gap-3">
        <ul aria-label="Containers shown" className="flex flex-wrap gap-2">
          {sources.map((s) => {
            const st = states[sourceKey(s)];
            const shown = chip(s);
            return (
              <li
                key={sourceKey(s)}
                data-testid="logs-source"
                data-container={shown.name}
                className="flex items-center gap-2 rounded-md border border-slate-200 px-2 py-1 text-sm dark:border-slate-800"
              >
                <span aria-hidden className="size-2.5 rounded-full" style={{ background: shown.colour }} />
                <span className="font-medium">{shown.name}</span>
                <span className="text-xs text-slate-500">on {hostName(s.hostId)}</span>
                <span
                  role="status"
                  data-testid="logs-source-status"
                  data-state={st?.state ?? "following"}
                  className={`text-xs ${st?.state === "failed" ? "text-red-600 dark:text-red-400" : st?.state === "ended" ? "text-amber-700 dark:text-amber-400" : "text-emerald-700 dark:text-emerald-400"}`}
                >
                  {st?.message ?? "Following"}
                </span>
                {!workload && <button
                  type="button"
                  aria-label={`Remove ${shown.name}`}
                  className="rounded px-1 text-slate-500 hover:bg-slate-100 hover:text-slate-900 dark:hover:bg-slate-800 dark:hover:text-slate-100"
                  onClick={() => changeSources(sources.filter((x) => sourceKey(x) !== sourceKey(s)))}
                >
                  ×
                </button>}
              </li>
            );
          })}
        </ul>
        {!workload && <ContainerPicker inventory={inventory} hostName={hostName} exclude={sources.map(sourceKey).join(",")} full={sources.length >= MAX_SOURCES} onAdd={addSource} />}
      </div>

      <div className="flex flex-wrap items-end gap-x-4 gap-y-2 text-sm" role="group" aria-label="Log view">
        <div className="w-72 space-y-1">
          <label htmlFor="logs-search" className="block text-sm font-medium">
            Search
          </label>
          <input
            id="logs-search"
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder={regex ? "a regular expression" : "text in a line"}
            aria-invalid={!search.ok || undefined}
            aria-describedby={!search.ok ? "logs-search-error" : undefined}
            className={`block w-full rounded-md border bg-white px-3 py-1.5 text-sm text-slate-900 focus:outline-none focus:ring-2 focus:ring-indigo-500 dark:bg-slate-900 dark:text-slate-100 ${search.ok ? "border-slate-300 dark:border-slate-700" : "border-red-500"}`}
          />
        </div>
        <Check id="logs-regex" label="Regular expression" checked={regex} onChange={setRegex} />
        <Check id="logs-timestamps" label="Timestamps" checked={showTime} onChange={setShowTime} />
        <Check id="logs-stdout" label="stdout" checked={showStdout} onChange={setShowStdout} />
        <Check id="logs-stderr" label="stderr" checked={showStderr} onChange={setShowStderr} />
        <div className="space-y-1">
          <label htmlFor="logs-tail" className="block text-sm font-medium">
            Tail
          </label>
          <Select id="logs-tail" className="py-1.5" value={String(tail)} onChange={(e) => {
              setPaused(null);
              setTail(e.target.value === "all" ? "all" : (Number(e.target.value) as Tail));
            }}>
            {TAILS.map((t) => (
              <option key={String(t.value)} value={String(t.value)}>
                {t.label}
              </option>
            ))}
          </Select>
        </div>
        <div className="ml-auto flex items-center gap-2">
          {sources.some((s) => (states[sourceKey(s)]?.state ?? "following") !== "following") && (
            <Button
              size="sm"
              variant="secondary"
              onClick={() => {
                setPaused(null);
                reopen();
              }}
            >
              Reopen
            </Button>
          )}
          {paused ? (
            <Button size="sm" onClick={resume}>
              Resume
            </Button>
          ) : (
            <Button size="sm" variant="secondary" onClick={pause}>
              Pause
            </Button>
          )}
          <Button size="sm" variant="secondary" onClick={download} disabled={buffer.lines.length === 0}>
            Download
          </Button>
        </div>
      </div>
      {!search.ok && (
        <div id="logs-search-error">
          <FormAlert message={search.error} />
        </div>
      )}

      <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-slate-600 dark:text-slate-400">
        <span data-testid="logs-count">
          {shown.length === base.length ? `${fmt(base.length)} lines` : `Showing ${fmt(shown.length)} of ${fmt(base.length)} lines`}
        </span>
        <span data-testid="logs-follow" data-state={paused ? "paused" : "following"}>
          {paused ? "Paused: the view holds still" : "Following the newest lines"}
        </span>
        {paused && (
          <span role="status" data-testid="logs-new-lines" className="font-medium text-indigo-700 dark:text-indigo-300">
            {newLines === 1 ? "1 new line" : `${fmt(newLines)} new lines`}
          </span>
        )}
        {dropped > 0 && (
          <span data-testid="logs-dropped" className="text-amber-700 dark:text-amber-400">
            Only the newest {fmt(MAX_LINES)} lines are kept: {fmt(dropped)} older {dropped === 1 ? "line was" : "lines were"} dropped.
          </span>
        )}
      </div>

      <LogList lines={shown} follow={!paused} sources={rowSources} showTime={showTime} search={search} onScrollUp={pause}>
        {sources.length === 0
          ? workload
            ? replicas.synced
              ? "No pod of the workload has a started container yet."
              : "Loading the workload's pods…"
            : "Choose a container to follow its log."
          : base.length === 0
            ? "No lines yet."
            : "No line matches."}
      </LogList>
    </section>
  );
}

function Check({ id, label, checked, onChange }: { id: string; label: string; checked: boolean; onChange(v: boolean): void }) {
  return (
    <label htmlFor={id} className="flex h-8 items-center gap-1.5">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} className="size-4 accent-indigo-600" />
      {label}
    </label>
  );
}
