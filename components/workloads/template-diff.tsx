// Two revisions' pod templates compared: unified hunks with each line's number on both sides, removed lines red,
// added lines green (and marked - / + so colour is not the only signal).
import { unifiedHunks } from "@/lib/workloads/line-diff";

export function TemplateDiff({ before, after, beforeLabel, afterLabel }: { before: string; after: string; beforeLabel: string; afterLabel: string }) {
  const hunks = unifiedHunks(before, after, 3);
  if (hunks.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="template-diff-same">The two templates are the same.</p>;
  return (
    <div data-testid="template-diff" className="overflow-auto rounded-md border border-slate-200 font-mono text-xs dark:border-slate-800">
      <p className="border-b border-slate-200 bg-slate-50 px-3 py-1 text-slate-600 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-400">
        <span className="text-red-700 dark:text-red-400">--- {beforeLabel}</span> <span className="ml-4 text-emerald-700 dark:text-emerald-400">+++ {afterLabel}</span>
      </p>
      <table className="w-full border-collapse">
        <tbody>
          {hunks.map((h, hi) => [
            <tr key={`h${hi}`} className="bg-sky-50 text-sky-800 dark:bg-sky-950 dark:text-sky-300">
              <td colSpan={3} className="px-3 py-0.5">
                @@ -{h.oldStart},{h.oldLines} +{h.newStart},{h.newLines} @@
              </td>
            </tr>,
            ...h.lines.map((l, li) => (
              <tr
                key={`${hi}-${li}`}
                data-testid="diff-line"
                data-op={l.op}
                className={l.op === "add" ? "bg-emerald-50 dark:bg-emerald-950/60" : l.op === "del" ? "bg-red-50 dark:bg-red-950/60" : ""}
              >
                <td className="w-10 select-none px-2 text-right text-slate-400">{l.oldNo ?? ""}</td>
                <td className="w-10 select-none px-2 text-right text-slate-400">{l.newNo ?? ""}</td>
                <td className="whitespace-pre px-2">
                  <span aria-hidden className="select-none">{l.op === "add" ? "+" : l.op === "del" ? "-" : " "}</span>
                  <span className="sr-only">{l.op === "add" ? "added: " : l.op === "del" ? "removed: " : ""}</span>
                  {l.text}
                </td>
              </tr>
            )),
          ])}
        </tbody>
      </table>
    </div>
  );
}
