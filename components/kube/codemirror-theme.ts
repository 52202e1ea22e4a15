"use client";
// The colours of the dashboard's CodeMirror views (the YAML editor, the diff): one set for light and one for dark,
// following the system's colour scheme as the rest of the dashboard does (Tailwind's `dark:` is prefers-color-scheme),
// switched live through a Compartment when the scheme changes.
import { Compartment, type Extension } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";

const lightHighlight = HighlightStyle.define([
  { tag: [t.propertyName, t.definition(t.propertyName)], color: "#1d4ed8" },
  { tag: [t.string, t.special(t.string), t.content], color: "#047857" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "#b45309" },
  { tag: [t.comment, t.lineComment], color: "#64748b", fontStyle: "italic" },
  { tag: [t.meta, t.keyword, t.labelName, t.typeName], color: "#7c3aed" },
  { tag: [t.separator, t.punctuation, t.squareBracket, t.brace], color: "#475569" },
  { tag: t.invalid, color: "#dc2626" },
]);

const darkHighlight = HighlightStyle.define([
  { tag: [t.propertyName, t.definition(t.propertyName)], color: "#93c5fd" },
  { tag: [t.string, t.special(t.string), t.content], color: "#6ee7b7" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "#fcd34d" },
  { tag: [t.comment, t.lineComment], color: "#94a3b8", fontStyle: "italic" },
  { tag: [t.meta, t.keyword, t.labelName, t.typeName], color: "#c4b5fd" },
  { tag: [t.separator, t.punctuation, t.squareBracket, t.brace], color: "#cbd5e1" },
  { tag: t.invalid, color: "#f87171" },
]);

const common = {
  "&": { fontSize: "13px" },
  ".cm-content": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" },
  ".cm-gutters": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" },
  "&.cm-focused": { outline: "2px solid #6366f1", outlineOffset: "1px" },
};

const light = [
  EditorView.theme({
    ...common,
    "&": { ...common["&"], backgroundColor: "#ffffff", color: "#0f172a" },
    ".cm-gutters": { ...common[".cm-gutters"], backgroundColor: "#f8fafc", color: "#64748b", borderRight: "1px solid #e2e8f0" },
    ".cm-activeLine": { backgroundColor: "#f1f5f9" },
    ".cm-activeLineGutter": { backgroundColor: "#e2e8f0" },
    ".cm-gantry-error-line": { backgroundColor: "#fef2f2" },
    ".cm-gantry-error-message": { color: "#b91c1c", backgroundColor: "#fee2e2", borderLeft: "3px solid #dc2626" },
    ".cm-gantry-error-gutter": { color: "#dc2626" },
  }),
  syntaxHighlighting(lightHighlight),
];

const dark = [
  EditorView.theme(
    {
      ...common,
      "&": { ...common["&"], backgroundColor: "#0f172a", color: "#e2e8f0" },
      ".cm-gutters": { ...common[".cm-gutters"], backgroundColor: "#1e293b", color: "#94a3b8", borderRight: "1px solid #334155" },
      ".cm-cursor, .cm-dropCursor": { borderLeftColor: "#e2e8f0" },
      ".cm-activeLine": { backgroundColor: "#1e293b" },
      ".cm-activeLineGutter": { backgroundColor: "#334155" },
      "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground": { backgroundColor: "#334155" },
      ".cm-gantry-error-line": { backgroundColor: "#450a0a" },
      ".cm-gantry-error-message": { color: "#fecaca", backgroundColor: "#7f1d1d", borderLeft: "3px solid #f87171" },
      ".cm-gantry-error-gutter": { color: "#f87171" },
      ".cm-panels": { backgroundColor: "#1e293b", color: "#e2e8f0" },
      ".cm-tooltip": { backgroundColor: "#1e293b", color: "#e2e8f0", border: "1px solid #334155" },
    },
    { dark: true },
  ),
  syntaxHighlighting(darkHighlight),
];

const DARK_QUERY = "(prefers-color-scheme: dark)";

export function prefersDark(): boolean {
  return typeof window !== "undefined" && !!window.matchMedia?.(DARK_QUERY).matches;
}

/** The colours for a scheme. */
export function schemeTheme(dark: boolean): Extension {
  return dark ? darkTheme : lightTheme;
}
const lightTheme: Extension = light;
const darkTheme: Extension = dark;

/**
 * A compartment holding the current scheme's colours, and a function that keeps the given views in step with the
 * system's scheme until called again (its return value stops following).
 */
export function followScheme(views: () => EditorView[]): { compartment: Compartment; initial: Extension; stop(): void } {
  const compartment = new Compartment();
  const media = typeof window !== "undefined" ? window.matchMedia?.(DARK_QUERY) : undefined;
  const onChange = () => {
    for (const v of views()) v.dispatch({ effects: compartment.reconfigure(schemeTheme(!!media?.matches)) });
  };
  media?.addEventListener("change", onChange);
  return { compartment, initial: compartment.of(schemeTheme(!!media?.matches)), stop: () => media?.removeEventListener("change", onChange) };
}
