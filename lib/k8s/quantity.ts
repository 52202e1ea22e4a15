// Resource quantities ("100m", "1.5", "512Mi", "1e3", "2G"), as Kubernetes' resource.Quantity reads them: a decimal
// number, then a binary suffix (Ki … Ei), a decimal one (n u m "" k M G T P E) or an exponent (e3, E-2). Parsed to a
// number of base units (cores, bytes) for comparisons (requests ≤ limits, a pod's fit on a node).

export const QUANTITY_PATTERN = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";
export const QUANTITY_MESSAGE = `quantities must match the regular expression '${QUANTITY_PATTERN}'`;

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The value in base units, or null when the text is not a quantity. */
export function parseQuantity(q: string | number): number | null {
  if (typeof q === "number") return Number.isFinite(q) ? q : null;
  const m = /^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))(.*)$/.exec(q.trim() === q ? q : "");
  if (!m) return null;
  const n = Number(m[1]);
  if (!Number.isFinite(n)) return null;
  const suffix = m[2]!;
  if (suffix in BINARY) return n * BINARY[suffix]!;
  if (suffix in DECIMAL) return n * DECIMAL[suffix]!;
  const e = /^[eE]([-+]?[0-9]+)$/.exec(suffix);
  if (e) return n * 10 ** Number(e[1]);
  return null;
}

/** A quantity sent as a JSON number, written as Kubernetes serializes it ("1", "0.5" → "500m"). */
export function quantityString(q: string | number): string {
  if (typeof q === "string") return q;
  if (Number.isInteger(q)) return String(q);
  const milli = q * 1000;
  return Number.isInteger(milli) ? `${milli}m` : String(q);
}
