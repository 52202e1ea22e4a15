// The control plane's configuration, read once from the environment. Secrets it needs but was not given (the session
// signing key) are created under GANTRY_DATA/keys on first start, mode 0600, and reused after.
import { mkdirSync, existsSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { admissionLimits } from "@/lib/admission/limits";

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  authSecret: string;
  publicUrl: string;
  dev: boolean;
}

export function loadConfig(env = process.env): ServerConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const dataDir = resolve(env.GANTRY_DATA ?? "/var/lib/gantry-server");
  mkdirSync(dataDir, { recursive: true });
  admissionLimits(env); // a bad limit is named at start, not at the first storm
  const keys = join(dataDir, "keys");
  mkdirSync(keys, { recursive: true, mode: 0o700 });
  chmodSync(keys, 0o700);
  return {
    port,
    host: env.HOST ?? "0.0.0.0",
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    authSecret: env.NEXTAUTH_SECRET || readOrCreateSecret(join(keys, "session-secret")),
    publicUrl: (env.GANTRY_PUBLIC_URL ?? `http://${hostname()}:${port}`).replace(/\/+$/, ""),
    dev: env.GANTRY_DEV === "1",
  };
}

function readOrCreateSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600 });
  return secret;
}
