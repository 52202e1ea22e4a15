// Request bodies, query strings and path segments are validated once, here, with zod. Oversized → 413, not JSON →
// 400, a body or query of the wrong shape → 422 naming the fields, a path segment that is no valid id → 400 naming it.
// No field may hold U+0000: PostgreSQL cannot store it in text, and no name, path or command means anything with it
// (a 4xx naming the field, instead of a failed query).
import { z } from "zod";
import { GantryError, badRequest, unprocessable } from "@/lib/errors";

export const MAX_JSON_BYTES = 64 * 1024;

export function zodDetails(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

export function parseWith<T extends z.ZodType>(schema: T, value: unknown, what = "request body"): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const details = zodDetails(r.error);
    const first = details[0];
    throw unprocessable(`invalid ${what}${first ? `: ${first.path || "(root)"}: ${first.message}` : ""}`, details);
  }
  const nul = pathWithNul(r.data);
  if (nul !== null) throw unprocessable(`invalid ${what}: ${nul}: must not contain NUL (\\u0000) characters`, [{ path: nul, message: "must not contain NUL characters" }]);
  return r.data;
}

/** A path segment ({id} in /hosts/{id}): one that does not parse is a malformed URL, a 400 naming the segment. */
export function parseParam<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw badRequest(`invalid ${what}: ${r.error.issues[0]?.message ?? "not valid"}`, zodDetails(r.error));
  if (pathWithNul(r.data) !== null) throw badRequest(`invalid ${what}: must not contain NUL (\\u0000) characters`);
  return r.data;
}

/** Where the first string or key holding U+0000 is ("" for the value itself), or null. Iterative: nesting is unbounded. */
function pathWithNul(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, ""]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === "string") {
      if (v.includes("\u0000")) return path || "(root)";
    } else if (v !== null && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        const at = path ? `${path}.${k}` : k;
        if (k.includes("\u0000")) return at.replace(/\u0000/g, "\\u0000");
        stack.push([child, at]);
      }
    }
  }
  return null;
}

export async function parseJson<T extends z.ZodType>(req: Request, schema: T, maxBytes = MAX_JSON_BYTES): Promise<z.infer<T>> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new GantryError("unsupported_media_type", "send the body as JSON (Content-Type: application/json)");
  }
  const text = await readBodyLimited(req, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw badRequest(`request body is not valid JSON: ${(e as Error).message}`);
  }
  return parseWith(schema, value);
}

/** The body as text, refused with 413 as soon as it (or its declared length) passes maxBytes. */
export async function readBodyLimited(req: Request, maxBytes: number): Promise<string> {
  if (Number(req.headers.get("content-length") ?? "0") > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const tooLarge = (n: number) => new GantryError("payload_too_large", `request body is larger than ${n} bytes`);

export function parseQuery<T extends z.ZodType>(req: Request, schema: T): z.infer<T> {
  const params = Object.fromEntries(new URL(req.url).searchParams);
  return parseWith(schema, params, "query string");
}
