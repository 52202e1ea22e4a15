// Kubernetes resource quantities ("500m", "1.5", "128Mi", "1e3", "2G") read as numbers: CPU in millicores, everything
// else in whole units (bytes for memory), rounded up as the scheduler rounds them (resource.Quantity's MilliValue and
// Value round toward +infinity).
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** The quantity's value as a float; throws on text that is no quantity (the API refused such objects already). */
export function quantityValue(q: string | number | undefined): number {
  if (q === undefined) return 0;
  if (typeof q === "number") return q;
  const m = QUANTITY.exec(q.trim());
  if (!m) throw new Error(`not a quantity: ${JSON.stringify(q)}`);
  const n = Number(m[1]);
  const suffix = m[2] ?? "";
  if (suffix in BINARY) return n * BINARY[suffix]!;
  if (suffix in DECIMAL) return n * DECIMAL[suffix]!;
  return n * 10 ** Number(suffix.slice(1));
}

/** Millicores ("250m" → 250, "2" → 2000). */
export function milliValue(q: string | number | undefined): number {
  return Math.ceil(Math.round(quantityValue(q) * 1000 * 1e6) / 1e6);
}

/** Whole units, rounded up ("128Mi" → 134217728, "1.5" → 2). */
export function wholeValue(q: string | number | undefined): number {
  return Math.ceil(Math.round(quantityValue(q) * 1e6) / 1e6);
}
