"use client";
// What a compose file becomes: every object with what deploying does to it (create, update, unchanged, delete, or the
// dry run's refusal naming the field) and its YAML; the keys left out, by path; the notes on what differs from compose.
import { stringify } from "yaml";
import { Badge, type BadgeTone } from "@/components/ui";
import type { StackPreview } from "@/lib/stacks/schemas";

const TONE: Record<string, BadgeTone> = { create: "success", update: "info", unchanged: "neutral", delete: "danger" };

export function StackPreviewView({ preview }: { preview: StackPreview }) {
  return (
    <section aria-label="Translation" className="space-y-4">
      <div>
        <h2 className="text-lg font-semibold">Objects</h2>
        <ul className="space-y-1" aria-label="Objects">
          {preview.objects.map((o) => (
            <li key={`${o.kind}/${o.name}`} aria-label={`${o.error ? "refused" : o.action} ${o.kind}/${o.name}`} className="rounded border border-slate-200 p-2 dark:border-slate-800">
              <details>
                <summary className="cursor-pointer text-sm">
                  <Badge tone={o.error ? "danger" : (TONE[o.action] ?? "neutral")}>{o.error ? "refused" : o.action}</Badge>{" "}
                  <span className="font-mono">
                    {o.kind}/{o.name}
                  </span>
                  {o.error && <span className="ml-2 text-red-700 dark:text-red-400">{[o.error.causes[0]?.field, o.error.causes[0]?.message ?? o.error.message].filter(Boolean).join(": ")}</span>}
                </summary>
                {o.object && <pre className="mt-2 overflow-x-auto bg-slate-50 p-2 text-xs dark:bg-slate-900">{stringify(o.object)}</pre>}
              </details>
            </li>
          ))}
        </ul>
      </div>
      <div>
        <h2 className="text-lg font-semibold">Not carried over</h2>
        {preview.unsupported.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">Every key of the file is translated.</p>
        ) : (
          <ul aria-label="Unsupported keys" className="list-disc pl-6 text-sm">
            {preview.unsupported.map((u, i) => (
              <li key={i}>
                <code>{u.path}</code>
                {u.reason ? ` — ${u.reason}` : " — not supported"}
              </li>
            ))}
          </ul>
        )}
      </div>
      {preview.notes.length > 0 && (
        <div>
          <h2 className="text-lg font-semibold">Notes</h2>
          <ul aria-label="Notes" className="list-disc pl-6 text-sm">
            {preview.notes.map((n, i) => (
              <li key={i}>
                <code>{n.path}</code>: {n.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
