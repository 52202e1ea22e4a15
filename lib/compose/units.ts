// Compose's units in Kubernetes' terms: durations ("1m30s", "10s", "500ms") in whole seconds for probes and grace
// periods, CPUs ("0.5", 2) as a cpu quantity ("500m", "2"), byte sizes ("512m", "1g", "1.5gb", 1073741824; compose's
// units are binary) as a memory quantity ("512Mi", "1Gi"). Each returns null for a value it cannot read.
const DURATION_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

export function durationSeconds(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return Math.ceil(v);
  if (typeof v !== "string") return null;
  const s = v.trim();
  if (s === "0") return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    at = re.lastIndex;
  }
  if (at === 0 || at !== s.length) return null;
  return Math.ceil(total - 1e-9);
}

export function cpuQuantity(v: unknown): string | null {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) return null;
  const milli = Math.round(n * 1000);
  if (milli === 0) return null;
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

const BYTE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

export function memoryQuantity(v: unknown): string | null {
  let bytes: number;
  if (typeof v === "number") bytes = v;
  else if (typeof v === "string") {
    const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(v.trim());
    const unit = m ? BYTE_UNITS[m[2]!.toLowerCase()] : undefined;
    if (!m || unit === undefined) return null;
    bytes = Number(m[1]) * unit;
  } else return null;
  if (!Number.isFinite(bytes) || bytes <= 0) return null;
  bytes = Math.round(bytes);
  for (const [suffix, size] of [["Ti", 1024 ** 4], ["Gi", 1024 ** 3], ["Mi", 1024 ** 2], ["Ki", 1024]] as const) if (bytes % size === 0) return `${bytes / size}${suffix}`;
  return String(bytes);
}

/** A command given as one string, split as compose does (shell words: quotes and backslashes, no expansion). */
export function shellWords(s: string): string[] | null {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return null;
      cur += s.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === "\\" && j + 1 < s.length && '"\\$`'.includes(s[j + 1]!)) j++;
        cur += s[j];
      }
      if (j >= s.length) return null;
      i = j;
      inWord = true;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
