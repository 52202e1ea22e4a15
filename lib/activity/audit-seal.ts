// How one activity row is sealed into the audit chain, pure (no database): the fields a seal covers, their canonical
// encoding (JSON with keys sorted at every depth), the row's hash — sha256 over the previous row's hash, a newline and
// that encoding — and a short digest per field, so a verifier can name the field that changed. An intent (a mutation
// written before it runs) is sealed as written: outcome "pending" and no details.summary; what it later becomes is in
// its outcome rows, and lib/activity/verify-audit-chain.ts checks the intent's view against them.
import { createHash } from "node:crypto";

export const GENESIS_HASH = "0".repeat(64);

/** The row as stored, as far as the seal is concerned. */
export interface SealableRow {
  id: number;
  seq: number | null;
  at: Date;
  userId: string | null;
  userEmail: string | null;
  tokenId: string | null;
  action: string;
  target: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  details: unknown;
  completes: number | null;
}

export const SEALED_FIELDS = ["id", "seq", "at", "userId", "userEmail", "tokenId", "action", "target", "outcome", "ip", "userAgent", "details", "completes"] as const;
export type SealedField = (typeof SEALED_FIELDS)[number];

/** JSON with object keys sorted at every depth; undefined (as in JSON) dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The values a seal covers. `asWritten` turns an intent's view back into what was written. */
export function sealedValues(row: SealableRow, asWritten?: { outcome: string }): Record<SealedField, unknown> {
  let details = row.details ?? null;
  let outcome = row.outcome;
  if (asWritten) {
    outcome = asWritten.outcome;
    if (details && typeof details === "object" && !Array.isArray(details) && "summary" in details) {
      const { summary: _summary, ...rest } = details as Record<string, unknown>;
      details = rest;
    }
  }
  return {
    id: row.id,
    seq: row.seq,
    at: row.at.toISOString(),
    userId: row.userId,
    userEmail: row.userEmail,
    tokenId: row.tokenId,
    action: row.action,
    target: row.target,
    outcome,
    ip: row.ip,
    userAgent: row.userAgent,
    details,
    completes: row.completes,
  };
}

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

export function rowHash(prevHash: string, values: Record<SealedField, unknown>): string {
  return sha256(`${prevHash}\n${canonicalJson(values)}`);
}

/** A 16-hex-digit digest of each field: not the proof (the hash is), only what tells which field changed. */
export function fieldDigests(values: Record<SealedField, unknown>): Record<SealedField, string> {
  return Object.fromEntries(SEALED_FIELDS.map((f) => [f, sha256(canonicalJson(values[f])).slice(0, 16)])) as Record<SealedField, string>;
}
