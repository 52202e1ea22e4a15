// One log line as shown: time, container name in its colour (when several are merged), stream marker, and the text with
// its ANSI colours and the search's matches marked. Text only: nothing from a log ever becomes markup.
import { memo, type CSSProperties } from "react";
import { parseAnsi, type AnsiStyle } from "@/lib/logs/ansi";
import type { LogEntry } from "@/lib/logs/log-buffer";
import { markSegments } from "@/lib/logs/search";
import { shortTime } from "@/lib/logs/download";

export const ROW_HEIGHT = 20;

function css(s: AnsiStyle): CSSProperties | undefined {
  if (!s.fg && !s.bg && !s.bold && !s.dim && !s.italic && !s.underline) return undefined;
  return {
    color: s.fg,
    backgroundColor: s.bg,
    fontWeight: s.bold ? 700 : undefined,
    opacity: s.dim ? 0.6 : undefined,
    fontStyle: s.italic ? "italic" : undefined,
    textDecoration: s.underline ? "underline" : undefined,
  };
}

export interface RowSource {
  name: string;
  colour: string;
}

export const LogRow = memo(function LogRow({
  line,
  top,
  source,
  showSource,
  showTime,
  ranges,
}: {
  line: LogEntry;
  top: number;
  source: RowSource;
  showSource: boolean;
  showTime: boolean;
  ranges: Array<[number, number]>;
}) {
  const segments = markSegments(parseAnsi(line.raw), ranges);
  const err = line.stream === "stderr";
  return (
    <div
      data-testid="log-line"
      data-stream={line.stream}
      data-container={source.name}
      data-time={line.time ?? ""}
      className={`absolute left-0 flex min-w-full whitespace-pre border-l-2 pl-2 pr-4 ${err ? "border-red-500 bg-red-950/40" : "border-transparent"}`}
      style={{ top, height: ROW_HEIGHT, lineHeight: `${ROW_HEIGHT}px` }}
    >
      {showTime && <span className="mr-3 shrink-0 text-slate-500" data-testid="log-time">{shortTime(line.time)}</span>}
      {showSource && (
        <span className="mr-3 shrink-0 font-semibold" style={{ color: source.colour }} data-testid="log-container">
          {source.name}
        </span>
      )}
      <span className={`mr-3 shrink-0 ${err ? "font-semibold text-red-400" : "text-slate-500"}`} data-testid="log-stream" title={line.stream}>
        {err ? "err" : "out"}
      </span>
      <span data-testid="log-text">
        {segments.map((s, i) =>
          s.mark ? (
            <mark key={i} className="rounded-sm bg-yellow-300 text-black" style={css({ ...s.style, fg: undefined, bg: undefined })}>
              {s.text}
            </mark>
          ) : (
            <span key={i} style={css(s.style)}>
              {s.text}
            </span>
          ),
        )}
      </span>
    </div>
  );
});
