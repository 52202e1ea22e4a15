// The YAML a user pasted into the apply editor, read as Kubernetes objects: one or many documents (`---`), each with
// the line it starts on and its parsed yaml Document (for finding a field's line later). Syntax errors are reported at
// their line, and a document that is not an object with apiVersion, kind and metadata.name is refused at the line of
// what is missing or wrong — before anything is sent to the API.
import { LineCounter, isScalar, parseAllDocuments, visit, type Document, type YAMLError } from "yaml";
import { lineOfField } from "./field-line";

export interface Manifest {
  /** 1-based position among the non-empty documents. */
  index: number;
  /** 1-based first line of the document's content. */
  line: number;
  doc: Document;
  object: Record<string, unknown> & { apiVersion: string; kind: string; metadata: Record<string, unknown> & { name: string; namespace?: string } };
}

export interface ManifestProblem {
  /** The document it is in (1-based), when one can be named. */
  index?: number;
  line: number;
  message: string;
}

export interface ParsedManifests {
  manifests: Manifest[];
  problems: ManifestProblem[];
  lineCounter: LineCounter;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/**
 * Where a syntax error is for a person: the parser reports a quote never closed where the text ends (the string swallowed
 * everything after it), so that one is placed at the quote that opened the string.
 */
function errorOffset(doc: Document, e: YAMLError): number {
  if (e.code !== "MISSING_CHAR" || !/quote/i.test(e.message)) return e.pos[0];
  let opened = e.pos[0];
  visit(doc, {
    Scalar(_, node) {
      if ((node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE") && node.range && node.range[1] >= e.pos[0]) opened = Math.min(opened, node.range[0]);
    },
  });
  return opened;
}

export function parseManifests(text: string): ParsedManifests {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const docs: Document[] = Array.isArray(parsed) ? parsed : [];
  const manifests: Manifest[] = [];
  const problems: ManifestProblem[] = [];
  let index = 0;
  for (const doc of docs) {
    const syntax = [...doc.errors];
    const contents = doc.contents;
    // An empty document (`---` at the end, comments only) is skipped, as kubectl skips it.
    if ((contents === null || (isScalar(contents) && contents.value === null)) && syntax.length === 0) continue;
    index++;
    const start = contents?.range?.[0] ?? doc.range?.[0] ?? 0;
    const line = lineCounter.linePos(start).line;
    if (syntax.length) {
      for (const e of syntax) problems.push({ index, line: lineCounter.linePos(errorOffset(doc, e)).line, message: `YAML syntax error: ${e.message.split("\n")[0]}` });
      continue;
    }
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (!isObject(value)) {
      problems.push({ index, line, message: "a document must be a Kubernetes object (a mapping with apiVersion, kind and metadata)" });
      continue;
    }
    let ok = true;
    const need = (path: string, check: (v: unknown) => boolean, message: string) => {
      const v = path.split(".").reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), value);
      if (check(v)) return;
      ok = false;
      problems.push({ index, line: lineOfField(doc, lineCounter, path).line, message: `${path}: ${v === undefined ? "Required value" : `Invalid value: ${JSON.stringify(v)}`}: ${message}` });
    };
    need("apiVersion", (v) => typeof v === "string" && v !== "", "the object's API group and version, e.g. apps/v1");
    need("kind", (v) => typeof v === "string" && v !== "", "the object's kind, e.g. Deployment");
    need("metadata", isObject, "the object's metadata, with at least a name");
    if (isObject(value.metadata)) {
      need("metadata.name", (v) => typeof v === "string" && v !== "", "applying needs a name (generateName is not enough)");
      need("metadata.namespace", (v) => v === undefined || v === null || typeof v === "string", "a namespace is a name");
    }
    if (ok) manifests.push({ index, line, doc, object: value as Manifest["object"] });
  }
  return { manifests, problems, lineCounter };
}
