// Random inputs for the fuzz pass (test/api/fuzz.test.ts): a seeded PRNG (so a failure reproduces from the printed
// seed), hostile values of every JSON type, and values shaped after a zod schema — mostly right, sometimes one field
// wrong — so that input gets past the boundary's parsing often enough for the handlers behind it to run.
import type { z } from "zod";

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800", // a lone surrogate
  "💥🐳",
  "\u202e\u0645\u0631\u062d\u0628\u0627",
  "../../../../etc/passwd",
  "%00%2e%2e%2f",
  "' OR 1=1 --",
  "<script>alert(1)</script>",
  "${jndi:ldap://127.0.0.1/x}",
  "$(id)",
  "`id`",
  "\r\nSet-Cookie: x=y",
  "null",
  "true",
  "-1",
  "0",
  "1e309",
  "NaN",
  "9999999999",
  "99999999999999999999",
  "2147483648",
  "1.5",
  "0x10",
  "__proto__",
  "constructor",
  "all",
  "busybox",
  "busybox:latest",
  "127.0.0.1:1/x:y",
  "a".repeat(257),
  "SIGKILL",
  "2026-01-01T00:00:00Z",
];

const NASTY_NUMBERS = [0, -0, -1, 1, 2, 1.5, -1.5, 2147483647, 2147483648, -2147483649, 9007199254740993, 1e21, 1e308, -1e308, 5e-324, 3600, 3601, 65535, 65536];

/** A string: from the hostile list, random characters of any plane, or (when `big`) long. */
export function randomString(rng: Rng, maxLength = 64, big = true): string {
  const r = big ? rng.next() : rng.next() * 0.9;
  if (r < 0.45) return rng.pick(NASTY_STRINGS);
  if (r < 0.9) {
    let s = "";
    const n = rng.int(0, maxLength);
    for (let i = 0; i < n; i++) s += String.fromCodePoint(rng.chance(0.8) ? rng.int(0x20, 0x7e) : rng.int(0, 0x10ffff) & ~0x800 /* no surrogates */);
    return s;
  }
  return rng.pick(["x", "é", "\u0000", "💥"]).repeat(rng.int(1000, 70_000));
}

/** Any JSON value (objects and arrays nested at most `depth` deep; only the outermost level may be large). */
export function randomJson(rng: Rng, depth = 3, big = true): unknown {
  const r = rng.int(0, depth > 0 ? 7 : 4);
  switch (r) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.chance(0.6) ? rng.pick(NASTY_NUMBERS) : (rng.next() - 0.5) * 10 ** rng.int(0, 20);
    case 3:
    case 4:
      return randomString(rng, 64, big);
    case 5:
      return big && rng.chance(0.05)
        ? Array.from({ length: rng.int(1000, 5000) }, () => randomJson(rng, 0, false))
        : Array.from({ length: rng.int(0, 5) }, () => randomJson(rng, depth - 1, false));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(0, 5); i > 0; i--) o[rng.chance(0.3) ? rng.pick(["__proto__", "constructor", "toString", "id", "name"]) : randomString(rng, 12, false)] = randomJson(rng, depth - 1, false);
      return o;
    }
  }
}

type Def = { type: string; [k: string]: unknown };
const defOf = (s: unknown) => (s as { _zod: { def: Def } })._zod.def;

/**
 * A value shaped after `schema`: every field of an object present or not, of the right kind most of the time; with
 * probability `wrong` any value is replaced by a random one instead. Unknown zod kinds give random JSON.
 */
export function shapedLike(schema: z.ZodType | undefined, rng: Rng, wrong = 0.15, depth = 4): unknown {
  if (!schema || depth < 0 || rng.chance(wrong)) return randomJson(rng, 2, false);
  const def = defOf(schema);
  switch (def.type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(def.shape as Record<string, z.ZodType>)) {
        const optional = ["optional", "default"].includes(defOf(field).type);
        if (optional && rng.chance(0.5)) continue;
        out[key] = shapedLike(field, rng, wrong, depth - 1);
      }
      if (rng.chance(wrong / 2)) out[randomString(rng, 10, false) || "extra"] = randomJson(rng, 1, false);
      return out;
    }
    case "optional":
    case "nullable":
    case "default":
    case "readonly":
    case "catch":
    case "nonoptional":
      return rng.chance(0.05) ? (def.type === "nullable" ? null : undefined) : shapedLike(def.innerType as z.ZodType, rng, wrong, depth);
    case "pipe":
      return shapedLike(def.in as z.ZodType, rng, wrong, depth);
    case "union":
      return shapedLike(rng.pick(def.options as z.ZodType[]), rng, wrong, depth);
    case "enum":
      return rng.pick(Object.values(def.entries as Record<string, string>));
    case "literal":
      return rng.pick(def.values as unknown[]);
    case "array":
      return Array.from({ length: rng.int(0, 4) }, () => shapedLike(def.element as z.ZodType, rng, wrong, depth - 1));
    case "record": {
      const out: Record<string, unknown> = {};
      for (let i = rng.int(0, 3); i > 0; i--) out[randomString(rng, 16, false) || "k"] = shapedLike(def.valueType as z.ZodType, rng, wrong, depth - 1);
      return out;
    }
    case "string":
      // One string in a request may be long: its length tests the schema's max, and a handler's memory.
      return rng.chance(0.3) ? `fuzz-${rng.int(0, 1e6)}` : randomString(rng, 64, depth >= 3);
    case "number":
    case "int":
      return rng.chance(0.5) ? rng.int(0, 100) : rng.pick(NASTY_NUMBERS);
    case "boolean":
      return rng.chance(0.5);
    default:
      return randomJson(rng, 2, false);
  }
}

/** A query string's values shaped after `schema` (query values are strings; some keys are repeated or unknown). */
export function queryLike(schema: z.ZodType | undefined, rng: Rng): URLSearchParams {
  const q = new URLSearchParams();
  const shaped = schema ? shapedLike(schema, rng, 0.2) : randomJson(rng, 1, false);
  if (shaped && typeof shaped === "object" && !Array.isArray(shaped)) {
    for (const [k, v] of Object.entries(shaped)) {
      if (v === undefined) continue;
      q.append(k, typeof v === "string" ? v : JSON.stringify(v));
      if (rng.chance(0.05)) q.append(k, randomString(rng, 8, false));
    }
  }
  if (rng.chance(0.1)) q.append(randomString(rng, 8, false) || "x", randomString(rng, 16, false));
  return q;
}
