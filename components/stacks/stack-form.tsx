"use client";
// The compose file of a stack and its env files, pasted or uploaded; "Preview" shows what the file becomes (each object
// as YAML with what deploying does to it, every key left out, the notes) from a server-side dry run, then "Deploy".
// Used to deploy a new stack (/stacks/new) and to redeploy one with an edited file (/stacks/NS/NAME).
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button, Field, FormAlert, Input } from "@/components/ui";
import { callApi } from "@/components/api/client";
import type { StackDeployed, StackPreview } from "@/lib/stacks/schemas";
import { StackPreviewView } from "./stack-preview";

interface EnvFileRow {
  name: string;
  content: string;
}

export function StackForm({
  mode,
  initial,
}: {
  mode: "new" | "redeploy";
  initial: { name: string; namespace: string; compose: string; envFiles: Record<string, string> };
}) {
  const router = useRouter();
  const [name, setName] = useState(initial.name);
  const [namespace, setNamespace] = useState(initial.namespace);
  const [compose, setCompose] = useState(initial.compose);
  const [envFiles, setEnvFiles] = useState<EnvFileRow[]>(Object.entries(initial.envFiles).map(([n, content]) => ({ name: n, content })));
  const [preview, setPreview] = useState<StackPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [details, setDetails] = useState<Array<{ path: string; message: string }>>([]);
  const [busy, setBusy] = useState<"preview" | "deploy" | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const body = () => ({ name, namespace, compose, envFiles: Object.fromEntries(envFiles.filter((f) => f.name.trim()).map((f) => [f.name.trim(), f.content])) });
  const edited = () => {
    setPreview(null);
    setDone(null);
  };

  async function run(kind: "preview" | "deploy") {
    setBusy(kind);
    setError(null);
    setDetails([]);
    setDone(null);
    const r = await callApi<StackPreview | StackDeployed>("POST", kind === "preview" ? "/api/v1/stacks/preview" : "/api/v1/stacks", body());
    setBusy(null);
    if (!r.ok) {
      setPreview(null);
      setError(r.error ?? "refused");
      const d = r.details as unknown;
      setDetails(Array.isArray(d) ? (d as Array<{ path: string; message: string }>) : []);
      return;
    }
    setPreview(r.data!);
    if (kind === "deploy") {
      setDone(`Stack ${name} deployed.`);
      if (mode === "new") router.push(`/stacks/${namespace}/${name}`);
      else router.refresh();
    }
  }

  async function upload(files: FileList | null, into: "compose" | "env") {
    for (const f of Array.from(files ?? [])) {
      const text = await f.text();
      if (into === "compose") setCompose(text);
      else setEnvFiles((rows) => [...rows.filter((r) => r.name !== f.name), { name: f.name, content: text }]);
    }
    edited();
  }

  const refusedObjects = preview?.objects.filter((o) => o.error) ?? [];
  return (
    <form
      className="space-y-4"
      aria-label={mode === "new" ? "Deploy a stack" : "Redeploy the stack"}
      onSubmit={(e) => {
        e.preventDefault();
        void run("preview");
      }}
    >
      {mode === "new" && (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field id="stack-name" label="Name" hint="A DNS label: lowercase letters, digits and -">
            <Input id="stack-name" value={name} onChange={(e) => (setName(e.target.value), edited())} required />
          </Field>
          <Field id="stack-namespace" label="Namespace">
            <Input id="stack-namespace" value={namespace} onChange={(e) => (setNamespace(e.target.value), edited())} required />
          </Field>
        </div>
      )}
      <Field id="stack-compose" label="Compose file" hint="docker-compose.yml (v2/v3 syntax): paste it, or upload it below">
        <textarea
          id="stack-compose"
          className="h-80 w-full rounded-md border border-slate-300 bg-white p-2 font-mono text-xs dark:border-slate-700 dark:bg-slate-950"
          spellCheck={false}
          value={compose}
          onChange={(e) => (setCompose(e.target.value), edited())}
        />
      </Field>
      <div className="flex flex-wrap items-center gap-4 text-sm">
        <label className="flex items-center gap-2">
          Upload the compose file
          <input type="file" accept=".yml,.yaml,text/yaml" aria-label="Upload the compose file" onChange={(e) => void upload(e.target.files, "compose")} />
        </label>
        <label className="flex items-center gap-2">
          Upload env files
          <input type="file" multiple aria-label="Upload env files" onChange={(e) => void upload(e.target.files, "env")} />
        </label>
      </div>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium">Env files</legend>
        <p className="text-xs text-slate-500">The content of each file the compose file names in env_file: (and .env, for ${"{VARIABLES}"} in the file), by the same name.</p>
        {envFiles.map((f, i) => (
          <div key={i} className="grid gap-2 sm:grid-cols-[12rem_1fr_auto]">
            <Input aria-label={`Env file ${i + 1} name`} placeholder=".env" value={f.name} onChange={(e) => (setEnvFiles((rows) => rows.map((r, j) => (j === i ? { ...r, name: e.target.value } : r))), edited())} />
            <textarea
              aria-label={`Env file ${i + 1} content`}
              className="h-20 rounded-md border border-slate-300 bg-white p-2 font-mono text-xs dark:border-slate-700 dark:bg-slate-950"
              spellCheck={false}
              value={f.content}
              onChange={(e) => (setEnvFiles((rows) => rows.map((r, j) => (j === i ? { ...r, content: e.target.value } : r))), edited())}
            />
            <Button variant="ghost" size="sm" aria-label={`Remove env file ${i + 1}`} onClick={() => (setEnvFiles((rows) => rows.filter((_, j) => j !== i)), edited())}>
              Remove
            </Button>
          </div>
        ))}
        <Button variant="secondary" size="sm" onClick={() => setEnvFiles((rows) => [...rows, { name: "", content: "" }])}>
          Add an env file
        </Button>
      </fieldset>
      <FormAlert message={error} />
      {details.length > 0 && (
        <ul aria-label="Problems" className="list-disc pl-6 font-mono text-xs text-red-700 dark:text-red-400">
          {details.map((d, i) => (
            <li key={i}>
              {d.path}: {d.message}
            </li>
          ))}
        </ul>
      )}
      <div className="flex gap-2">
        <Button type="submit" variant="secondary" loading={busy === "preview"}>
          Preview
        </Button>
        <Button variant="primary" disabled={!preview || refusedObjects.length > 0} loading={busy === "deploy"} onClick={() => void run("deploy")}>
          {mode === "new" ? "Deploy" : "Redeploy"}
        </Button>
      </div>
      <FormAlert tone="info" message={done} />
      {preview && <StackPreviewView preview={preview} />}
    </form>
  );
}
