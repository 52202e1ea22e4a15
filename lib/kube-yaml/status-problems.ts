// A refusal from the Kubernetes API (its Status: message, and causes naming fields) as problems at lines of the YAML
// the user typed: each cause at the line of its field (or of the deepest part of the path the text has, saying so), a
// Status without causes at the document's first line — except "namespaces "x" not found", which is the namespace's line.
import type { LineCounter } from "yaml";
import { lineOfField } from "./field-line";
import type { Manifest, ManifestProblem } from "./parse-manifests";

/** What the API's Status says (components/kube/kube-api.ts's KubeFailure has this shape). */
export interface StatusFailure {
  message: string;
  causes: { field?: string; message: string; reason?: string }[];
}

export interface StatusProblemOptions {
  /** Field paths as the user wrote them (a dry run under generateName answers for metadata.name). */
  rename?: (field: string) => string;
  /** Whether each message starts with "document N (Kind name): " (a text of several documents). Default true. */
  labelled?: boolean;
}

export function statusProblems(m: Manifest, lineCounter: LineCounter, f: StatusFailure, opts: StatusProblemOptions = {}): ManifestProblem[] {
  const rename = opts.rename ?? ((x: string) => x);
  const label = opts.labelled === false ? "" : `document ${m.index} (${m.object.kind} ${m.object.metadata.name}): `;
  const causes = f.causes.filter((c) => c.field && c.field !== "<nil>");
  if (causes.length) {
    return causes.map((c) => {
      const field = rename(c.field!.replace(/^\./, ""));
      const at = lineOfField(m.doc, lineCounter, field);
      return { index: m.index, line: at.line, message: `${label}${field}: ${c.message}${at.exact ? "" : ` (not in the text; shown at ${at.found || "the document"})`}` };
    });
  }
  const missingNs = /^namespaces "([^"]+)" not found/.test(f.message);
  const line = missingNs ? lineOfField(m.doc, lineCounter, "metadata.namespace").line : m.line;
  return [{ index: m.index, line, message: `${label}${f.message}` }];
}
