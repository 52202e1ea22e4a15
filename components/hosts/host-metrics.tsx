"use client";
// The host's CPU, memory and disk over the last minutes: GET /api/v1/hosts/{id}/metrics asked every few seconds while
// the page is visible and the host online (the agent measures on request; nothing runs on the host when nobody looks).
import { api, ApiError } from "@/components/api/client";
import { useState } from "react";
import { LineChart, appendPoint, type ChartPoint } from "@/components/charts/line-chart";
import type { HostMetrics as Metrics } from "@/lib/protocol/commands";
import { formatBytes } from "./format";
import { useVisibleInterval } from "./use-visible-interval";

const EVERY_MS = 3_000;
const WINDOW_SECONDS = 120;

interface Series {
  cpu: ChartPoint[];
  memory: ChartPoint[];
  disk: ChartPoint[];
  latest: Metrics | null;
}

export function HostMetrics({ hostId, online }: { hostId: number; online: boolean }) {
  const [s, setS] = useState<Series>({ cpu: [], memory: [], disk: [], latest: null });
  const [error, setError] = useState<string | null>(null);

  useVisibleInterval(
    async (signal) => {
      let m: Metrics;
      try {
        m = await api.get<Metrics>(`/api/v1/hosts/${hostId}/metrics`, { signal, cache: "no-store" });
      } catch (e) {
        if (!signal.aborted) setError((e as ApiError).message);
        return;
      }
      if (signal.aborted) return;
      // Plotted at arrival: the host's own clock may differ from this browser's.
      const t = Date.now();
      setError(null);
      setS((p) => ({
        cpu: appendPoint(p.cpu, { t, v: m.cpuPercent }, WINDOW_SECONDS),
        memory: appendPoint(p.memory, { t, v: m.memory.usedBytes }, WINDOW_SECONDS),
        disk: appendPoint(p.disk, { t, v: m.disk.usedBytes }, WINDOW_SECONDS),
        latest: m,
      }));
    },
    EVERY_MS,
    online,
  );

  const m = s.latest;
  const bytes = (v: number) => formatBytes(v);
  return (
    <section aria-labelledby="host-metrics-title" className="space-y-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="host-metrics-title" className="text-lg font-semibold">
          Usage
        </h2>
        <p className="text-xs text-slate-500 dark:text-slate-400" data-testid="host-metrics-state">
          {!online ? "The host is not online: no new figures." : error ? `Figures unavailable: ${error}` : `Every ${EVERY_MS / 1000} s while this page is visible`}
        </p>
      </div>
      {m && (
        <dl className="grid grid-cols-1 gap-3 text-sm sm:grid-cols-4" aria-label="Latest figures">
          <Figure label="CPU" testId="host-cpu" value={`${m.cpuPercent.toFixed(1)} %`} />
          <Figure label="Load (1, 5, 15 min)" testId="host-load" value={m.load.map((l) => l.toFixed(2)).join(", ")} />
          <Figure label="Memory" testId="host-memory" value={`${formatBytes(m.memory.usedBytes)} of ${formatBytes(m.memory.totalBytes)}`} />
          <Figure label="Disk" testId="host-disk" value={`${formatBytes(m.disk.usedBytes)} of ${formatBytes(m.disk.totalBytes)}`} />
        </dl>
      )}
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
        <LineChart title="CPU" series={[{ label: "CPU", color: "#6366f1", points: s.cpu }]} format={(v) => `${Math.round(v)} %`} yMax={100} windowSeconds={WINDOW_SECONDS} />
        <LineChart title="Memory" series={[{ label: "Used memory", color: "#10b981", points: s.memory }]} format={bytes} yMax={m?.memory.totalBytes || undefined} windowSeconds={WINDOW_SECONDS} />
        <LineChart title="Disk" series={[{ label: "Used disk", color: "#f59e0b", points: s.disk }]} format={bytes} yMax={m?.disk.totalBytes || undefined} windowSeconds={WINDOW_SECONDS} />
      </div>
    </section>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="rounded-lg border border-slate-200 p-3 dark:border-slate-800">
      <dt className="text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="font-medium tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}
