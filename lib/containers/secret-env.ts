// Which environment variables a page masks: those whose name looks like it holds a secret. The value is still sent to
// those allowed to read the container (inspect shows it); masking keeps it off screens and screenshots until asked.
export const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL|PASS|PRIVATE|AUTH/i;

export interface EnvEntry {
  name: string;
  value: string;
  secret: boolean;
}

/** Splits Docker's `Config.Env` ("NAME=value", a bare "NAME" has no value) into entries, secret-looking ones marked. */
export function envEntries(env: readonly string[] | null | undefined): EnvEntry[] {
  return (env ?? []).map((line) => {
    const eq = line.indexOf("=");
    const name = eq < 0 ? line : line.slice(0, eq);
    return { name, value: eq < 0 ? "" : line.slice(eq + 1), secret: SECRET_NAME.test(name) };
  });
}
