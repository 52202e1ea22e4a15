"use client";
// What runs on the host and what happened on it: its containers counted by state (linking to the fleet list filtered to
// this host) and its recent events from GET /api/v1/hosts/{id}/events — container lifecycle for everyone, and the
// activity record (who ran, stopped, removed, exec'd) for those who may read it. Refreshed while the page is visible.
import { api, ApiError } from "@/components/api/client";
import Link from "next/link";
import { containerHref } from "@/lib/containers/container-href";
import { useRef, useState } from "react";
import type { HostEventView, HostEventsView } from "@/lib/hosts/host-events-schemas";
import { Badge, type BadgeTone } from "@/components/ui";
import { formatAgo, formatTime } from "./format";
import { useNow } from "./use-now";
import { useVisibleInterval } from "./use-visible-interval";
import { useContainerChanges } from "./use-container-changes";

/** Re-read this often; less often while container changes are pushed (activity records are not). */
const EVERY_MS = 4_000;
const EVERY_MS_PUSHED = 15_000;
const LIMIT = 30;
const STATE_ORDER = ["running", "paused", "restarting", "created", "exited", "dead", "removing"];

const EVENT_TONE: Record<string, BadgeTone> = { created: "info", started: "success", exited: "neutral" };
/** Activity records by the policy action they needed, as a short label. */
const ACTION_LABEL: Record<string, string> = {
  "containers.exec": "terminal",
  "containers.manage": "container",
  "images.manage": "image",
  "hosts.update": "host",
  "hosts.revoke": "host",
};

export function HostEvents({ hostId, renderedAt }: { hostId: number; renderedAt: number }) {
  const [view, setView] = useState<HostEventsView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(renderedAt);
  // Declared before the schedule it slows down; `refresh` is bound once the schedule exists.
  const refresh = useRef<() => void>(() => {});
  const pushed = useContainerChanges((changed) => {
    if (changed === hostId) refresh.current();
  });

  refresh.current = useVisibleInterval(
    async (signal) => {
      let body: HostEventsView;
      try {
        body = await api.get<HostEventsView>(`/api/v1/hosts/${hostId}/events?limit=${LIMIT}`, { signal, cache: "no-store" });
      } catch (e) {
        if (!signal.aborted) setError((e as ApiError).message);
        return;
      }
      if (signal.aborted) return;
      setError(null);
      setView(body);
    },
    pushed ? EVERY_MS_PUSHED : EVERY_MS,
    true,
  );

  const states = view ? Object.entries(view.containers.byState).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)) : [];
  return (
    <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
      <section aria-labelledby="host-containers-title" className="space-y-2">
        <h2 id="host-containers-title" className="text-lg font-semibold">
          Containers
        </h2>
        {view ? (
          <>
            <p className="text-sm" data-testid="host-containers-total">
              {view.containers.total === 1 ? "1 container" : `${view.containers.total} containers`}
            </p>
            {states.length > 0 && (
              <ul className="space-y-1 text-sm" aria-label="Containers by state">
                {states.map(([state, n]) => (
                  <li key={state} data-testid={`host-containers-${state}`} data-count={n}>
                    <Link href={`/containers?host=${hostId}&state=${encodeURIComponent(state)}`} className="hover:underline">
                      {n} {state}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </>
        ) : (
          !error && <p className="text-sm text-slate-500">Loading…</p>
        )}
        <div className="flex flex-wrap gap-x-4 pt-1 text-sm">
          <Link href={`/containers?host=${hostId}`} className="text-indigo-700 hover:underline dark:text-indigo-400">
            View containers
          </Link>
          <Link href={`/images?host=${hostId}`} className="text-indigo-700 hover:underline dark:text-indigo-400">
            Images
          </Link>
        </div>
      </section>

      <section aria-labelledby="host-events-title" className="space-y-2 lg:col-span-2" data-pushed={pushed}>
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="host-events-title" className="text-lg font-semibold">
            Recent events
          </h2>
          {view && (
            <p className="text-xs text-slate-500 dark:text-slate-400">
              {view.activityIncluded ? "Container changes and the activity record" : "Container changes (the activity record is for admins)"}
              {pushed ? " · live" : ` · every ${EVERY_MS / 1000} s`}
            </p>
          )}
        </div>
        {error && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            Events unavailable: {error}
          </p>
        )}
        {view && view.events.length === 0 && <p className="text-sm text-slate-500">Nothing has happened on this host yet.</p>}
        {view && view.events.length > 0 && (
          <ol aria-labelledby="host-events-title" className="divide-y divide-slate-200 rounded-lg border border-slate-200 text-sm dark:divide-slate-800 dark:border-slate-800">
            {view.events.map((e, i) => (
              <EventRow key={`${e.source}-${e.at}-${e.event}-${e.containerId ?? e.target}-${i}`} e={e} now={now} hostId={hostId} />
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}

function EventRow({ e, now, hostId }: { e: HostEventView; now: number; hostId: number }) {
  const label = e.source === "activity" ? (ACTION_LABEL[e.event] ?? e.event) : e.event;
  return (
    <li className="flex flex-wrap items-baseline gap-x-3 gap-y-1 px-3 py-2" data-testid="host-event" data-source={e.source} data-event={e.event} data-container={e.containerName ?? e.containerId ?? ""}>
      <time dateTime={e.at} title={formatTime(e.at)} className="w-24 shrink-0 tabular-nums text-slate-500 dark:text-slate-400">
        {formatAgo(e.at, now)}
      </time>
      <Badge tone={e.source === "activity" ? (e.outcome === "ok" ? "warning" : "danger") : (EVENT_TONE[e.event] ?? "neutral")}>{label}</Badge>
      <span className="min-w-0 flex-1 break-words">
        {e.source === "inventory" && e.containerId && containerHref(hostId, e.containerId) ? (
          <>
            <Link href={containerHref(hostId, e.containerId)!} className="font-medium hover:underline">
              {e.containerName}
            </Link>{" "}
            {e.text.slice((e.containerName ?? "").length).trim()}
          </>
        ) : (
          e.text
        )}
      </span>
    </li>
  );
}

function rank(state: string): number {
  const i = STATE_ORDER.indexOf(state);
  return i < 0 ? STATE_ORDER.length : i;
}
