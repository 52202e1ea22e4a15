"use client";
// The problems of a YAML text, each with its line and a button that takes the editor there.
import type { LineProblem } from "@/components/kube/apply-manifests";

export function ProblemList({ id, title, problems, onGoTo }: { id: string; title: string; problems: LineProblem[]; onGoTo(line: number): void }) {
  return (
    <div id={id} role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
      <p className="font-medium">{title}</p>
      <ul className="mt-1 space-y-1">
        {problems.map((p, i) => (
          <li key={i} className="flex items-start gap-2">
            <button type="button" className="shrink-0 font-mono text-xs underline" onClick={() => onGoTo(p.line)}>
              Line {p.line}
            </button>
            <span>{p.message}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
