// Manifests named with -f: files, directories (their .yaml, .yml and .json files; -R for subdirectories) and `-`
// (stdin); each a YAML stream of documents or a stream of JSON objects, a `kind: List` unpacked into its items, as
// kubectl reads them. Every document is checked before anything is sent: it reads as YAML or JSON, is an object with
// apiVersion, kind and metadata.name, and its kind is one the server serves — each problem named with the file, the
// document and the field, so a caller can refuse the whole set when any document is broken.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { usageError } from "../errors";
import type { ApiResource, Discovery } from "./discovery";
import { readYamlDocuments } from "./yaml";

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** One object from a manifest, mapped to the resource that serves it. */
export interface ManifestObject {
  /** "web.yaml: document 2 (line 14)" — where the object is, for messages. */
  where: string;
  object: KubeObject;
  resource: ApiResource;
  /** Where it goes: its own metadata.namespace, else -n, else "default"; undefined for cluster-scoped kinds. */
  namespace: string | undefined;
}

interface RawDocument {
  where: string;
  value?: unknown;
  error?: string;
}

const MANIFEST_EXTENSIONS = [".yaml", ".yml", ".json"];

/** The files -f names: a file as it is, a directory's manifests (sorted; subdirectories with `recursive`), `-` for stdin. */
export function manifestFiles(paths: string[], recursive: boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (recursive) walk(full);
      } else if (MANIFEST_EXTENSIONS.some((e) => entry.name.endsWith(e))) out.push(full);
    }
  };
  for (const p of paths) {
    if (p === "-") {
      out.push("-");
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw usageError(`the path "${p}" does not exist`);
    }
    if (isDir) {
      const before = out.length;
      walk(p);
      if (out.length === before) throw usageError(`no manifests (.yaml, .yml, .json) in the directory ${p}`);
    } else out.push(p);
  }
  return out;
}

function readSource(file: string, stdin: () => string): string {
  if (file === "-") return stdin();
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw usageError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** Where offset `pos` of `text` is, 1-based. */
function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text[i] === "\n") line++;
  return line;
}

/**
 * A stream of JSON values (kubectl reads a file that starts with `{` as one): each top-level value with the line it
 * starts on; null when the text is not such a stream (then it is read as YAML).
 */
function jsonValues(text: string): Array<{ line: number; value?: unknown; error?: string }> | null {
  const out: Array<{ line: number; value?: unknown; error?: string }> = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    if (text[i] !== "{") return out.length ? [...out, { line: lineOf(text, i), error: `unexpected ${JSON.stringify(text[i])} between JSON objects` }] : null;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    const chunk = text.slice(start, i);
    try {
      out.push({ line: lineOf(text, start), value: JSON.parse(chunk) });
    } catch (e) {
      if (out.length === 0) return null; // perhaps YAML in flow style: read as YAML
      const m = /position (\d+)/.exec((e as Error).message);
      const at = m ? lineOf(text, start + Number(m[1])) : lineOf(text, start);
      out.push({ line: lineOf(text, start), error: `line ${at}: ${(e as Error).message.replace(/ in JSON at position \d+.*$/, "")}` });
    }
  }
  return out;
}

function rawDocuments(file: string, text: string): RawDocument[] {
  const name = file === "-" ? "stdin" : file;
  const json = /^\s*\{/.test(text) ? jsonValues(text) : null;
  const docs = json ?? readYamlDocuments(text).map((d) => ({ line: d.line, value: d.value, error: d.error?.message }));
  return docs.map((d, i) => ({ where: `${name}: document ${i + 1} (line ${d.line})`, value: d.value, error: d.error }));
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** A kind whose objects hold others (`List`, `ConfigMapList`…): kubectl unpacks its items. */
const isList = (v: Record<string, unknown>) => typeof v.kind === "string" && v.kind.endsWith("List") && Array.isArray(v.items);

export interface ReadOptions {
  /** -n: the namespace of objects that name none. */
  namespace: string;
  /** Whether -n was given: an object naming another namespace is then refused, as kubectl refuses it. */
  explicitNamespace: boolean;
  recursive?: boolean;
  stdin?: () => string;
}

/**
 * Reads and checks every document of every file. `errors` lists each broken document (the file, the document, the
 * field and what is wrong); `objects` the good ones in order.
 */
export function readManifests(paths: string[], discovery: Discovery, opts: ReadOptions): { objects: ManifestObject[]; errors: string[] } {
  const stdin = opts.stdin ?? (() => readFileSync(0, "utf8"));
  const objects: ManifestObject[] = [];
  const errors: string[] = [];
  const files = manifestFiles(paths, !!opts.recursive);
  if (files.filter((f) => f === "-").length > 1) throw usageError("stdin (-) can be read only once");
  for (const file of files) {
    const docs = rawDocuments(file, readSource(file, stdin));
    if (!docs.length) errors.push(`${file === "-" ? "stdin" : file}: no objects in it`);
    for (const doc of docs) {
      if (doc.error !== undefined) {
        errors.push(`${doc.where}: ${doc.error}`);
        continue;
      }
      if (isObject(doc.value) && isList(doc.value)) {
        (doc.value.items as unknown[]).forEach((item, i) => check(`${doc.where}, item ${i + 1}`, item));
      } else check(doc.where, doc.value);
    }
  }
  return { objects, errors };

  function check(where: string, value: unknown): void {
    if (!isObject(value)) return void errors.push(`${where}: not an object (a manifest is a mapping with apiVersion, kind and metadata)`);
    const issues = identityIssues(value);
    if (issues.length) return void errors.push(...issues.map(([field, message]) => `${where}: ${field}: ${message}`));
    const object = value as KubeObject;
    const resource = discovery.forKind(object.apiVersion, object.kind);
    if (!resource) {
      const av = object.apiVersion;
      if (!discovery.servesGroupVersion(av)) errors.push(`${where}: apiVersion: "${av}" is not served here (no matches for kind "${object.kind}" in version "${av}")`);
      else errors.push(`${where}: kind: no kind "${object.kind}" in ${av} (it serves ${discovery.kindsIn(av).join(", ")})`);
      return;
    }
    const meta = object.metadata;
    let namespace: string | undefined;
    if (resource.namespaced) {
      if (meta.namespace && opts.explicitNamespace && meta.namespace !== opts.namespace)
        return void errors.push(`${where}: metadata.namespace: the namespace from the provided object "${meta.namespace}" does not match the namespace "${opts.namespace}" given with -n`);
      namespace = meta.namespace || opts.namespace;
    }
    objects.push({ where, object, resource, namespace });
  }
}

/** What identifies an object — apiVersion, kind, metadata.name — missing or of the wrong type: [field, message]. */
function identityIssues(value: Record<string, unknown>): Array<[string, string]> {
  const issues: Array<[string, string]> = [];
  const required = (field: string, v: unknown, why = "Required value") => {
    if (v === undefined || v === null || v === "") issues.push([field, why]);
    else if (typeof v !== "string") issues.push([field, `must be a string, not ${JSON.stringify(v)}`]);
  };
  required("apiVersion", value.apiVersion);
  required("kind", value.kind);
  const meta = value.metadata;
  if (!isObject(meta)) issues.push(["metadata.name", "Required value"]);
  else {
    required("metadata.name", meta.name, meta.generateName ? "Required value (generateName cannot be used here: the object needs a name)" : undefined);
    if (meta.namespace !== undefined && meta.namespace !== null && typeof meta.namespace !== "string") issues.push(["metadata.namespace", `must be a string, not ${JSON.stringify(meta.namespace)}`]);
  }
  return issues;
}
