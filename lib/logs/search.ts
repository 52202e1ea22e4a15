// The logs viewer's search: a case-insensitive substring, or a regular expression (also case-insensitive) that is
// checked before use so a bad one is refused with the reason instead of matching nothing.
import type { AnsiSegment } from "./ansi";

export type Search =
  | { ok: true; empty: boolean; test(text: string): boolean; ranges(text: string): Array<[number, number]> }
  | { ok: false; error: string };

const MAX_RANGES = 200;

export function compileSearch(query: string, opts: { regex: boolean }): Search {
  if (query === "") return { ok: true, empty: true, test: () => true, ranges: () => [] };
  if (!opts.regex) {
    const needle = query.toLowerCase();
    return {
      ok: true,
      empty: false,
      test: (text) => text.toLowerCase().includes(needle),
      ranges(text) {
        const hay = text.toLowerCase();
        const out: Array<[number, number]> = [];
        for (let i = hay.indexOf(needle); i >= 0 && out.length < MAX_RANGES; i = hay.indexOf(needle, i + needle.length)) out.push([i, i + needle.length]);
        return out;
      },
    };
  }
  let re: RegExp;
  try {
    re = new RegExp(query, "i");
  } catch (e) {
    return { ok: false, error: `Invalid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, "")}` };
  }
  const global = new RegExp(re.source, "gi");
  return {
    ok: true,
    empty: false,
    test: (text) => re.test(text),
    ranges(text) {
      const out: Array<[number, number]> = [];
      global.lastIndex = 0;
      for (let m = global.exec(text); m && out.length < MAX_RANGES; m = global.exec(text)) {
        if (m[0].length === 0) {
          global.lastIndex++; // an empty match highlights nothing; step past it
          continue;
        }
        out.push([m.index, m.index + m[0].length]);
      }
      return out;
    },
  };
}

export interface MarkedSegment extends AnsiSegment {
  mark: boolean;
}

/** Cuts styled segments at the match ranges (offsets into the segments' joined text), marking the matched parts. */
export function markSegments(segments: AnsiSegment[], ranges: Array<[number, number]>): MarkedSegment[] {
  if (ranges.length === 0) return segments.map((s) => ({ ...s, mark: false }));
  const out: MarkedSegment[] = [];
  let pos = 0;
  let r = 0;
  for (const seg of segments) {
    const end = pos + seg.text.length;
    let at = pos;
    while (at < end) {
      while (r < ranges.length && ranges[r][1] <= at) r++;
      const range = ranges[r];
      if (!range || range[0] >= end) {
        out.push({ text: seg.text.slice(at - pos), style: seg.style, mark: false });
        at = end;
      } else if (range[0] > at) {
        out.push({ text: seg.text.slice(at - pos, range[0] - pos), style: seg.style, mark: false });
        at = range[0];
      } else {
        const stop = Math.min(range[1], end);
        out.push({ text: seg.text.slice(at - pos, stop - pos), style: seg.style, mark: true });
        at = stop;
      }
    }
    pos = end;
  }
  return out;
}
