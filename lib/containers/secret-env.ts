// Which environment variables hold secrets: those whose name looks like it (DB_PASSWORD, API_TOKEN), and those whose
// value does whatever the name (a URL with a password in it, a private key, a token of a well-known kind: a
// DATABASE_URL=postgres://app:hunter2@db/app was handed to every viewer). Those allowed to read a container's
// output (containers.logs — what an application prints can carry the same secrets) get the values, and pages mask
// them until asked, to keep them off screens and screenshots; everyone else gets WITHHELD in their place, from the
// server (lib/containers/inspect-container.ts), so no transport hands them out.
export const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL|PASS|PRIVATE|AUTH/i;

/** Values that are secrets whatever their variable is called. */
const SECRET_VALUE = [
  /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i, // a URL with user:password@
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/, // PEM private keys
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}|\bglpat-[A-Za-z0-9_-]{20,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|\b[sr]k_live_[A-Za-z0-9]{16,}|\bAKIA[0-9A-Z]{16}\b|\bga[tj]_[A-Za-z0-9_-]{20,}/,
];

/** Whether an env variable is a secret: by its name, or by its value. */
export function isSecretEnv(name: string, value: string): boolean {
  return SECRET_NAME.test(name) || SECRET_VALUE.some((re) => re.test(value));
}

/** What a secret-looking value is replaced with for those who may not read it. */
export const WITHHELD = "<withheld: reading it needs containers.logs>";

export interface EnvEntry {
  name: string;
  value: string;
  secret: boolean;
  /** The server withheld the value (the reader may not see it): there is nothing to reveal. */
  withheld: boolean;
}

/** Splits Docker's `Config.Env` ("NAME=value", a bare "NAME" has no value) into entries, secret-looking ones marked. */
export function envEntries(env: readonly string[] | null | undefined): EnvEntry[] {
  return (env ?? []).map((line) => {
    const eq = line.indexOf("=");
    const name = eq < 0 ? line : line.slice(0, eq);
    const value = eq < 0 ? "" : line.slice(eq + 1);
    return { name, value, secret: value === WITHHELD || isSecretEnv(name, value), withheld: value === WITHHELD };
  });
}

/** `Config.Env` with every secret-looking value (a bare NAME has none) replaced by WITHHELD (or `replacement`). */
export function withholdSecretEnv(env: readonly string[], replacement = WITHHELD): string[] {
  return env.map((line) => {
    const eq = line.indexOf("=");
    return eq >= 0 && isSecretEnv(line.slice(0, eq), line.slice(eq + 1)) ? `${line.slice(0, eq)}=${replacement}` : line;
  });
}

/** An inspect result (Docker's shape) with its secret-looking env values withheld (or shown as `replacement`, as the
 * page's raw JSON masks them); anything else passes as is. */
export function withholdInspectSecrets<T>(inspect: T, replacement = WITHHELD): T {
  const config = (inspect as { Config?: { Env?: unknown } } | null)?.Config;
  if (!config || !Array.isArray(config.Env)) return inspect;
  const env = config.Env.filter((l): l is string => typeof l === "string");
  return { ...inspect, Config: { ...config, Env: withholdSecretEnv(env, replacement) } };
}
