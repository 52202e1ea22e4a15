"use client";
// Repeating rows of the run form (env, labels, ports, volumes): each input labelled "<what> N" for screen readers and
// tests, its error (if any) right under it, and add/remove buttons named after the row.
import type { ReactNode } from "react";
import { Button, FieldError } from "@/components/ui";

export const errorId = (key: string) => `run-error-${key.replace(/\./g, "-")}`;

export function RowError({ errors, field }: { errors: Record<string, string>; field: string }) {
  const message = errors[field];
  if (!message) return null;
  return (
    <div data-testid={`error-${field}`}>
      <FieldError id={errorId(field)} message={message} />
    </div>
  );
}

export function RowsSection({
  title,
  hint,
  addLabel,
  onAdd,
  children,
}: {
  title: string;
  hint?: string;
  addLabel: string;
  onAdd: () => void;
  children: ReactNode;
}) {
  return (
    <fieldset className="space-y-2 rounded-lg border border-slate-200 p-4 dark:border-slate-800">
      <legend className="px-1 text-sm font-semibold">{title}</legend>
      {hint && <p className="text-xs text-slate-500 dark:text-slate-400">{hint}</p>}
      {children}
      <Button size="sm" variant="secondary" onClick={onAdd}>
        {addLabel}
      </Button>
    </fieldset>
  );
}

export function RemoveRowButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <Button size="sm" variant="ghost" aria-label={label} title={label} onClick={onClick}>
      <span aria-hidden>✕</span>
    </Button>
  );
}
