// A host id as it arrives in text (a path segment, a query parameter, a logs source): a positive whole number that
// fits Host.id, a Postgres integer. Parsed here once, so an id past 2^31−1 is refused as bad input, never sent to the
// database (where it was a 500).
import { z } from "zod";

export const MAX_HOST_ID = 2_147_483_647;

const MESSAGE = `a host id is a whole number from 1 to ${MAX_HOST_ID}`;

/** For path segments and query strings: "42" → 42. */
export const hostIdText = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, MESSAGE)
  .transform(Number)
  .refine((n) => n <= MAX_HOST_ID, MESSAGE);

/** For numbers (JSON bodies, socket payloads) and coerced query values. */
export const hostIdNumber = z.coerce.number().int(MESSAGE).min(1, MESSAGE).max(MAX_HOST_ID, MESSAGE);

/** The host id in `text`, or null when it is not one. */
export function parseHostId(text: unknown): number | null {
  const r = hostIdText.safeParse(text);
  return r.success ? r.data : null;
}
