// The lines a logs viewer holds: several containers' lines merged by the time the engine recorded them, at most
// `capacity` of them (the oldest dropped first, and counted), each with its text stripped of escape sequences for
// search and download.
import { stripAnsi } from "./ansi";

export type LogStream = "stdout" | "stderr";

export interface LogEntry {
  /** Order of arrival (unique); breaks ties between equal times. */
  seq: number;
  /** Which container (an index into the viewer's sources). */
  source: number;
  stream: LogStream;
  /** The engine's RFC 3339 time, as sent. */
  time: string | null;
  /** Milliseconds since the epoch with the sub-millisecond part (to about a quarter of a microsecond). */
  t: number;
  /** The line as written, escape sequences included. */
  raw: string;
  /** The line without escape sequences. */
  text: string;
}

/**
 * An RFC 3339 time ("2026-11-23T21:30:00.123456789Z", any offset) in milliseconds since the epoch, keeping the
 * fraction beyond milliseconds that Date.parse drops. Null when it is not such a time.
 */
export function parseEngineTime(time: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(time);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return null;
  const fraction = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return ms + fraction;
}

export interface IncomingLine {
  source: number;
  stream: LogStream;
  time: string | null;
  raw: string;
}

export class LogBuffer {
  private entries: LogEntry[] = [];
  private nextSeq = 0;
  /** Lines dropped because the buffer was full. */
  dropped = 0;
  /** Lines ever added. */
  received = 0;
  /** Changes with every add or clear (for views that cache what they derive from the lines). */
  version = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("the capacity must be a positive integer");
  }

  /** The lines, oldest first. Do not change the array: it is the buffer's own. */
  get lines(): readonly LogEntry[] {
    return this.entries;
  }

  /** Adds lines (each source's in its own order), merging them among the others by time; returns the new entries. */
  add(lines: IncomingLine[]): LogEntry[] {
    const added: LogEntry[] = [];
    for (const l of lines) {
      const parsed = l.time ? parseEngineTime(l.time) : null;
      const last = this.entries[this.entries.length - 1];
      // A line without a time sorts as if written when the previous line was.
      const t = parsed ?? (last ? last.t : 0);
      const e: LogEntry = { seq: this.nextSeq++, source: l.source, stream: l.stream, time: l.time, t, raw: l.raw, text: stripAnsi(l.raw) };
      added.push(e);
      if (!last || last.t <= t) this.entries.push(e);
      else this.entries.splice(this.upperBound(t), 0, e);
    }
    this.received += added.length;
    const excess = this.entries.length - this.capacity;
    if (excess > 0) {
      this.entries.splice(0, excess);
      this.dropped += excess;
    }
    if (added.length) this.version++;
    return added;
  }

  clear() {
    this.entries = [];
    this.dropped = 0;
    this.received = 0;
    this.version++;
  }

  /** The first index whose time is after t (so equal times keep their arrival order). */
  private upperBound(t: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid].t <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
