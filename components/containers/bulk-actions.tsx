"use client";
// Bulk actions on the containers selected in the fleet list: start, stop, restart, remove (stop, restart and remove
// ask first). Each container goes through the same REST routes as its own page — a few at a time — and the result
// says how many were done and why each of the others was refused.
import { useState } from "react";
import { Button, ConfirmDialog, FormAlert } from "@/components/ui";
import { ApiError, api } from "@/components/api/client";

export type BulkVerb = "start" | "stop" | "restart" | "remove";
export interface BulkTarget {
  hostId: number;
  id: string;
  name: string;
}

const PAST: Record<BulkVerb, string> = { start: "Started", stop: "Stopped", restart: "Restarted", remove: "Removed" };

/** "Stopped 2 of 3 containers; web-2: the host is offline" — what a bulk action did, in words. */
export function bulkSummary(verb: BulkVerb, outcomes: Array<{ name: string; error: string | null }>): string {
  const done = outcomes.filter((o) => o.error === null).length;
  const failed = outcomes.filter((o) => o.error !== null);
  const head = `${PAST[verb]} ${done} of ${outcomes.length} container${outcomes.length === 1 ? "" : "s"}`;
  return failed.length ? `${head}; ${failed.map((o) => `${o.name}: ${o.error}`).join("; ")}` : head;
}

async function runOne(verb: BulkVerb, t: BulkTarget): Promise<string | null> {
  const base = `/api/v1/hosts/${t.hostId}/containers/${encodeURIComponent(t.id)}`;
  try {
    if (verb === "remove") await api.delete(`${base}?force=true`);
    else await api.post(`${base}/actions`, { action: verb });
    return null;
  } catch (e) {
    if (e instanceof ApiError) return e.message;
    throw e;
  }
}

/** Runs `verb` on every target, at most `parallel` at once; resolves with each one's error (null when done). */
export async function runBulk(verb: BulkVerb, targets: BulkTarget[], parallel = 4): Promise<Array<{ name: string; error: string | null }>> {
  const out: Array<{ name: string; error: string | null }> = new Array(targets.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, targets.length) }, async () => {
      while (next < targets.length) {
        const i = next++;
        out[i] = { name: targets[i]!.name, error: await runOne(verb, targets[i]!) };
      }
    }),
  );
  return out;
}

export function BulkActions({ selected, onDone }: { selected: BulkTarget[]; onDone: (summary: string, failed: boolean) => void }) {
  const [busy, setBusy] = useState<BulkVerb | null>(null);
  const [confirming, setConfirming] = useState<BulkVerb | null>(null);
  const [error, setError] = useState<string | null>(null);
  const n = selected.length;

  async function go(verb: BulkVerb) {
    setBusy(verb);
    setError(null);
    const outcomes = await runBulk(verb, selected);
    setBusy(null);
    setConfirming(null);
    onDone(bulkSummary(verb, outcomes), outcomes.some((o) => o.error !== null));
  }

  const what = `${n} container${n === 1 ? "" : "s"}`;
  return (
    <div role="toolbar" aria-label="Selected containers" className="flex flex-wrap items-center gap-2 rounded-md border border-indigo-200 bg-indigo-50 px-3 py-2 text-sm dark:border-indigo-900 dark:bg-indigo-950">
      <span data-testid="containers-selected">{what} selected</span>
      <Button size="sm" variant="secondary" loading={busy === "start"} onClick={() => void go("start")}>
        Start
      </Button>
      <Button size="sm" variant="secondary" onClick={() => setConfirming("stop")}>
        Stop
      </Button>
      <Button size="sm" variant="secondary" onClick={() => setConfirming("restart")}>
        Restart
      </Button>
      <Button size="sm" variant="danger" onClick={() => setConfirming("remove")}>
        Remove
      </Button>
      <FormAlert message={error} />
      {confirming && (
        <ConfirmDialog
          open
          title={`${confirming[0]!.toUpperCase()}${confirming.slice(1)} ${what}?`}
          description={
            confirming === "remove"
              ? `Remove ${selected.map((s) => s.name).join(", ")}? Running ones are stopped first; their anonymous volumes stay.`
              : `${confirming === "stop" ? "Stop" : "Restart"} ${selected.map((s) => s.name).join(", ")}?`
          }
          confirm={`${confirming[0]!.toUpperCase()}${confirming.slice(1)} ${what}`}
          danger={confirming !== "restart"}
          busy={busy === confirming}
          onConfirm={() => void go(confirming)}
          onClose={() => setConfirming(null)}
        />
      )}
    </div>
  );
}
