// An object as a person compares it: what the server keeps for its own bookkeeping — managedFields, resourceVersion,
// generation, uid, creationTimestamp, selfLink, the status the controllers write, kubectl's last-applied annotation —
// is taken out, so a diff between the live object and a dry run's result (or an edited text) shows only what the user
// changes. An object whose annotations or metadata become empty loses the empty map too.
import { stringify } from "yaml";

const METADATA_NOISE = ["managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink"] as const;
const ANNOTATION_NOISE = ["kubectl.kubernetes.io/last-applied-configuration"] as const;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** A copy of `obj` without the server's bookkeeping (the input is not changed). */
export function stripNoise<T>(obj: T): T {
  if (!isObject(obj)) return obj;
  const out: Record<string, unknown> = structuredClone(obj);
  delete out.status;
  if (isObject(out.metadata)) {
    const meta = out.metadata;
    for (const k of METADATA_NOISE) delete meta[k];
    if (isObject(meta.annotations)) {
      for (const k of ANNOTATION_NOISE) delete meta.annotations[k];
      if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
    }
  }
  return out as T;
}

/** The YAML a person reads for an object (keys in the server's order, long strings not folded). */
export function toYaml(obj: unknown): string {
  return stringify(obj, { lineWidth: 0, aliasDuplicateObjects: false });
}

export type ChangeOutcome = "created" | "changed" | "unchanged";

/** What applying did (or would do) to an object: `before` is the live object (null when there was none). */
export function changeOutcome(before: unknown, after: unknown): ChangeOutcome {
  if (before === null || before === undefined) return "created";
  return toYaml(canonical(stripNoise(before))) === toYaml(canonical(stripNoise(after))) ? "unchanged" : "changed";
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
}
