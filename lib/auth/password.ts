// Password hashing: argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane). One dummy hash, made once,
// lets sign-in spend the same time on an unknown email as on a known one.
import { hash, verify, type Algorithm } from "@node-rs/argon2";
import { randomBytes } from "node:crypto";

// `Algorithm` is an ambient const enum (unusable under isolatedModules); 2 is its Argon2id member.
const ARGON2ID = 2 as Algorithm;
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash never signs anyone in
  }
}

// Made when this module loads (the first sign-in request), so even the first unknown email costs one verification.
const dummy: Promise<string> = hashPassword(randomBytes(16).toString("hex"));

/** Spends the time a real verification would, for an email no account has. Always false. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(await dummy, password);
  return false;
}
