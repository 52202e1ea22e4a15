"use client";
// Live CPU and memory of a running container: the host's stats stream (one Docker-format sample a second) over the
// page's shared socket, turned into the figures `docker stats` shows. Open only while the container runs.
import { useEffect, useState } from "react";
import { LineChart, appendPoint, type ChartPoint } from "@/components/charts/line-chart";
import { borrowBrowserSocket, openBrowserStream } from "@/components/fleet/browser-socket";
import { formatBytes } from "@/components/hosts/format";
import { formatCpuPercent } from "./format";
import { statsFigures, type StatsSample } from "@/lib/containers/stats-figures";

const WINDOW_SECONDS = 120;

interface Series {
  cpu: ChartPoint[];
  memory: ChartPoint[];
  cpuNow: number | null;
  memoryNow: number | null;
  limit: number | null;
}
const EMPTY: Series = { cpu: [], memory: [], cpuNow: null, memoryNow: null, limit: null };

export function ContainerStats({ hostId, containerId, running }: { hostId: number; containerId: string; running: boolean }) {
  const [s, setS] = useState<Series>(EMPTY);
  const [status, setStatus] = useState<string>(running ? "Connecting…" : "");

  useEffect(() => {
    if (!running) {
      setStatus("The container is not running: no new figures.");
      return;
    }
    setStatus("Connecting…");
    const { socket, release } = borrowBrowserSocket();
    const close = openBrowserStream(socket, hostId, { kind: "stats", id: containerId }, {
      onChunks(chunks) {
        for (const chunk of chunks) {
          if (chunk.stream !== "event") continue;
          let sample: StatsSample;
          try {
            sample = JSON.parse(chunk.data) as StatsSample;
          } catch {
            continue;
          }
          const f = statsFigures(sample);
          const t = Date.now();
          setS((p) => ({
            cpu: f.cpuPercent === null ? p.cpu : appendPoint(p.cpu, { t, v: f.cpuPercent }, WINDOW_SECONDS),
            memory: f.memoryBytes === null ? p.memory : appendPoint(p.memory, { t, v: f.memoryBytes }, WINDOW_SECONDS),
            cpuNow: f.cpuPercent ?? p.cpuNow,
            memoryNow: f.memoryBytes ?? p.memoryNow,
            limit: f.memoryLimitBytes ?? p.limit,
          }));
          setStatus("Live, one sample a second");
        }
      },
      onEnd({ error }) {
        setStatus(error ? `Figures stopped: ${error}` : "Figures stopped: the stream ended.");
      },
    });
    return () => {
      close();
      release();
    };
  }, [hostId, containerId, running]);

  return (
    <section aria-labelledby="container-usage-title" className="space-y-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="container-usage-title" className="text-lg font-semibold">
          Usage
        </h2>
        <p className="text-xs text-slate-500 dark:text-slate-400" data-testid="container-stats-state">
          {status}
        </p>
      </div>
      <dl className="grid grid-cols-2 gap-3 text-sm" aria-label="Latest usage">
        <div className="rounded-md border border-slate-200 p-3 dark:border-slate-800">
          <dt className="text-xs text-slate-500">CPU</dt>
          <dd className="tabular-nums text-lg" data-testid="container-cpu">
            {s.cpuNow === null ? "—" : `${s.cpuNow.toFixed(1)} %`}
          </dd>
        </div>
        <div className="rounded-md border border-slate-200 p-3 dark:border-slate-800">
          <dt className="text-xs text-slate-500">Memory</dt>
          <dd className="tabular-nums text-lg" data-testid="container-memory">
            {s.memoryNow === null ? "—" : `${formatBytes(s.memoryNow)}${s.limit ? ` of ${formatBytes(s.limit)}` : ""}`}
          </dd>
        </div>
      </dl>
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <LineChart title="CPU" series={[{ label: "CPU", color: "#6366f1", points: s.cpu }]} format={formatCpuPercent} windowSeconds={WINDOW_SECONDS} />
        <LineChart title="Memory" series={[{ label: "Memory", color: "#10b981", points: s.memory }]} format={(v) => formatBytes(v)} windowSeconds={WINDOW_SECONDS} />
      </div>
    </section>
  );
}
