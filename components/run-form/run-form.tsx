"use client";
// /containers/new — run a container: host, image (pulled first with a bar per layer when the host lacks it), name,
// command and entrypoint split like a shell, env, ports, volumes, limits, restart policy, labels, network.
// The form's text is checked by lib/run-form (every problem named next to its field), sent as a RunSpec to
// POST /api/v1/hosts/{id}/containers, and the API's own errors land next to the fields too; nothing typed is lost.
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Button, Field, FormAlert, Input, Select } from "@/components/ui";
import { containerHref } from "@/lib/containers/container-href";
import { callApi } from "@/components/api/client";
import type { HostOption } from "@/components/images/api";
import { HostPicker } from "@/components/images/host-picker";
import { PullProgressView } from "@/components/images/pull-progress-view";
import { useLiveHosts } from "@/components/images/use-live-hosts";
import { useImagePull } from "@/components/images/use-image-pull";
import { buildRunSpec, fieldErrorsFromApi } from "@/lib/run-form/build-run-spec";
import { emptyPortRow, emptyRunForm, emptyVolumeRow, RESTART_POLICIES, type FieldErrors, type RunFormValues } from "@/lib/run-form/form-values";
import { imageOnHost, type HostImage } from "@/lib/run-form/image-on-host";
import { errorId, RemoveRowButton, RowError, RowsSection } from "./rows";
import { AdvancedSection } from "./advanced-section";

type Phase = "idle" | "checking" | "pulling" | "replacing" | "starting";

const PHASE_TEXT: Record<Phase, string> = {
  idle: "",
  checking: "Checking the image on the host…",
  pulling: "Pulling the image…",
  replacing: "Setting the original aside and starting its replacement…",
  starting: "Creating and starting the container…",
};

export function RunForm({
  hosts: initialHosts,
  initialHostId,
  initialImage,
  initialValues,
  initialNotice,
  replacing,
}: {
  hosts: HostOption[];
  initialHostId: number | null;
  initialImage: string;
  /** The form filled in advance (Duplicate: from an existing container). */
  initialValues?: RunFormValues;
  /** Said above the form from the start (what a duplicate could not carry over). */
  initialNotice?: string;
  /** Edit: the container the form was filled from, which "Replace" recreates: kept aside until the new one runs. */
  replacing?: { hostId: number; id: string; name: string };
}) {
  const hosts = useLiveHosts(initialHosts);
  const router = useRouter();
  const [hostId, setHostId] = useState<number | null>(initialHostId);
  const [queue, setQueue] = useState(false);
  const [replace, setReplace] = useState(replacing !== undefined);
  const [v, setV] = useState<RunFormValues>(() => initialValues ?? emptyRunForm(initialImage));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(initialNotice ?? null);
  const [phase, setPhase] = useState<Phase>("idle");
  const pull = useImagePull();
  const host = hosts.find((h) => h.id === hostId) ?? null;
  const offline = host !== null && host.status === "offline";
  // A stale host has missed heartbeats and may be unreachable: queueing is offered for it too (required when offline).
  const mayQueue = host !== null && host.status !== "online";
  const queueing = mayQueue && queue;

  const set = <K extends keyof RunFormValues>(key: K, value: RunFormValues[K]) => setV((prev) => ({ ...prev, [key]: value }));
  const setRow = <K extends "env" | "labels" | "ports" | "volumes" | "networks">(key: K, i: number, value: RunFormValues[K][number]) =>
    setV((prev) => ({ ...prev, [key]: prev[key].map((r, j) => (j === i ? value : r)) }));
  const removeRow = (key: "env" | "labels" | "ports" | "volumes" | "networks", i: number) =>
    setV((prev) => ({ ...prev, [key]: (prev[key] as unknown[]).filter((_, j) => j !== i) }));

  /** Row inputs point at their RowError; Field inputs at the Field's own error or hint. */
  const described = (key: string) => (errors[key] ? errorId(key) : undefined);
  const fieldDescribed = (key: string, id: string) => (errors[key] ? `${id}-error` : `${id}-hint`);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    setNotice(null);
    const built = buildRunSpec(v);
    const local: FieldErrors = built.ok ? {} : { ...built.errors };
    if (hostId === null) local.host = "choose the host to run the container on";
    else if (offline && !queue) local.host = `${host!.name} is offline: choose an online host, or tick "Queue until the host is back"`;
    setErrors(local);
    if (!built.ok || Object.keys(local).length) {
      setFormError(`Fix the ${Object.keys(local).length === 1 ? "field" : `${Object.keys(local).length} fields`} marked below; nothing was sent.`);
      return;
    }
    const id = hostId!;
    const spec = built.spec;

    if (!queueing) {
      setPhase("checking");
      const listed = await callApi<HostImage[]>("GET", `/api/v1/hosts/${id}/images`);
      if (!listed.ok) {
        setPhase("idle");
        setFormError(`The host's images could not be listed: ${listed.error}`);
        return;
      }
      if (!imageOnHost(spec.image, listed.data ?? [])) {
        setPhase("pulling");
        const pulled = await pull.pull(id, spec.image);
        if (!pulled.ok) {
          setPhase("idle");
          setErrors({ image: `pulling ${spec.image} failed: ${pulled.error}` });
          setFormError("The image could not be pulled; nothing was run.");
          return;
        }
      }
    }

    // Edit: the host recreates it — the original is kept aside until the new one runs, and put back if it cannot.
    const replaced = replace && replacing && replacing.hostId === id && !queueing ? replacing : null;
    setPhase(replaced ? "replacing" : "starting");
    const r = replaced
      ? await callApi<{ id: string }>("POST", `/api/v1/hosts/${replaced.hostId}/containers/${encodeURIComponent(replaced.id)}/recreate`, spec)
      : await callApi<{ id: string } | { status: "queued"; queuedCommandId: string }>("POST", `/api/v1/hosts/${id}/containers${queueing ? "?queue=true" : ""}`, spec);
    if (!r.ok) {
      setPhase("idle");
      if (r.status === 422 && r.details?.length) setErrors(fieldErrorsFromApi(r.details));
      setFormError(replaced ? `${replaced.name} was not replaced: ${r.error}` : `The container was not run: ${r.error}`);
      return;
    }
    if (r.status === 202 && r.data && "queuedCommandId" in r.data) {
      setPhase("idle");
      setNotice(`Queued: the container will be run when ${host!.name} is back online (command ${r.data.queuedCommandId}).`);
      return;
    }
    const cid = (r.data as { id: string }).id;
    router.push(containerHref(id, cid) ?? `/containers?host=${id}`);
  }

  const busy = phase !== "idle";
  return (
    <section aria-labelledby="run-title" className="space-y-6">
      <div>
        <h1 id="run-title" className="text-xl font-semibold">
          Run a container
        </h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">Create and start a container on one host. The image is pulled first if the host does not have it.</p>
      </div>

      <form onSubmit={submit} noValidate aria-label="Run a container" className="space-y-6">
        <FormAlert message={formError} />
        <FormAlert tone="info" message={notice} />

        <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
          <Field id="run-host" label="Host" error={errors.host}>
            <HostPicker id="run-host" hosts={hosts} value={hostId} onChange={(h) => (setHostId(h), setQueue(false))} />
          </Field>
          <Field id="run-image" label="Image" hint="e.g. busybox:latest or registry.example.com/team/app:v1" error={errors.image}>
            <Input id="run-image" value={v.image} onChange={(e) => set("image", e.target.value)} invalid={!!errors.image} aria-describedby={fieldDescribed("image", "run-image")} placeholder="busybox:latest" />
          </Field>
          {replacing && (
            <label className="flex items-center gap-2 text-sm sm:col-span-2">
              <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} />
              Replace {replacing.name}: it is set aside and stopped, this runs in its place, then it is removed — if this cannot run, {replacing.name} is put back as it was
            </label>
          )}
          {mayQueue && (
            <label className="flex items-center gap-2 text-sm sm:col-span-2">
              <input type="checkbox" checked={queue} onChange={(e) => setQueue(e.target.checked)} />
              Queue until the host is back (the image must already be on it)
            </label>
          )}
          <Field id="run-name" label="Name" hint="optional; a name is generated when empty" error={errors.name}>
            <Input id="run-name" value={v.name} onChange={(e) => set("name", e.target.value)} invalid={!!errors.name} aria-describedby={fieldDescribed("name", "run-name")} />
          </Field>
          <Field id="run-network" label="Network" hint="optional: bridge (default), host, none or a network's name" error={errors.network}>
            <Input id="run-network" value={v.network} onChange={(e) => set("network", e.target.value)} invalid={!!errors.network} aria-describedby={fieldDescribed("network", "run-network")} />
          </Field>
          <Field id="run-command" label="Command" hint={`optional; split like a shell: sh -c 'echo "hi there"'`} error={errors.command}>
            <Input id="run-command" value={v.command} onChange={(e) => set("command", e.target.value)} invalid={!!errors.command} aria-describedby={fieldDescribed("command", "run-command")} className="font-mono" />
          </Field>
          <Field id="run-entrypoint" label="Entrypoint" hint="optional; replaces the image's entrypoint" error={errors.entrypoint}>
            <Input id="run-entrypoint" value={v.entrypoint} onChange={(e) => set("entrypoint", e.target.value)} invalid={!!errors.entrypoint} aria-describedby={fieldDescribed("entrypoint", "run-entrypoint")} className="font-mono" />
          </Field>
        </div>

        <RowsSection title="Environment" hint="One KEY=value per row." addLabel="Add variable" onAdd={() => set("env", [...v.env, ""])}>
          {v.env.map((row, i) => (
            <div key={i}>
              <div className="flex gap-2">
                <Input aria-label={`Environment variable ${i + 1}`} value={row} placeholder="KEY=value" className="font-mono" onChange={(e) => setRow("env", i, e.target.value)} invalid={!!errors[`env.${i}`]} aria-describedby={described(`env.${i}`)} />
                <RemoveRowButton label={`Remove variable ${i + 1}`} onClick={() => removeRow("env", i)} />
              </div>
              <RowError errors={errors} field={`env.${i}`} />
            </div>
          ))}
        </RowsSection>

        <RowsSection title="Ports" hint="Publish a container port on the host. An empty host port picks a free one; an empty host IP listens on every address." addLabel="Add port" onAdd={() => set("ports", [...v.ports, emptyPortRow()])}>
          {v.ports.map((p, i) => (
            <div key={i}>
              <div className="grid grid-cols-2 gap-2 sm:grid-cols-[1fr_8rem_8rem_6rem_auto]">
                <Input aria-label={`Host IP ${i + 1}`} placeholder="host IP (optional)" value={p.hostIp} onChange={(e) => setRow("ports", i, { ...p, hostIp: e.target.value })} invalid={!!errors[`ports.${i}.hostIp`]} aria-describedby={described(`ports.${i}.hostIp`)} />
                <Input aria-label={`Host port ${i + 1}`} placeholder="host port" inputMode="numeric" value={p.hostPort} onChange={(e) => setRow("ports", i, { ...p, hostPort: e.target.value })} invalid={!!errors[`ports.${i}.hostPort`]} aria-describedby={described(`ports.${i}.hostPort`)} />
                <Input aria-label={`Container port ${i + 1}`} placeholder="container port" inputMode="numeric" value={p.containerPort} onChange={(e) => setRow("ports", i, { ...p, containerPort: e.target.value })} invalid={!!errors[`ports.${i}.containerPort`]} aria-describedby={described(`ports.${i}.containerPort`)} />
                <Select aria-label={`Protocol ${i + 1}`} value={p.protocol} onChange={(e) => setRow("ports", i, { ...p, protocol: e.target.value as "tcp" | "udp" })}>
                  <option value="tcp">tcp</option>
                  <option value="udp">udp</option>
                </Select>
                <RemoveRowButton label={`Remove port ${i + 1}`} onClick={() => removeRow("ports", i)} />
              </div>
              <RowError errors={errors} field={`ports.${i}.hostIp`} />
              <RowError errors={errors} field={`ports.${i}.hostPort`} />
              <RowError errors={errors} field={`ports.${i}.containerPort`} />
            </div>
          ))}
        </RowsSection>

        <RowsSection title="Volumes" hint="A named volume (created if missing) or an absolute host path, mounted at a path in the container." addLabel="Add volume" onAdd={() => set("volumes", [...v.volumes, emptyVolumeRow()])}>
          {v.volumes.map((m, i) => (
            <div key={i}>
              <div className="grid grid-cols-[1fr_1fr_auto_auto] items-center gap-2">
                <Input aria-label={`Volume source ${i + 1}`} placeholder="volume name or /host/path" value={m.source} onChange={(e) => setRow("volumes", i, { ...m, source: e.target.value })} invalid={!!errors[`volumes.${i}.source`]} aria-describedby={described(`volumes.${i}.source`)} />
                <Input aria-label={`Volume target ${i + 1}`} placeholder="/path/in/container" value={m.target} onChange={(e) => setRow("volumes", i, { ...m, target: e.target.value })} invalid={!!errors[`volumes.${i}.target`]} aria-describedby={described(`volumes.${i}.target`)} />
                <label className="flex items-center gap-1 text-sm">
                  <input type="checkbox" aria-label={`Read-only ${i + 1}`} checked={m.readOnly} onChange={(e) => setRow("volumes", i, { ...m, readOnly: e.target.checked })} />
                  <span aria-hidden>read-only</span>
                </label>
                <RemoveRowButton label={`Remove volume ${i + 1}`} onClick={() => removeRow("volumes", i)} />
              </div>
              <RowError errors={errors} field={`volumes.${i}.source`} />
              <RowError errors={errors} field={`volumes.${i}.target`} />
            </div>
          ))}
        </RowsSection>

        <fieldset className="grid grid-cols-1 gap-4 rounded-lg border border-slate-200 p-4 sm:grid-cols-3 dark:border-slate-800">
          <legend className="px-1 text-sm font-semibold">Limits</legend>
          <Field id="run-memory" label="Memory limit" hint="e.g. 256m or 1g; empty for none" error={errors.memory}>
            <Input id="run-memory" value={v.memory} onChange={(e) => set("memory", e.target.value)} invalid={!!errors.memory} aria-describedby={fieldDescribed("memory", "run-memory")} />
          </Field>
          <Field id="run-cpus" label="CPUs" hint="e.g. 0.5 or 2; empty for no limit" error={errors.cpus}>
            <Input id="run-cpus" inputMode="decimal" value={v.cpus} onChange={(e) => set("cpus", e.target.value)} invalid={!!errors.cpus} aria-describedby={fieldDescribed("cpus", "run-cpus")} />
          </Field>
          <Field id="run-pids" label="Process limit" hint="most processes at once; empty for none" error={errors.pids}>
            <Input id="run-pids" inputMode="numeric" value={v.pids} onChange={(e) => set("pids", e.target.value)} invalid={!!errors.pids} aria-describedby={fieldDescribed("pids", "run-pids")} />
          </Field>
        </fieldset>

        <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
          <Field id="run-restart" label="Restart policy" error={errors.restart}>
            <Select id="run-restart" value={v.restart} onChange={(e) => set("restart", e.target.value as RunFormValues["restart"])}>
              {RESTART_POLICIES.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </Select>
          </Field>
          {v.restart === "on-failure" && (
            <Field id="run-max-retries" label="Maximum retries" hint="empty for no maximum" error={errors.maxRetries}>
              <Input id="run-max-retries" inputMode="numeric" value={v.maxRetries} onChange={(e) => set("maxRetries", e.target.value)} invalid={!!errors.maxRetries} aria-describedby={fieldDescribed("maxRetries", "run-max-retries")} />
            </Field>
          )}
          {v.restart !== "on-failure" && errors.maxRetries && <RowError errors={errors} field="maxRetries" />}
        </div>

        <RowsSection title="Labels" hint="One KEY=value per row." addLabel="Add label" onAdd={() => set("labels", [...v.labels, ""])}>
          {v.labels.map((row, i) => (
            <div key={i}>
              <div className="flex gap-2">
                <Input aria-label={`Label ${i + 1}`} value={row} placeholder="KEY=value" className="font-mono" onChange={(e) => setRow("labels", i, e.target.value)} invalid={!!errors[`labels.${i}`]} aria-describedby={described(`labels.${i}`)} />
                <RemoveRowButton label={`Remove label ${i + 1}`} onClick={() => removeRow("labels", i)} />
              </div>
              <RowError errors={errors} field={`labels.${i}`} />
            </div>
          ))}
        </RowsSection>

        <AdvancedSection v={v} errors={errors} set={set} setNetwork={(i, value) => setRow("networks", i, value)} removeNetwork={(i) => removeRow("networks", i)} />

        <FormAlert message={errors.form} />
        <PullProgressView pull={pull} />

        <div className="flex items-center gap-3">
          <Button type="submit" loading={busy}>
            Run container
          </Button>
          {busy && (
            <span role="status" className="text-sm text-slate-600 dark:text-slate-400">
              {PHASE_TEXT[phase]}
            </span>
          )}
        </div>
      </form>
    </section>
  );
}
