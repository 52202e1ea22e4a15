"use client";
// /edit: the live object as YAML (without managedFields, status and the server's other bookkeeping), edited in place.
// "Review" dry-runs the update and shows its diff; "Save" sends it as an update (PUT) carrying the resourceVersion the
// page loaded. When someone changed the object meanwhile the API answers 409 Conflict: the page says so, shows the new
// live version against the user's text, and reloads on request without touching what was typed.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import Link from "next/link";
import { Badge, Button, FormAlert } from "@/components/ui";
import { YamlEditor, type YamlEditorHandle } from "@/components/kube/yaml-editor";
import { YamlDiff } from "@/components/kube/yaml-diff";
import { resolveKind, type KubeResource } from "@/components/kube/discovery";
import { kubePath, kubeRequest, type KubeFailure } from "@/components/kube/kube-api";
import { FIELD_MANAGER, type LineProblem } from "@/components/kube/apply-manifests";
import { statusProblems } from "@/lib/kube-yaml/status-problems";
import { lineOfField } from "@/lib/kube-yaml/field-line";
import { parseManifests } from "@/lib/kube-yaml/parse-manifests";
import { stripNoise, toYaml } from "@/lib/kube-yaml/strip-noise";
import type { KubeObject } from "@/lib/k8s/meta";
import type { Role } from "@/lib/auth/policy";
import { ProblemList } from "./problem-list";

interface Props {
  apiVersion: string;
  kind: string;
  namespace: string | null;
  name: string;
  canWrite: boolean;
  role: Role;
}

type Built = { ok: true; body: Record<string, unknown> } | { ok: false; problems: LineProblem[] };

/** The user's text as the update to send: one object, the same one, with the version and uid the page loaded. */
function buildUpdate(text: string, base: KubeObject, p: { apiVersion: string; kind: string; namespace: string | null; name: string }): Built {
  const { manifests, problems, lineCounter } = parseManifests(text);
  if (problems.length) return { ok: false, problems };
  if (manifests.length !== 1) return { ok: false, problems: [{ line: manifests[1]?.line ?? 1, message: `the text must hold exactly one object (it holds ${manifests.length}); use Apply YAML for several` }] };
  const m = manifests[0]!;
  const same: [string, unknown, unknown][] = [
    ["apiVersion", m.object.apiVersion, p.apiVersion],
    ["kind", m.object.kind, p.kind],
    ["metadata.name", m.object.metadata.name, p.name],
  ];
  if (p.namespace && m.object.metadata.namespace !== undefined) same.push(["metadata.namespace", m.object.metadata.namespace, p.namespace]);
  const changed = same.filter(([, a, b]) => a !== b);
  if (changed.length)
    return {
      ok: false,
      problems: changed.map(([field, a, b]) => ({ index: 1, line: lineOfField(m.doc, lineCounter, field).line, message: `${field}: cannot be changed here (${JSON.stringify(a)} is not ${JSON.stringify(b)}); to make another object use Apply YAML` })),
    };
  const body = structuredClone(m.object) as Record<string, unknown> & { metadata: Record<string, unknown> };
  if (p.namespace) body.metadata.namespace = p.namespace;
  body.metadata.resourceVersion = base.metadata.resourceVersion;
  body.metadata.uid = base.metadata.uid;
  return { ok: true, body };
}

export function EditView({ apiVersion, kind, namespace, name, canWrite, role }: Props) {
  const who = `${kind} ${namespace ? `${namespace}/` : ""}${name}`;
  const [resource, setResource] = useState<KubeResource | null>(null);
  const [base, setBase] = useState<KubeObject | null>(null);
  const [text, setText] = useState("");
  const [loadError, setLoadError] = useState<string | null>(null);
  const [busy, setBusy] = useState<"review" | "save" | "reload" | null>(null);
  const [review, setReview] = useState<{ text: string; rv: string | undefined; after: string | null; problems: LineProblem[] } | null>(null);
  const [conflict, setConflict] = useState<KubeObject | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const editor = useRef<YamlEditorHandle>(null);

  const fetchLive = useCallback(async (res: KubeResource) => kubeRequest<KubeObject>("GET", kubePath(res, namespace, name)), [namespace, name]);

  useEffect(() => {
    let gone = false;
    (async () => {
      try {
        const res = await resolveKind(apiVersion, kind);
        if (!res) throw new Error(`unknown kind "${kind}" in apiVersion "${apiVersion}": this server does not serve it`);
        if (res.namespaced && !namespace) throw new Error(`${kind} objects live in a namespace: the address names none`);
        const live = await fetchLive(res);
        if (!live.ok) throw new Error(live.status === 404 ? `${who} does not exist (it may have been deleted)` : live.message);
        if (gone) return;
        setResource(res);
        setBase(live.data);
        setText(toYaml(stripNoise(live.data)));
      } catch (e) {
        if (!gone) setLoadError(e instanceof Error ? e.message : String(e));
      }
    })();
    return () => {
      gone = true;
    };
  }, [apiVersion, kind, namespace, fetchLive, who]);

  const current = !!review && review.text === text && review.rv === base?.metadata.resourceVersion;
  const markers = useMemo(() => (review && review.text === text ? review.problems.map((p) => ({ line: p.line, message: p.message })) : []), [review, text]);
  const canSave = canWrite && current && review.problems.length === 0 && review.after !== null && !conflict;

  function problemsOf(f: KubeFailure): LineProblem[] {
    const { manifests, lineCounter } = parseManifests(text);
    const m = manifests[0];
    return m ? statusProblems(m, lineCounter, f, { labelled: false }) : [{ line: 1, message: f.message }];
  }

  async function onConflict() {
    const latest = resource ? await fetchLive(resource) : null;
    if (latest?.ok) setConflict(latest.data);
    else setError(`${who} was changed or deleted by someone else since you opened it, and could not be read again: ${latest && !latest.ok ? latest.message : ""}`);
  }

  async function send(dryRun: boolean) {
    if (!resource || !base) return;
    setNotice(null);
    setError(null);
    const built = buildUpdate(text, base, { apiVersion, kind, namespace, name });
    if (!built.ok) {
      setReview({ text, rv: base.metadata.resourceVersion, after: null, problems: built.problems });
      return;
    }
    const q = new URLSearchParams({ fieldManager: FIELD_MANAGER });
    if (dryRun) q.set("dryRun", "All");
    const r = await kubeRequest<KubeObject>("PUT", `${kubePath(resource, namespace, name)}?${q}`, built.body);
    if (!r.ok) {
      if (r.status === 409 && r.reason === "Conflict") {
        setReview(null);
        return onConflict();
      }
      setReview({ text, rv: base.metadata.resourceVersion, after: null, problems: problemsOf(r) });
      return;
    }
    if (dryRun) {
      setReview({ text, rv: base.metadata.resourceVersion, after: toYaml(stripNoise(r.data)), problems: [] });
    } else {
      setBase(r.data);
      setText(toYaml(stripNoise(r.data)));
      setReview(null);
      setNotice(`Saved ${who} (resourceVersion ${r.data.metadata.resourceVersion}).`);
    }
  }

  async function run(kind: "review" | "save", dryRun: boolean) {
    setBusy(kind);
    try {
      await send(dryRun);
    } finally {
      setBusy(null);
    }
  }

  function reloadKeepingText() {
    if (!conflict) return;
    setBase(conflict);
    setConflict(null);
    setReview(null);
    setNotice(`Reloaded: your text is kept and will now be saved over resourceVersion ${conflict.metadata.resourceVersion}. Review it again to see what saving changes.`);
  }

  function reloadDiscarding() {
    if (!conflict) return;
    setBase(conflict);
    setText(toYaml(stripNoise(conflict)));
    setConflict(null);
    setReview(null);
    setNotice(`Reloaded resourceVersion ${conflict.metadata.resourceVersion}; your changes were discarded.`);
  }

  const problems = review && review.text === text ? review.problems : [];

  return (
    <section aria-labelledby="edit-title" className="space-y-6">
      <div>
        <h1 id="edit-title" className="text-xl font-semibold">
          {canWrite ? "Edit" : "View"} YAML: {who}
        </h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          {apiVersion}
          {base && ` · loaded at resourceVersion ${base.metadata.resourceVersion}`} · managedFields, status and the server&apos;s bookkeeping are left out
        </p>
      </div>
      {loadError && <FormAlert message={`Could not open ${who}: ${loadError}`} />}
      {!canWrite && base && <FormAlert tone="info" message={`Your role (${role}) may read this object but not change it: the YAML is read-only.`} />}

      {base && (
        <div className="space-y-1">
          <label htmlFor="edit-yaml" className="text-sm font-medium">
            YAML of {who}
          </label>
          <YamlEditor
            ref={editor}
            id="edit-yaml"
            label={`YAML of ${who}`}
            value={text}
            onChange={setText}
            readOnly={!canWrite}
            markers={markers}
            describedBy={problems.length ? "edit-problems" : undefined}
          />
        </div>
      )}

      <FormAlert message={error} />
      {problems.length > 0 && <ProblemList id="edit-problems" title="Not saved: fix these first" problems={problems} onGoTo={(line) => editor.current?.goToLine(line)} />}

      {conflict && (
        <div role="alert" className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
          <p className="font-medium">
            {who} was changed by someone else since you opened it (resourceVersion {base?.metadata.resourceVersion} → {conflict.metadata.resourceVersion}). Nothing was saved.
          </p>
          <p>Below: the live version now, against your text. Reload to save over the new version — your text stays as it is.</p>
          <div className="flex gap-3">
            <Button size="sm" onClick={reloadKeepingText}>
              Reload, keep my text
            </Button>
            <Button size="sm" variant="secondary" onClick={reloadDiscarding}>
              Discard my changes
            </Button>
          </div>
          <YamlDiff label="Live now against your text" before={toYaml(stripNoise(conflict))} after={text} beforeLabel="Live now (changed by someone else)" afterLabel="Your text" />
        </div>
      )}

      {canWrite && base && (
        <div className="flex items-center gap-3">
          <Button variant="secondary" onClick={() => void run("review", true)} loading={busy === "review"} disabled={busy !== null || !!conflict}>
            Review changes
          </Button>
          <Button onClick={() => void run("save", false)} loading={busy === "save"} disabled={!canSave || busy !== null}>
            Save
          </Button>
          <Link href={`/apply${namespace ? `?namespace=${encodeURIComponent(namespace)}` : ""}`} className="text-sm text-sky-700 hover:underline dark:text-sky-400">
            Apply YAML instead
          </Link>
          <p role="status" className="text-sm text-slate-600 dark:text-slate-400">
            {notice ?? (review && !current ? "The text changed since the review: review again before saving." : current && review.after !== null ? "Dry run passed. Nothing has been saved yet." : "")}
          </p>
        </div>
      )}

      {current && review.after !== null && base && (
        <>
          {review.after === toYaml(stripNoise(base)) ? (
            <p className="text-sm text-slate-600 dark:text-slate-400">
              <Badge>unchanged</Badge> Saving changes nothing.
            </p>
          ) : (
            <YamlDiff label="Diff of the update" before={toYaml(stripNoise(base))} after={review.after} beforeLabel="Live as loaded" afterLabel="After saving (dry run)" />
          )}
        </>
      )}
    </section>
  );
}
