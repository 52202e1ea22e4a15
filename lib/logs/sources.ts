// Which containers a logs viewer shows: the `c` parameters of /logs, each "{hostId}:{container id or name}".
import { parseHostId } from "@/lib/hosts/host-id";
export interface LogSource {
  hostId: number;
  /** The container's id or name, as given. */
  container: string;
}

export const MAX_SOURCES = 16;

/** The container names' colours, one per source in turn (readable on the viewer's dark background). */
export const SOURCE_COLOURS = ["#38bdf8", "#f472b6", "#a3e635", "#fbbf24", "#c084fc", "#2dd4bf", "#fb923c", "#818cf8"] as const;

export const sourceColour = (index: number) => SOURCE_COLOURS[index % SOURCE_COLOURS.length];

export const sourceKey = (s: LogSource) => `${s.hostId}:${s.container}`;

/** Parses the `c` values; bad ones are reported by value (and skipped), duplicates kept once, at most MAX_SOURCES. */
export function parseSources(values: string[]): { sources: LogSource[]; errors: string[] } {
  const sources: LogSource[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const v of values) {
    const m = /^([1-9][0-9]{0,9}):([A-Za-z0-9][A-Za-z0-9_.-]{0,254})$/.exec(v);
    if (!m || parseHostId(m[1]) === null) {
      errors.push(`"${v.slice(0, 80)}" is not {hostId}:{container}`);
      continue;
    }
    const s = { hostId: Number(m[1]), container: m[2] };
    if (seen.has(sourceKey(s))) continue;
    if (sources.length >= MAX_SOURCES) {
      errors.push(`at most ${MAX_SOURCES} containers at once: ${v} left out`);
      continue;
    }
    seen.add(sourceKey(s));
    sources.push(s);
  }
  return { sources, errors };
}
