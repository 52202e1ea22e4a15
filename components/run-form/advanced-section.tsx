"use client";
// The run form's "Advanced" part: working directory, user, host name, terminal and stdin, more networks, healthcheck —
// what Edit and Duplicate carry over from a container besides the form's first fields. Open from the start when any of
// it is set (a container filled in has them), and whenever one of its fields has an error.
import { useState } from "react";
import { Field, Input } from "@/components/ui";
import type { FieldErrors, RunFormValues } from "@/lib/run-form/form-values";
import { errorId, RemoveRowButton, RowError, RowsSection } from "./rows";

const ADVANCED_KEYS = ["workdir", "user", "hostname", "healthCmd", "healthInterval", "healthTimeout", "healthStartPeriod", "healthRetries"] as const;

export function hasAdvanced(v: RunFormValues): boolean {
  return ADVANCED_KEYS.some((k) => v[k].trim() !== "") || v.tty || v.interactive || v.networks.some((n) => n.trim() !== "");
}

export function AdvancedSection({
  v,
  errors,
  set,
  setNetwork,
  removeNetwork,
}: {
  v: RunFormValues;
  errors: FieldErrors;
  set: <K extends keyof RunFormValues>(key: K, value: RunFormValues[K]) => void;
  setNetwork: (i: number, value: string) => void;
  removeNetwork: (i: number) => void;
}) {
  const [open, setOpen] = useState(() => hasAdvanced(v));
  const errorInside = Object.keys(errors).some((k) => (ADVANCED_KEYS as readonly string[]).includes(k) || k.startsWith("networks."));
  const describedBy = (key: string, id: string) => (errors[key] ? `${id}-error` : `${id}-hint`);
  const text = (key: (typeof ADVANCED_KEYS)[number], id: string, label: string, hint: string, extra: { inputMode?: "numeric" | "decimal"; mono?: boolean } = {}) => (
    <Field id={id} label={label} hint={hint} error={errors[key]}>
      <Input
        id={id}
        value={v[key]}
        inputMode={extra.inputMode}
        className={extra.mono ? "font-mono" : undefined}
        onChange={(e) => set(key, e.target.value)}
        invalid={!!errors[key]}
        aria-describedby={describedBy(key, id)}
      />
    </Field>
  );
  return (
    <details open={open || errorInside} onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)} className="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
      <summary className="cursor-pointer text-sm font-semibold">Advanced</summary>
      <div className="mt-4 space-y-4">
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-3">
          {text("workdir", "run-workdir", "Working directory", "optional; an absolute path (the image's when empty)", { mono: true })}
          {text("user", "run-user", "User", "optional; name or uid, with :group (the image's when empty)")}
          {text("hostname", "run-hostname", "Host name", "optional; the short id when empty")}
        </div>
        <div className="flex flex-wrap gap-6 text-sm">
          <label className="flex items-center gap-2">
            <input type="checkbox" checked={v.tty} onChange={(e) => set("tty", e.target.checked)} />
            Terminal (tty)
          </label>
          <label className="flex items-center gap-2">
            <input type="checkbox" checked={v.interactive} onChange={(e) => set("interactive", e.target.checked)} />
            Keep stdin open (interactive)
          </label>
        </div>
        <RowsSection title="More networks" hint="Networks the container joins besides its first one, by name." addLabel="Add network" onAdd={() => set("networks", [...v.networks, ""])}>
          {v.networks.map((row, i) => (
            <div key={i}>
              <div className="flex gap-2">
                <Input aria-label={`More network ${i + 1}`} value={row} onChange={(e) => setNetwork(i, e.target.value)} invalid={!!errors[`networks.${i}`]} aria-describedby={errors[`networks.${i}`] ? errorId(`networks.${i}`) : undefined} />
                <RemoveRowButton label={`Remove network ${i + 1}`} onClick={() => removeNetwork(i)} />
              </div>
              <RowError errors={errors} field={`networks.${i}`} />
            </div>
          ))}
        </RowsSection>
        <fieldset className="space-y-4 rounded-lg border border-slate-200 p-4 dark:border-slate-800">
          <legend className="px-1 text-sm font-semibold">Healthcheck</legend>
          {text("healthCmd", "run-health-cmd", "Health command", "optional; empty keeps the image's healthcheck", { mono: true })}
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={v.healthShell} onChange={(e) => set("healthShell", e.target.checked)} />
            Run it through the shell (CMD-SHELL); unticked, it is split into arguments and run as is (CMD)
          </label>
          <div className="grid grid-cols-2 gap-4 sm:grid-cols-4">
            {text("healthInterval", "run-health-interval", "Interval (s)", "30 when empty", { inputMode: "decimal" })}
            {text("healthTimeout", "run-health-timeout", "Timeout (s)", "30 when empty", { inputMode: "decimal" })}
            {text("healthStartPeriod", "run-health-start", "Start period (s)", "0 when empty", { inputMode: "decimal" })}
            {text("healthRetries", "run-health-retries", "Retries", "3 when empty", { inputMode: "numeric" })}
          </div>
        </fieldset>
      </div>
    </details>
  );
}
