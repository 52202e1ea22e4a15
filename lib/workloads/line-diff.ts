// A line diff of two texts (two revisions' pod templates as YAML) for reading: the longest common subsequence of their
// lines, shown as unified hunks with a few lines of context, each line numbered in the text it comes from. Templates
// are tens to a few hundred lines, so the quadratic table is small; beyond MAX_CELLS the texts are shown as replaced.
export type DiffOp = "same" | "add" | "del";

export interface DiffLine {
  op: DiffOp;
  text: string;
  /** 1-based line numbers in the old and new text (absent on the side the line is not in). */
  oldNo?: number;
  newNo?: number;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

const MAX_CELLS = 4_000_000;

const splitLines = (s: string) => (s === "" ? [] : s.replace(/\n$/, "").split("\n"));

/** Every line of both texts in order, marked same / del (only in `a`) / add (only in `b`). */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = splitLines(a);
  const y = splitLines(b);
  const n = x.length;
  const m = y.length;
  const out: DiffLine[] = [];
  if ((n + 1) * (m + 1) > MAX_CELLS) {
    x.forEach((text, i) => out.push({ op: "del", text, oldNo: i + 1 }));
    y.forEach((text, j) => out.push({ op: "add", text, newNo: j + 1 }));
    return out;
  }
  // lcs[i][j]: the longest common subsequence of x[i..] and y[j..].
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = x[i] === y[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      out.push({ op: "same", text: x[i]!, oldNo: i + 1, newNo: j + 1 });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i * w + j + 1]! >= lcs[(i + 1) * w + j]!)) {
      out.push({ op: "add", text: y[j]!, newNo: j + 1 });
      j++;
    } else {
      out.push({ op: "del", text: x[i]!, oldNo: i + 1 });
      i++;
    }
  }
  // Within a run of changes, deletions first (as unified diffs read).
  for (let s = 0; s < out.length; ) {
    if (out[s]!.op === "same") {
      s++;
      continue;
    }
    let e = s;
    while (e < out.length && out[e]!.op !== "same") e++;
    const run = out.slice(s, e);
    out.splice(s, run.length, ...run.filter((l) => l.op === "del"), ...run.filter((l) => l.op === "add"));
    s = e;
  }
  return out;
}

/** The changed lines with `context` unchanged lines around each change, grouped into hunks. No change: no hunk. */
export function unifiedHunks(a: string, b: string, context = 3): Hunk[] {
  const lines = diffLines(a, b);
  const changed = lines.map((l, i) => (l.op === "same" ? -1 : i)).filter((i) => i >= 0);
  const hunks: Hunk[] = [];
  let k = 0;
  while (k < changed.length) {
    let start = Math.max(0, changed[k]! - context);
    let end = Math.min(lines.length, changed[k]! + context + 1);
    k++;
    while (k < changed.length && changed[k]! - context <= end) {
      end = Math.min(lines.length, changed[k]! + context + 1);
      k++;
    }
    const slice = lines.slice(start, end);
    const firstOld = slice.find((l) => l.oldNo !== undefined)?.oldNo;
    const firstNew = slice.find((l) => l.newNo !== undefined)?.newNo;
    const oldLines = slice.filter((l) => l.op !== "add").length;
    const newLines = slice.filter((l) => l.op !== "del").length;
    // An empty side starts after the line before it, as diff -u writes it.
    const before = lines.slice(0, start);
    const oldBefore = before.filter((l) => l.op !== "add").length;
    const newBefore = before.filter((l) => l.op !== "del").length;
    hunks.push({
      oldStart: oldLines ? firstOld! : oldBefore,
      oldLines,
      newStart: newLines ? firstNew! : newBefore,
      newLines,
      lines: slice,
    });
    start = end;
  }
  return hunks;
}

/** The hunks as `diff -u` text (without file headers). */
export function unifiedText(hunks: readonly Hunk[]): string {
  return hunks
    .map((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines.map((l) => `${l.op === "add" ? "+" : l.op === "del" ? "-" : " "}${l.text}`)].join("\n"))
    .join("\n");
}
