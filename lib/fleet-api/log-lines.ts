// Log chunks as lines: {stream, time, line}, split on newlines per stream (a line split across chunks is joined; the
// last partial line is flushed at the end).
import type { StreamChunk } from "@/lib/fleet";

export interface LogLine {
  stream: "stdout" | "stderr";
  time: string | null;
  line: string;
}

export function logLineSplitter() {
  const partial: Record<"stdout" | "stderr", { text: string; time: string | null }> = { stdout: { text: "", time: null }, stderr: { text: "", time: null } };
  return {
    lines(c: StreamChunk): LogLine[] {
      if (c.stream === "event") return [];
      const p = partial[c.stream];
      const parts = (p.text + c.data).split("\n");
      const time = p.text ? p.time : (c.time ?? null);
      p.text = parts.pop()!;
      p.time = p.text ? (c.time ?? null) : null;
      return parts.map((line, i) => ({ stream: c.stream as "stdout" | "stderr", time: i === 0 ? time : (c.time ?? null), line: line.replace(/\r$/, "") }));
    },
    flush(): LogLine[] {
      const out: LogLine[] = [];
      for (const stream of ["stdout", "stderr"] as const) {
        if (partial[stream].text) out.push({ stream, time: partial[stream].time, line: partial[stream].text });
        partial[stream].text = "";
      }
      return out;
    },
  };
}
