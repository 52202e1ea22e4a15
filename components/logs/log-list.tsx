"use client";
// The lines, virtualized: a scroller as tall as every line would be, and only the rows in view (plus a few) drawn, so
// ten thousand lines cost what forty do. Following keeps the view at the end; scrolling up with the wheel asks to pause.
import { useLayoutEffect, useRef, useState } from "react";
import type { LogEntry } from "@/lib/logs/log-buffer";
import type { Search } from "@/lib/logs/search";
import { LogRow, ROW_HEIGHT, type RowSource } from "./log-row";

const OVERSCAN = 10;

export function LogList({
  lines,
  follow,
  sources,
  showTime,
  search,
  onScrollUp,
  children,
}: {
  lines: readonly LogEntry[];
  /** Keep the newest line in view. */
  follow: boolean;
  sources: RowSource[];
  showTime: boolean;
  search: Search;
  onScrollUp(): void;
  /** Shown over the list when it is empty. */
  children?: React.ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(480);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const total = lines.length * ROW_HEIGHT;
  const maxTop = Math.max(0, total - height);
  // Following: the view is the end, whatever the last scroll event said.
  const top = follow ? maxTop : Math.min(scrollTop, maxTop);

  useLayoutEffect(() => {
    const el = ref.current;
    if (el && follow && Math.abs(el.scrollTop - maxTop) > 1) el.scrollTop = maxTop;
  });
  // Following, scroll events are the list's own and not kept (a second render per frame for nothing); on pausing, the
  // view starts where it stands.
  useLayoutEffect(() => {
    if (!follow && ref.current) setScrollTop(ref.current.scrollTop);
  }, [follow]);

  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(lines.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
  const showSource = sources.length > 1;
  const rows = [];
  for (let i = first; i < last; i++) {
    const line = lines[i];
    rows.push(
      <LogRow
        key={line.seq}
        line={line}
        top={i * ROW_HEIGHT}
        source={sources[line.source] ?? { name: "?", colour: "#94a3b8" }}
        showSource={showSource}
        showTime={showTime}
        ranges={search.ok && !search.empty ? search.ranges(line.text) : NO_RANGES}
      />,
    );
  }

  return (
    <div
      ref={ref}
      role="log"
      aria-label="Log lines"
      aria-live="off"
      tabIndex={0}
      data-testid="log-lines"
      // Its size is its own: what changes inside is laid out and painted without touching the page around it.
      style={{ contain: "strict" }}
      className="relative h-[60vh] min-h-64 overflow-auto rounded-md border border-slate-800 bg-slate-950 font-mono text-xs text-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      onScroll={(e) => {
        if (!follow) setScrollTop(e.currentTarget.scrollTop);
      }}
      onWheel={(e) => {
        if (e.deltaY < 0 && follow) onScrollUp();
      }}
      onKeyDown={(e) => {
        if (follow && (e.key === "ArrowUp" || e.key === "PageUp" || e.key === "Home")) onScrollUp();
      }}
    >
      <div style={{ height: total }} aria-hidden={lines.length === 0 || undefined} />
      {rows}
      {lines.length === 0 && <div className="absolute inset-0 flex items-center justify-center p-4 text-sm text-slate-400">{children}</div>}
    </div>
  );
}

const NO_RANGES: Array<[number, number]> = [];
