"use client";
// /apply: paste or upload YAML, "Review" dry-runs every document on the server and shows what each would create or
// change as a diff, "Apply" (enabled only by a clean review of the text as it is now) applies them in order. Problems —
// YAML syntax, unknown kinds, the API's refusals — are marked at their line in the editor and listed with a way there.
import { useEffect, useMemo, useRef, useState } from "react";
import Link from "next/link";
import { Badge, Button, FormAlert, Input, Label, type BadgeTone } from "@/components/ui";
import { YamlEditor, type EditorMarker, type YamlEditorHandle } from "@/components/kube/yaml-editor";
import { YamlDiff } from "@/components/kube/yaml-diff";
import { parseManifests } from "@/lib/kube-yaml/parse-manifests";
import { statusProblems } from "@/lib/kube-yaml/status-problems";
import { applyReviewed, reviewManifests, type AppliedResult, type LineProblem, type Review } from "@/components/kube/apply-manifests";
import { ProblemList } from "./problem-list";

const NAMESPACE_KEY = "gantry.namespace";
const OUTCOME_TONE: Record<string, BadgeTone> = { created: "success", changed: "info", unchanged: "neutral" };

export function ApplyView({ namespace: fromQuery }: { namespace: string | null }) {
  const [text, setText] = useState("");
  const [namespace, setNamespace] = useState(fromQuery ?? "default");
  const [busy, setBusy] = useState<"review" | "apply" | null>(null);
  const [review, setReview] = useState<(Review & { text: string; namespace: string }) | null>(null);
  const [results, setResults] = useState<AppliedResult[]>([]);
  const [error, setError] = useState<string | null>(null);
  const editor = useRef<YamlEditorHandle>(null);

  useEffect(() => {
    if (fromQuery) return;
    const remembered = window.localStorage.getItem(NAMESPACE_KEY);
    if (remembered && remembered !== "all") setNamespace(remembered);
  }, [fromQuery]);

  const problems: LineProblem[] = review?.problems ?? [];
  // A refusal when applying for real (after a clean dry run: someone changed things meanwhile) is placed like the others.
  const applyProblems: LineProblem[] = useMemo(() => {
    const failed = results.find((r) => r.state === "failed");
    if (!failed || failed.state !== "failed" || !review) return [];
    const { manifests, lineCounter } = parseManifests(review.text);
    const m = manifests.find((x) => x.index === failed.index);
    return m ? statusProblems(m, lineCounter, failed.failure) : [{ index: failed.index, line: 1, message: failed.message }];
  }, [results, review]);
  const markers: EditorMarker[] = useMemo(
    () => (review && review.text === text ? [...review.problems, ...applyProblems].map((p) => ({ line: p.line, message: p.message })) : []),
    [review, text, applyProblems],
  );
  const current = !!review && review.text === text && review.namespace === namespace;
  const canApply = current && review.problems.length === 0 && review.documents.length > 0 && results.length === 0;

  async function onReview() {
    setBusy("review");
    setError(null);
    setResults([]);
    try {
      setReview({ ...(await reviewManifests(text, namespace.trim() || "default")), text, namespace });
    } catch (e) {
      setReview(null);
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  }

  async function onApply() {
    if (!review) return;
    setBusy("apply");
    setResults([]);
    try {
      await applyReviewed(review.documents, (r) => setResults((rs) => [...rs, r]));
    } finally {
      setBusy(null);
    }
  }

  async function onFile(file: File | undefined) {
    if (!file) return;
    setText(await file.text());
    setReview(null);
    setResults([]);
  }

  const failedDoc = problems.find((p) => p.index !== undefined);
  const applied = results.filter((r) => r.state === "applied").length;
  const failed = results.find((r) => r.state === "failed");

  return (
    <section aria-labelledby="apply-title" className="space-y-6">
      <div>
        <h1 id="apply-title" className="text-xl font-semibold">
          Apply YAML
        </h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Paste or upload one or more Kubernetes objects (separate documents with <code>---</code>). Review shows what each would create or change — a
          server-side dry run, nothing is written — and only then can you apply them, in order.
        </p>
      </div>

      <div className="flex flex-wrap items-end gap-4">
        <div className="space-y-1">
          <Label htmlFor="apply-namespace">Namespace for objects that name none</Label>
          <Input id="apply-namespace" value={namespace} onChange={(e) => setNamespace(e.target.value)} className="w-64" spellCheck={false} />
        </div>
        <div className="space-y-1">
          <Label htmlFor="apply-file">Upload a file</Label>
          <input
            id="apply-file"
            type="file"
            accept=".yaml,.yml,.json,application/yaml,application/json,text/yaml"
            onChange={(e) => void onFile(e.target.files?.[0])}
            className="block text-sm file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm dark:file:border-slate-700 dark:file:bg-slate-900 dark:file:text-slate-100"
          />
        </div>
      </div>

      <div className="space-y-1">
        <Label htmlFor="apply-yaml">YAML to apply</Label>
        <YamlEditor ref={editor} id="apply-yaml" label="YAML to apply" value={text} onChange={setText} markers={markers} describedBy={problems.length || applyProblems.length ? "apply-problems" : undefined} />
      </div>

      <FormAlert message={error} />
      {current && problems.length > 0 && (
        <ProblemList
          id="apply-problems"
          title={failedDoc ? `Nothing was applied: document ${failedDoc.index} was refused${problems.some((p) => p.index !== failedDoc.index) ? " (and others)" : ""}` : "Nothing was applied"}
          problems={problems}
          onGoTo={(line) => editor.current?.goToLine(line)}
        />
      )}

      {current && applyProblems.length > 0 && (
        <ProblemList
          id="apply-problems"
          title={`Document ${applyProblems[0]!.index} was refused when applied: the documents before it were applied, the rest were not sent`}
          problems={applyProblems}
          onGoTo={(line) => editor.current?.goToLine(line)}
        />
      )}

      <div className="flex items-center gap-3">
        <Button variant="secondary" onClick={() => void onReview()} loading={busy === "review"} disabled={busy !== null || text.trim() === ""}>
          Review
        </Button>
        <Button onClick={() => void onApply()} loading={busy === "apply"} disabled={!canApply || busy !== null}>
          Apply
        </Button>
        <p className="text-sm text-slate-600 dark:text-slate-400" role="status">
          {busy === "review"
            ? "Dry run in progress…"
            : busy === "apply"
              ? `Applying… ${results.length} of ${review?.documents.length ?? 0}`
              : results.length
                ? failed
                  ? `Applied ${applied} of ${review?.documents.length}; document ${failed.index} was refused, the rest were not sent.`
                  : `Applied ${applied} object${applied === 1 ? "" : "s"}.`
                : review && !current
                  ? "The text changed since the review: review again before applying."
                  : canApply
                    ? `Dry run passed for ${review.documents.length} object${review.documents.length === 1 ? "" : "s"}. Nothing has been applied yet.`
                    : ""}
        </p>
      </div>

      {current && review.problems.length === 0 && (
        <ol className="space-y-6" aria-label="Review">
          {review.documents.map((d) => {
            const result = results.find((r) => r.index === d.index);
            const title = `Document ${d.index}: ${d.kind} ${d.namespace ? `${d.namespace}/` : ""}${d.name}`;
            return (
              <li key={d.index} aria-label={title} className="space-y-2 rounded-md border border-slate-200 p-4 dark:border-slate-800">
                <div className="flex flex-wrap items-center gap-2">
                  <h2 className="font-medium">{title}</h2>
                  <span className="text-xs text-slate-500 dark:text-slate-400">{d.apiVersion}</span>
                  <Badge tone={OUTCOME_TONE[d.outcome]} aria-label={`dry run: ${d.outcome}`}>
                    {d.outcome === "created" ? "will be created" : d.outcome === "changed" ? "will be changed" : "unchanged"}
                  </Badge>
                  {result && <ResultBadge result={result} />}
                  {result?.state === "applied" && (
                    <Link
                      className="text-sm text-sky-700 hover:underline dark:text-sky-400"
                      href={`/edit?${new URLSearchParams({ apiVersion: d.apiVersion, kind: d.kind, ...(d.namespace ? { namespace: d.namespace } : {}), name: d.name })}`}
                    >
                      Edit YAML
                    </Link>
                  )}
                </div>
                {d.note && <p className="text-xs text-slate-600 dark:text-slate-400">{d.note}</p>}
                {d.takeovers.length > 0 && (
                  <div className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
                    <p className="font-medium">Applying takes over fields another manager set:</p>
                    <ul className="list-disc pl-5">
                      {d.takeovers.map((t) => (
                        <li key={t}>{t}</li>
                      ))}
                    </ul>
                  </div>
                )}
                {d.outcome === "unchanged" ? (
                  <p className="text-sm text-slate-600 dark:text-slate-400">What runs already matches this document.</p>
                ) : (
                  <YamlDiff label={`Diff of document ${d.index}`} before={d.before} after={d.after} beforeLabel={d.before ? "Live now" : "Live now: no such object"} afterLabel="After applying (dry run)" />
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

function ResultBadge({ result }: { result: AppliedResult }) {
  if (result.state === "applied") return <Badge tone="success">{`applied: ${result.outcome}`}</Badge>;
  if (result.state === "skipped") return <Badge tone="warning">not applied</Badge>;
  return (
    <span className="text-sm text-red-700 dark:text-red-300">
      <Badge tone="danger">refused</Badge> {result.message}
    </span>
  );
}
