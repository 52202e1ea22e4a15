// Which environment variables hold secrets: those whose name looks like it. Those allowed to read a container's
// output (containers.logs — what an application prints can carry the same secrets) get the values, and pages mask
// them until asked, to keep them off screens and screenshots; everyone else gets WITHHELD in their place, from the
// server (lib/containers/inspect-container.ts), so no transport hands them out.
export const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL|PASS|PRIVATE|AUTH/i;

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
    const secret = SECRET_NAME.test(name);
    return { name, value, secret, withheld: secret && value === WITHHELD };
  });
}

/** `Config.Env` with every secret-looking value (a bare NAME has none) replaced by WITHHELD. */
export function withholdSecretEnv(env: readonly string[]): string[] {
  return env.map((line) => {
    const eq = line.indexOf("=");
    return eq >= 0 && SECRET_NAME.test(line.slice(0, eq)) ? `${line.slice(0, eq)}=${WITHHELD}` : line;
  });
}

/** An inspect result (Docker's shape) with its secret-looking env values withheld; anything else passes as is. */
export function withholdInspectSecrets<T>(inspect: T): T {
  const config = (inspect as { Config?: { Env?: unknown } } | null)?.Config;
  if (!config || !Array.isArray(config.Env)) return inspect;
  const env = config.Env.filter((l): l is string => typeof l === "string");
  return { ...inspect, Config: { ...config, Env: withholdSecretEnv(env) } };
}
