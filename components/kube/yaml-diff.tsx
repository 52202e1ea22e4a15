"use client";
// Two versions of an object side by side (CodeMirror's merge view): `before` on the left (what runs, or nothing for a
// new object), `after` on the right (what the dry run says it becomes), changed lines marked and long unchanged
// stretches folded away. Read-only; colours follow the system's scheme.
import { useEffect, useRef } from "react";
import { MergeView } from "@codemirror/merge";
import { yaml } from "@codemirror/lang-yaml";
import { EditorState } from "@codemirror/state";
import { EditorView, lineNumbers } from "@codemirror/view";
import { followScheme } from "./codemirror-theme";

export function YamlDiff({ before, after, beforeLabel, afterLabel, label }: { before: string; after: string; beforeLabel: string; afterLabel: string; label: string }) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let merge: MergeView | null = null;
    const scheme = followScheme(() => (merge ? [merge.a, merge.b] : []));
    const side = (name: string) => [
      lineNumbers(),
      yaml(),
      scheme.initial,
      EditorState.readOnly.of(true),
      EditorView.editable.of(false),
      EditorView.contentAttributes.of({ "aria-label": name }),
    ];
    merge = new MergeView({
      a: { doc: before, extensions: side(`${label}: ${beforeLabel}`) },
      b: { doc: after, extensions: side(`${label}: ${afterLabel}`) },
      parent: host.current!,
      collapseUnchanged: { margin: 3, minSize: 6 },
      // A new object is all insertion: marking every character of it says nothing.
      highlightChanges: before !== "",
      gutter: true,
    });
    return () => {
      scheme.stop();
      merge?.destroy();
    };
  }, [before, after, beforeLabel, afterLabel, label]);

  return (
    <figure className="space-y-1" aria-label={label}>
      <figcaption className="grid grid-cols-2 gap-2 text-xs font-medium text-slate-600 dark:text-slate-400">
        <span>{beforeLabel}</span>
        <span>{afterLabel}</span>
      </figcaption>
      <div ref={host} className="max-h-[28rem] overflow-auto rounded-md border border-slate-300 text-[13px] dark:border-slate-700" />
    </figure>
  );
}
