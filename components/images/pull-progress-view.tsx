"use client";
// One labelled progress bar per layer of a pull, the pull's latest message, and its error if it failed.
import type { ImagePull } from "./use-image-pull";

export function PullProgressView({ pull }: { pull: ImagePull }) {
  if (!pull.ref) return null;
  const { layers, message, done } = pull.progress;
  const state = pull.running ? "running" : pull.error ? "failed" : done ? "done" : "ended";
  return (
    <section aria-label={`Pull progress for ${pull.ref}`} data-testid="pull-progress" data-state={state} className="space-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm dark:border-slate-800 dark:bg-slate-950">
      <p className="font-medium">
        {pull.running ? `Pulling ${pull.ref}…` : pull.error ? `Pulling ${pull.ref} failed` : `Pulled ${pull.ref}`}
      </p>
      <ul className="space-y-1">
        {layers.map((l) => (
          <li key={l.id} data-testid={`layer-${l.id}`} data-complete={l.complete ? "true" : "false"} className="grid grid-cols-[8rem_1fr_10rem] items-center gap-3">
            <code className="truncate">{l.id}</code>
            <progress aria-label={`Layer ${l.id}`} max={100} value={l.percent} className="h-2 w-full" />
            <span className="text-xs text-slate-600 dark:text-slate-400">
              {l.status} {l.complete ? "" : `${l.percent}%`}
            </span>
          </li>
        ))}
      </ul>
      {message && <p className="text-xs text-slate-600 dark:text-slate-400" data-testid="pull-message">{message}</p>}
      {pull.error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {pull.error}
        </p>
      )}
    </section>
  );
}
