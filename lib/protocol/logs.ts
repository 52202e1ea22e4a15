// A container's log as records, the same type from the CRI file to the browser and the CLI: {stream, time, line,
// partial}. The agent sends each record of the file as one chunk of a "logs" stream with its framing — `data` the
// line without its newline, `partial` whether the line goes on in the stream's next record (the monitor splits lines
// longer than 16 KiB, and a line still being written ends in one). Agents before this framing sent `data` with the
// newline put back and no `partial`: recordsOfChunk reads both. Where lines are shown (the REST route, the browser's
// viewer, `gantry logs`, kubectl's logs) a LineJoiner joins a stream's partial records into its whole line, which
// carries the time of its first record. Pure code: agent, server and browser import it.
import { z } from "zod";
import type { StreamChunk } from "./commands";

export const LogStream = z.enum(["stdout", "stderr"]);
export type LogStream = z.infer<typeof LogStream>;

export const LogRecord = z
  .object({
    stream: LogStream,
    /** The engine's RFC 3339 time (nanoseconds) of the record — of a joined line, its first record's. */
    time: z.string().max(64).nullable(),
    /** The text without its newline (a terminal's \r before it dropped). */
    line: z.string(),
    /** The line goes on in the stream's next record; at the end of a log, the line was never finished. */
    partial: z.boolean(),
  })
  .strict();
export type LogRecord = z.infer<typeof LogRecord>;

/** A record as a logs stream's chunk (the agent's side). */
export function logChunk(r: LogRecord): StreamChunk {
  return { stream: r.stream, data: r.line, ...(r.time ? { time: r.time } : {}), partial: r.partial };
}

/**
 * The records of one chunk of a logs stream. A framed chunk (`partial` set) is one record; an old agent's chunk is
 * split on its newlines — every piece that ended in one is a whole record, what follows the last is a partial one.
 */
export function recordsOfChunk(c: StreamChunk): LogRecord[] {
  if (c.stream === "event") return [];
  const stream = c.stream;
  const time = c.time ?? null;
  if (c.partial !== undefined) return [{ stream, time, line: c.data, partial: c.partial }];
  const parts = c.data.split("\n");
  const rest = parts.pop()!;
  const out: LogRecord[] = parts.map((line) => ({ stream, time, line: line.replace(/\r$/, ""), partial: false }));
  if (rest) out.push({ stream, time, line: rest, partial: true });
  return out;
}

/** Joins each stream's partial records into whole lines (the two streams apart: their pieces may interleave). */
export class LineJoiner {
  private readonly open: Record<LogStream, { pieces: string[]; time: string | null } | null> = { stdout: null, stderr: null };

  /** The lines `r` completes (none while its line goes on). */
  push(r: LogRecord): LogRecord[] {
    const o = this.open[r.stream];
    if (r.partial) {
      if (o) o.pieces.push(r.line);
      else this.open[r.stream] = { pieces: [r.line], time: r.time };
      return [];
    }
    if (!o) return [r];
    this.open[r.stream] = null;
    o.pieces.push(r.line);
    return [{ stream: r.stream, time: o.time, line: o.pieces.join(""), partial: false }];
  }

  /** The lines a chunk completes. */
  chunk(c: StreamChunk): LogRecord[] {
    const out: LogRecord[] = [];
    for (const r of recordsOfChunk(c)) out.push(...this.push(r));
    return out;
  }

  /** At the end of the log: each stream's unfinished line, whole so far and still `partial` (it had no newline). */
  flush(): LogRecord[] {
    const out: LogRecord[] = [];
    for (const stream of ["stdout", "stderr"] as const) {
      const o = this.open[stream];
      if (o) out.push({ stream, time: o.time, line: o.pieces.join(""), partial: true });
      this.open[stream] = null;
    }
    return out;
  }
}

/** The text of a whole line as the container wrote it: the newline back unless it never had one. */
export const lineText = (r: LogRecord) => (r.partial ? r.line : r.line + "\n");
