"use client";
// The dashboard's YAML editor: CodeMirror 6 with YAML highlighting, line numbers, folding, search, and error markers —
// each marker colours its line, puts a sign in the gutter and shows its message under the line, and moves with the
// text as the user types around it. Labelled for screen readers (the content is a textbox named by `label`); read-only
// for those who may only look. Light and dark follow the system's scheme.
import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";
import { basicSetup } from "codemirror";
import { yaml } from "@codemirror/lang-yaml";
import { EditorState, RangeSet, StateEffect, StateField, type Extension } from "@codemirror/state";
import { Decoration, EditorView, GutterMarker, WidgetType, gutter, type DecorationSet } from "@codemirror/view";
import { followScheme } from "./codemirror-theme";

export interface EditorMarker {
  /** 1-based line of the whole text. */
  line: number;
  message: string;
}

export interface YamlEditorHandle {
  /** Moves the cursor to the start of `line`, scrolls it into view and focuses the editor. */
  goToLine(line: number): void;
}

export interface YamlEditorProps {
  /** The id of the editable content (for <label htmlFor> and aria-describedby elsewhere). */
  id: string;
  /** The accessible name of the editor. */
  label: string;
  value: string;
  onChange?: (text: string) => void;
  readOnly?: boolean;
  markers?: EditorMarker[];
  /** CSS height of the editor (it scrolls inside). */
  height?: string;
  /** Ids of elements describing the editor (hints, the list of errors). */
  describedBy?: string;
}

class MessageWidget extends WidgetType {
  constructor(readonly message: string) {
    super();
  }
  eq(other: MessageWidget) {
    return other.message === this.message;
  }
  toDOM() {
    const el = document.createElement("div");
    el.className = "cm-gantry-error-message";
    el.setAttribute("role", "note");
    el.style.padding = "2px 8px";
    el.style.fontSize = "12px";
    el.style.whiteSpace = "pre-wrap";
    el.textContent = this.message;
    return el;
  }
  ignoreEvent() {
    return false;
  }
}

class ErrorSign extends GutterMarker {
  toDOM() {
    const el = document.createElement("span");
    el.textContent = "●";
    el.title = "error on this line";
    el.setAttribute("aria-hidden", "true");
    return el;
  }
}
const errorSign = new ErrorSign();

const setMarkers = StateEffect.define<EditorMarker[]>();

function buildMarkers(state: EditorState, markers: EditorMarker[]): { decorations: DecorationSet; signs: RangeSet<GutterMarker> } {
  const byLine = new Map<number, string[]>();
  for (const m of markers) {
    const line = Math.min(Math.max(1, m.line), state.doc.lines);
    byLine.set(line, [...(byLine.get(line) ?? []), m.message]);
  }
  const decos = [];
  const signs = [];
  for (const line of [...byLine.keys()].sort((a, b) => a - b)) {
    const l = state.doc.line(line);
    decos.push(Decoration.line({ class: "cm-gantry-error-line", attributes: { "data-error-line": String(line) } }).range(l.from));
    decos.push(Decoration.widget({ widget: new MessageWidget(byLine.get(line)!.map((m) => `Line ${line}: ${m}`).join("\n")), block: true, side: 1 }).range(l.to));
    signs.push(errorSign.range(l.from));
  }
  return { decorations: Decoration.set(decos, true), signs: RangeSet.of(signs, true) };
}

const markerField = StateField.define<{ decorations: DecorationSet; signs: RangeSet<GutterMarker> }>({
  create: () => ({ decorations: Decoration.none, signs: RangeSet.empty }),
  update(value, tr) {
    for (const e of tr.effects) if (e.is(setMarkers)) return buildMarkers(tr.state, e.value);
    return tr.docChanged ? { decorations: value.decorations.map(tr.changes), signs: value.signs.map(tr.changes) } : value;
  },
  provide: (f) => [
    EditorView.decorations.from(f, (v) => v.decorations),
    gutter({ class: "cm-gantry-error-gutter", markers: (view) => view.state.field(f).signs }),
  ],
});

export const YamlEditor = forwardRef<YamlEditorHandle, YamlEditorProps>(function YamlEditor(
  { id, label, value, onChange, readOnly = false, markers = [], height = "28rem", describedBy },
  ref,
) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const markersRef = useRef(markers);
  markersRef.current = markers;

  useEffect(() => {
    const scheme = followScheme(() => (view.current ? [view.current] : []));
    const extensions: Extension[] = [
      basicSetup,
      yaml(),
      markerField,
      scheme.initial,
      EditorState.readOnly.of(readOnly),
      EditorView.editable.of(!readOnly),
      EditorView.contentAttributes.of({
        id,
        "aria-label": label,
        ...(readOnly ? { "aria-readonly": "true" } : {}),
        ...(describedBy ? { "aria-describedby": describedBy } : {}),
      }),
      EditorView.theme({ "&": { height }, ".cm-scroller": { overflow: "auto" } }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) onChangeRef.current?.(u.state.doc.toString());
      }),
    ];
    const v = new EditorView({ parent: host.current!, state: EditorState.create({ doc: value, extensions }) });
    view.current = v;
    if (markersRef.current.length) v.dispatch({ effects: setMarkers.of(markersRef.current) });
    return () => {
      scheme.stop();
      v.destroy();
      view.current = null;
    };
    // The editor is made once per identity and mode; text and markers are pushed in by the effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, label, readOnly, height, describedBy]);

  // A new value from outside (a file read, a reload) replaces the text; the user's own typing comes back equal.
  useEffect(() => {
    const v = view.current;
    if (!v || v.state.doc.toString() === value) return;
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: setMarkers.of(markers) });
  }, [markers]);

  useImperativeHandle(ref, () => ({
    goToLine(line: number) {
      const v = view.current;
      if (!v) return;
      const l = v.state.doc.line(Math.min(Math.max(1, line), v.state.doc.lines));
      v.dispatch({ selection: { anchor: l.from }, effects: EditorView.scrollIntoView(l.from, { y: "center" }) });
      v.focus();
    },
  }));

  return <div ref={host} data-testid={`${id}-editor`} className="overflow-hidden rounded-md border border-slate-300 dark:border-slate-700" />;
});
