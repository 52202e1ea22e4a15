"use client";
// `kubectl apply --server-side` from the dashboard, in two steps. reviewManifests: every document is resolved to its
// resource through discovery (an unknown kind is refused by name), its live object read, and a server-side apply with
// dryRun=All made (field manager gantry-dashboard) — what it would create or change, as a diff without the server's
// bookkeeping. applyReviewed: the same configurations applied for real, in order, stopping at the first refusal. Every
// refusal is placed at its document and at the line of the field the API's Status names.
import { lineOfField } from "@/lib/kube-yaml/field-line";
import { parseManifests, type Manifest, type ManifestProblem } from "@/lib/kube-yaml/parse-manifests";
import { statusProblems } from "@/lib/kube-yaml/status-problems";
import { changeOutcome, stripNoise, toYaml, type ChangeOutcome } from "@/lib/kube-yaml/strip-noise";
import type { KubeObject } from "@/lib/k8s/meta";
import { resolveKind, type KubeResource } from "./discovery";
import { PATCH, kubePath, kubeRequest, type KubeFailure } from "./kube-api";

export const FIELD_MANAGER = "gantry-dashboard";

const SERVER_OWNED_METADATA = ["managedFields", "uid", "creationTimestamp", "generation", "selfLink"] as const;

/** A problem at a line of the text (1-based, in the whole text), in a document (1-based) when one is named. */
export type LineProblem = ManifestProblem;

export interface ReviewedDocument {
  index: number;
  line: number;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  resource: KubeResource;
  /** The configuration sent (namespace filled in). */
  body: Record<string, unknown>;
  outcome: ChangeOutcome;
  /** YAML of the live object without the server's bookkeeping ("" when there is none). */
  before: string;
  /** YAML of what the dry run answered, the same way. */
  after: string;
  /** Fields another manager owns that this apply takes over (the dry run had to force them). */
  takeovers: string[];
  /** How this document was checked, when not the plain way. */
  note?: string;
}

export interface Review {
  documents: ReviewedDocument[];
  problems: LineProblem[];
}

function objectQuery(dryRun: boolean, force: boolean): string {
  const q = new URLSearchParams({ fieldManager: FIELD_MANAGER, force: String(force) });
  if (dryRun) q.set("dryRun", "All");
  return q.toString();
}

async function applyOnce(doc: { resource: KubeResource; namespace?: string; name: string; body: unknown }, opts: { dryRun: boolean; force: boolean }) {
  return kubeRequest<KubeObject>("PATCH", `${kubePath(doc.resource, doc.namespace, doc.name)}?${objectQuery(opts.dryRun, opts.force)}`, doc.body, PATCH.apply);
}

/** Reads, resolves and dry-runs every document of `text`; `defaultNamespace` for namespaced objects that name none. */
export async function reviewManifests(text: string, defaultNamespace: string): Promise<Review> {
  const { manifests, problems, lineCounter } = parseManifests(text);
  if (problems.length) return { documents: [], problems };
  if (manifests.length === 0) return { documents: [], problems: [{ line: 1, message: "there is nothing to apply: paste or upload YAML with at least one object" }] };

  const resolved: { m: Manifest; resource: KubeResource }[] = [];
  const out: LineProblem[] = [];
  for (const m of manifests) {
    const { apiVersion, kind } = m.object;
    const resource = await resolveKind(apiVersion, kind);
    if (!resource) {
      out.push({ index: m.index, line: lineOfField(m.doc, lineCounter, "kind").line, message: `document ${m.index}: unknown kind "${kind}" in apiVersion "${apiVersion}": this server does not serve it` });
    } else if (!resource.verbs.includes("patch")) {
      out.push({ index: m.index, line: lineOfField(m.doc, lineCounter, "kind").line, message: `document ${m.index}: ${kind} objects cannot be applied (the API does not take patch on ${resource.plural})` });
    } else resolved.push({ m, resource });
  }
  if (out.length) return { documents: [], problems: out };

  const documents: ReviewedDocument[] = [];
  /** Namespaces this batch creates: name → the document that does. */
  const newNamespaces = new Map<string, number>();
  for (const { m, resource } of resolved) {
    const name = m.object.metadata.name;
    const namespace = resource.namespaced ? (m.object.metadata.namespace || defaultNamespace) : undefined;
    const body = structuredClone(m.object) as Record<string, unknown> & { metadata: Record<string, unknown> };
    const notes: string[] = [];
    if (!resource.namespaced && m.object.metadata.namespace) notes.push(`metadata.namespace (${m.object.metadata.namespace}) is left out: ${m.object.kind} objects belong to no namespace`);
    if (namespace) body.metadata.namespace = namespace;
    else delete body.metadata.namespace;
    // What `kubectl get -o yaml` prints and only the server may write (an apply carrying managedFields is refused).
    const serverOwned = [...SERVER_OWNED_METADATA.filter((k) => k in body.metadata).map((k) => `metadata.${k}`), ...("status" in body ? ["status"] : [])];
    for (const k of SERVER_OWNED_METADATA) delete body.metadata[k];
    delete body.status;
    if (serverOwned.length) notes.push(`left out, as the server keeps them: ${serverOwned.join(", ")}`);
    const base = { index: m.index, line: m.line, apiVersion: m.object.apiVersion, kind: m.object.kind, name, namespace, resource, body, ...(notes.length ? { note: notes.join("; ") } : {}) };

    const live = await kubeRequest<KubeObject>("GET", kubePath(resource, namespace, name));
    if (!live.ok && live.status !== 404) {
      out.push(...statusProblems(m, lineCounter, live));
      continue;
    }
    const before = live.ok ? live.data : null;

    const madeBy = namespace ? newNamespaces.get(namespace) : undefined;
    if (madeBy !== undefined && !before) {
      // Its namespace does not exist until an earlier document makes it, so the API cannot dry-run it there (kubectl's
      // --dry-run=server fails the same way). It is checked as a new object in "default" under a generated name — the
      // same validation — and shown with its own name and namespace.
      const standIn = structuredClone(body);
      standIn.metadata.namespace = "default";
      delete standIn.metadata.name;
      standIn.metadata.generateName = `${name.slice(0, 200)}-`;
      const r = await kubeRequest<KubeObject>("POST", `${kubePath(resource, "default")}?dryRun=All&fieldManager=${FIELD_MANAGER}`, standIn);
      if (!r.ok) {
        out.push(...statusProblems(m, lineCounter, r, { rename: (f) => (f === "metadata.generateName" ? "metadata.name" : f) }));
        continue;
      }
      const after = structuredClone(r.data);
      after.metadata = { ...after.metadata, name, namespace };
      delete (after.metadata as Record<string, unknown>).generateName;
      const note = [`namespace ${namespace} is made by document ${madeBy}: checked with a dry run in namespace default`, ...notes].join("; ");
      documents.push({ ...base, outcome: "created", before: "", after: toYaml(stripNoise(after)), takeovers: [], note });
      continue;
    }

    let takeovers: string[] = [];
    let r = await applyOnce(base, { dryRun: true, force: false });
    if (!r.ok && r.status === 409 && r.causes.some((c) => c.reason === "FieldManagerConflict")) {
      takeovers = r.causes.map((c) => `${c.field}: ${c.message}`);
      r = await applyOnce(base, { dryRun: true, force: true });
    }
    if (!r.ok) {
      out.push(...statusProblems(m, lineCounter, r));
      continue;
    }
    const outcome = changeOutcome(before, r.data);
    documents.push({ ...base, outcome, before: before ? toYaml(stripNoise(before)) : "", after: toYaml(stripNoise(r.data)), takeovers });
    if (resource.group === "" && resource.plural === "namespaces" && outcome === "created") newNamespaces.set(name, m.index);
  }
  return { documents, problems: out };
}

export type AppliedResult =
  | { index: number; state: "applied"; outcome: ChangeOutcome; resourceVersion?: string }
  | { index: number; state: "failed"; message: string; failure: KubeFailure }
  | { index: number; state: "skipped" };

/**
 * Applies reviewed documents in order (forcing only the fields the review showed as taken over); after the first
 * refusal the rest are not sent. `onResult` hears each as it happens.
 */
export async function applyReviewed(documents: ReviewedDocument[], onResult: (r: AppliedResult) => void): Promise<AppliedResult[]> {
  const results: AppliedResult[] = [];
  let failed = false;
  for (const d of documents) {
    let result: AppliedResult;
    if (failed) result = { index: d.index, state: "skipped" };
    else {
      const r = await applyOnce(d, { dryRun: false, force: d.takeovers.length > 0 });
      if (r.ok) {
        // Made by someone else between the review and now: this apply changed it rather than created it.
        const outcome: ChangeOutcome = d.outcome === "created" && r.status !== 201 ? "changed" : d.outcome;
        result = { index: d.index, state: "applied", outcome, resourceVersion: r.data.metadata?.resourceVersion };
      } else {
        failed = true;
        result = { index: d.index, state: "failed", message: r.message, failure: r };
      }
    }
    results.push(result);
    onResult(result);
  }
  return results;
}
