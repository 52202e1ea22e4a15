"use client";
// A small time-series chart in plain SVG: the last `windowSeconds` of one or more series, a y-axis from 0 to `yMax` (or
// the data's maximum), and the latest value of each series written out, so the figure is readable without the picture.
import { useId } from "react";

export interface ChartPoint {
  /** Milliseconds since the epoch. */
  t: number;
  v: number;
}
export interface ChartSeries {
  label: string;
  /** A CSS colour. */
  color: string;
  points: ChartPoint[];
}

const W = 480;
const H = 140;
const PAD = { left: 48, right: 8, top: 8, bottom: 18 };

export function LineChart({
  title,
  series,
  format,
  yMax,
  windowSeconds = 120,
  now = Date.now(),
}: {
  title: string;
  series: ChartSeries[];
  format: (v: number) => string;
  yMax?: number;
  windowSeconds?: number;
  now?: number;
}) {
  const titleId = useId();
  const from = now - windowSeconds * 1000;
  const maxSeen = Math.max(0, ...series.flatMap((s) => s.points.filter((p) => p.t >= from).map((p) => p.v)));
  const top = yMax ?? niceCeiling(maxSeen);
  const x = (t: number) => PAD.left + ((t - from) / (windowSeconds * 1000)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - Math.min(v, top) / (top || 1)) * (H - PAD.top - PAD.bottom);
  const latest = series.map((s) => ({ s, p: s.points.at(-1) }));
  const ticks = axisTicks(top, format);

  return (
    <figure className="rounded-lg border border-slate-200 p-3 dark:border-slate-800">
      <figcaption id={titleId} className="mb-1 flex flex-wrap items-baseline gap-x-4 text-sm">
        <span className="font-medium">{title}</span>
        {latest.map(({ s, p }) => (
          <span key={s.label} className="tabular-nums text-slate-600 dark:text-slate-400" data-series={s.label}>
            <span aria-hidden className="mr-1 inline-block h-2 w-2 rounded-full" style={{ background: s.color }} />
            {s.label}: {p ? format(p.v) : "—"}
          </span>
        ))}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} className="h-36 w-full" role="img" aria-labelledby={titleId}>
        {ticks.map(({ value, label }) => (
          <g key={value}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(value)} y2={y(value)} stroke="currentColor" strokeOpacity={0.12} />
            {label !== null && (
              <text x={PAD.left - 4} y={y(value) + 4} textAnchor="end" fontSize={10} fill="currentColor" fillOpacity={0.6} data-axis-label>
                {label}
              </text>
            )}
          </g>
        ))}
        <text x={PAD.left} y={H - 4} fontSize={10} fill="currentColor" fillOpacity={0.6}>
          −{windowSeconds}s
        </text>
        <text x={W - PAD.right} y={H - 4} textAnchor="end" fontSize={10} fill="currentColor" fillOpacity={0.6}>
          now
        </text>
        {series.map((s) => {
          const pts = s.points.filter((p) => p.t >= from);
          if (pts.length === 0) return null;
          const d = pts.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join("");
          return <path key={s.label} d={d} fill="none" stroke={s.color} strokeWidth={1.5} />;
        })}
      </svg>
    </figure>
  );
}

/**
 * The y-axis lines (0, half, top) and their labels as `format` writes them. A label that would repeat another (a
 * half of 0.1 % written "0.1 %" like the top) is left off: the axis never reads "0.1 % / 0.1 %".
 */
export function axisTicks(top: number, format: (v: number) => string): { value: number; label: string | null }[] {
  const zero = format(0);
  const half = format(top / 2);
  const full = format(top);
  return [
    { value: 0, label: zero },
    { value: top / 2, label: half === zero || half === full ? null : half },
    { value: top, label: full === zero ? null : full },
  ];
}

/** 1, 2 or 5 times a power of ten at or above v (and above 0). */
export function niceCeiling(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Keeps a series to its window: appends a point and drops those older than `windowSeconds`. */
export function appendPoint(points: ChartPoint[], p: ChartPoint, windowSeconds = 120): ChartPoint[] {
  const from = p.t - windowSeconds * 1000 - 5000;
  const kept = points.length && points[0].t < from ? points.filter((q) => q.t >= from) : points;
  return [...kept, p];
}
