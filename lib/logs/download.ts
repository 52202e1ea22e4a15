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
