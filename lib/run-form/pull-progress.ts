// Docker-style pull progress events ({id, status, progressDetail:{current,total}}) folded into one bar per layer.
// A layer's bar runs 0–50 % while it downloads and 50–100 % while it extracts; "Pull complete" and "Already exists"
// are 100 %. Events without an id are messages about the whole pull (the last one is kept for display).

export interface LayerProgress {
  id: string;
  status: string;
  /** 0–100, never going backwards. */
  percent: number;
  complete: boolean;
}

export interface PullProgress {
  layers: LayerProgress[];
  message: string | null;
  /** Set by the final {status:"done"} event. */
  done: boolean;
}

export const emptyPullProgress = (): PullProgress => ({ layers: [], message: null, done: false });

interface PullEvent {
  id?: unknown;
  status?: unknown;
  progressDetail?: { current?: unknown; total?: unknown };
}

const fraction = (d: PullEvent["progressDetail"]) => {
  const current = Number(d?.current);
  const total = Number(d?.total);
  return total > 0 && current >= 0 ? Math.min(1, current / total) : 0;
};

function percentFor(status: string, e: PullEvent, before: number): number {
  if (status === "Pull complete" || status === "Already exists") return 100;
  if (status === "Downloading") return Math.max(before, Math.round(50 * fraction(e.progressDetail)));
  if (status === "Verifying Checksum" || status === "Download complete") return Math.max(before, 50);
  if (status === "Extracting") return Math.max(before, 50 + Math.round(50 * fraction(e.progressDetail)));
  return before;
}

export function applyPullEvent(state: PullProgress, event: unknown): PullProgress {
  if (!event || typeof event !== "object") return state;
  const e = event as PullEvent;
  const status = typeof e.status === "string" ? e.status : "";
  if (status === "done") return { ...state, done: true };
  // A per-layer event: the pull's first line carries the tag as its id ("Pulling from …"), which is not a layer.
  if (typeof e.id === "string" && e.id && !status.startsWith("Pulling from")) {
    const i = state.layers.findIndex((l) => l.id === e.id);
    const before = i >= 0 ? state.layers[i]! : { id: e.id, status: "", percent: 0, complete: false };
    const percent = percentFor(status, e, before.percent);
    const next: LayerProgress = { id: e.id, status: status || before.status, percent, complete: percent >= 100 };
    const layers = i >= 0 ? state.layers.map((l, j) => (j === i ? next : l)) : [...state.layers, next];
    return { ...state, layers };
  }
  const message = typeof (e as { message?: unknown }).message === "string" ? (e as { message: string }).message : status;
  return message ? { ...state, message } : state;
}
