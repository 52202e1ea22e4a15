// Resource quantities as whole numbers for the scheduler: CPU in millicores, everything else in whole units (bytes for
// memory), rounded up as resource.Quantity's MilliValue and Value round (toward +infinity). Parsing is the API's own
// (lib/k8s/quantity.ts); the API refused objects whose quantities do not parse.
import { parseQuantity } from "@/lib/k8s/quantity";

function valueOf(q: string | number | undefined): number {
  if (q === undefined) return 0;
  const v = parseQuantity(q);
  if (v === null) throw new Error(`not a quantity: ${JSON.stringify(q)}`);
  return v;
}

/** Millicores ("250m" → 250, "2" → 2000). */
export function milliValue(q: string | number | undefined): number {
  return Math.ceil(Math.round(valueOf(q) * 1000 * 1e6) / 1e6);
}

/** Whole units, rounded up ("128Mi" → 134217728, "1.5" → 2). */
export function wholeValue(q: string | number | undefined): number {
  return Math.ceil(Math.round(valueOf(q) * 1e6) / 1e6);
}
