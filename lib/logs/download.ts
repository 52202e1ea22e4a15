// What "Download" saves: the loaded lines as plain text, one per line — time, container (when several), stream, text.
import type { LogEntry } from "./log-buffer";

export function logFileText(lines: readonly LogEntry[], names: readonly string[]): string {
  const several = names.length > 1;
  let out = "";
  for (const l of lines) {
    out += `${l.time ?? "-"} ${several ? `${names[l.source] ?? "?"} ` : ""}${l.stream} ${l.text}\n`;
  }
  return out;
}

/** A file name for the download: the container's name (or "merged"), and the time, safe on every filesystem. */
export function logFileName(names: readonly string[], now: Date): string {
  const who = names.length === 1 ? names[0].replace(/[^A-Za-z0-9_.-]/g, "_") : "merged";
  return `${who}-${now.toISOString().replace(/[:.]/g, "-")}.log`;
}

/** An engine time shown in the viewer: "2026-11-23 21:30:00.123" (UTC, to the millisecond); other text as it is. */
export function shortTime(time: string | null): string {
  if (!time) return "";
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(time);
  if (!m) return time;
  if (m[4] !== "Z") {
    const ms = Date.parse(time);
    return Number.isNaN(ms) ? time : new Date(ms).toISOString().slice(0, 23).replace("T", " ");
  }
  return `${m[1]} ${m[2]}.${(m[3] ?? "").slice(0, 3).padEnd(3, "0")}`;
}
