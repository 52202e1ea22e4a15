"use client";
import type { LiveState } from "./use-host-events";

const TEXT: Record<LiveState, string> = { connecting: "Connecting…", live: "Live", offline: "Not live: reconnecting" };

/** Says whether the page is receiving live updates; announced politely when it changes. */
export function LiveIndicator({ state }: { state: LiveState }) {
  return (
    <span role="status" aria-live="polite" data-live={state} className="inline-flex items-center gap-1.5 text-xs text-slate-600 dark:text-slate-400">
      <span aria-hidden className={state === "live" ? "size-2 rounded-full bg-emerald-500" : "size-2 rounded-full bg-slate-400"} />
      {TEXT[state]}
    </span>
  );
}
