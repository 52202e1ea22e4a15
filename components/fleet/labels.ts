// Labels typed as text, one KEY=VALUE a line (a line without "=" is a key with an empty value), into the object the
// API takes; the first bad line is named.
export function parseLabelLines(text: string): { labels: Record<string, string>; error: string | null } {
  const labels: Record<string, string> = {};
  const lines = text.split("\n").map((l) => l.trim());
  for (const [i, line] of lines.entries()) {
    if (!line) continue;
    const eq = line.indexOf("=");
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    if (!key) return { labels, error: `line ${i + 1}: a label needs a key before "="` };
    if (key in labels) return { labels, error: `line ${i + 1}: the label ${key} is given twice` };
    labels[key] = eq < 0 ? "" : line.slice(eq + 1).trim();
  }
  return { labels, error: null };
}

/** "k=v, k2=v2" for a table cell. */
export function formatLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => (v ? `${k}=${v}` : k))
    .join(", ");
}
