// Where in a YAML document the Kubernetes API's field path points: a Status cause names a field as
// `spec.template.spec.containers[0].image` (field.Path's form: `.name`, `[index]`, `[map key]`); the line is the one
// holding that key (or list item) in the text the user typed, found through the yaml package's node ranges. A path the
// text does not have all of lands on the deepest part it does have (a required field that is missing is reported at
// its parent), and `exact` says so.
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

export type FieldSegment = string | number;

/** `spec.containers[0].env[1].name` → ["spec", "containers", 0, "env", 1, "name"]; `metadata.labels[app.kubernetes.io/name]` keeps the key whole. */
export function parseFieldPath(path: string): FieldSegment[] {
  const out: FieldSegment[] = [];
  let i = 0;
  let name = "";
  const flush = () => {
    if (name) out.push(name);
    name = "";
  };
  while (i < path.length) {
    const c = path[i]!;
    if (c === ".") {
      flush();
      i++;
    } else if (c === "[") {
      flush();
      const end = path.indexOf("]", i + 1);
      const inner = end < 0 ? path.slice(i + 1) : path.slice(i + 1, end);
      out.push(/^\d+$/.test(inner) ? Number(inner) : inner);
      i = end < 0 ? path.length : end + 1;
    } else {
      name += c;
      i++;
    }
  }
  flush();
  return out;
}

export interface FieldLine {
  /** 1-based line in the whole text (every document of it). */
  line: number;
  /** False when only a leading part of the path was found (the line is that part's). */
  exact: boolean;
  /** The part of the path that was found, in the API's notation. */
  found: string;
}

function show(segments: FieldSegment[]): string {
  return segments.map((s, i) => (typeof s === "number" ? `[${s}]` : /[.[\]]/.test(s) && i > 0 ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

/**
 * The line of `path` in `doc` (parsed with `lineCounter` from the whole text). The root of the document when nothing
 * of the path is there. A key of a map points at the key's line; a list item at the item's first line.
 */
export function lineOfField(doc: Document, lineCounter: LineCounter, path: string | FieldSegment[]): FieldLine {
  const segments = typeof path === "string" ? parseFieldPath(path.replace(/^\./, "")) : path;
  let node: Node | null | undefined = doc.contents as Node | null;
  let offset = node?.range?.[0] ?? doc.range?.[0] ?? 0;
  let depth = 0;
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) break;
      const key = pair.key as Node | null;
      offset = key?.range?.[0] ?? offset;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
    depth++;
  }
  return { line: lineCounter.linePos(offset).line, exact: depth === segments.length, found: show(segments.slice(0, depth)) };
}
