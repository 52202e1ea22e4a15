// The pod-template-hash a Deployment gives each ReplicaSet it makes (its name is `<deployment>-<hash>`, its pods carry
// the hash as a label): FNV-1a (32 bit) over the template and the Deployment's collisionCount, written with the
// consonants-and-digits alphabet kube uses so it never spells a word (controller.ComputeHash). kube hashes Go's dump of
// the template; this hashes its canonical JSON — stable for one template, as the controller needs.
import { canonicalJson } from "@/lib/k8s/canonical";
import type { PodTemplateSpec } from "./objects";

export const POD_TEMPLATE_HASH = "pod-template-hash";
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** kube's rand.SafeEncodeString: each character mapped into the alphabet. */
export function safeEncode(s: string): string {
  let out = "";
  for (const ch of Buffer.from(s)) out += ALPHANUMS[ch % ALPHANUMS.length];
  return out;
}

export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(Buffer.from(canonicalJson(template ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    const le = Buffer.alloc(4);
    le.writeUInt32LE(collisionCount >>> 0);
    h = fnv32a(le, h);
  }
  return safeEncode(String(h));
}

/** Drops null, empty maps and empty lists, as apimachinery's semantic equality does not tell them from missing ones. */
function semantic(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(semantic) : undefined;
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const s = semantic(x);
      if (s !== undefined) out[k] = s;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v === null ? undefined : v;
}

/** Two templates are the same but for their pod-template-hash label (kube's EqualIgnoreHash). */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  const strip = (t: PodTemplateSpec | undefined) => {
    const c = structuredClone(t ?? {});
    if (c.metadata?.labels) delete c.metadata.labels[POD_TEMPLATE_HASH];
    return canonicalJson(semantic(c) ?? {});
  };
  return strip(a) === strip(b);
}
