// The control plane's configuration, read once from the environment. Secrets it needs but was not given (the session
// signing key) are created under GANTRY_DATA/keys on first start, mode 0600, and reused after. TLS is on unless
// GANTRY_TLS=off: with the operator's certificate (GANTRY_TLS_CERT + GANTRY_TLS_KEY) or one generated under
// GANTRY_DATA/tls (server/tls.ts).
import { mkdirSync, existsSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { admissionLimits } from "@/lib/admission/limits";
import { loadClusterNetworkConfig, type ClusterNetworkConfig } from "@/lib/network/cluster-cidrs";
import { loadOverlayConfig, type OverlayConfig } from "@/lib/network/overlay-config";
import { auditRetentionDays } from "@/lib/activity/prune-activity";

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  authSecret: string;
  publicUrl: string;
  /** Where the certificate and key are (null: plain HTTP, GANTRY_TLS=off). `provided`: the operator's, else generated. */
  tls: { certPath: string; keyPath: string; provided: boolean } | null;
  dev: boolean;
  /** Whether this replica campaigns to run the scheduler and controllers (GANTRY_CONTROLLERS), and how often the
   *  leader reads hosts into Nodes (GANTRY_NODE_SYNC_MS). */
  controllers: { enabled: boolean; nodeSyncMs: number };
  /** The cluster's address plan (pod and service ranges; overlapping ones refused here) and the hosts' overlay. */
  network: { plan: ClusterNetworkConfig; overlay: OverlayConfig };
}

export function loadConfig(env = process.env): ServerConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const dataDir = resolve(env.GANTRY_DATA ?? "/var/lib/gantry-server");
  mkdirSync(dataDir, { recursive: true });
  admissionLimits(env); // a bad limit is named at start, not at the first storm
  auditRetentionDays(env); // so is a bad GANTRY_AUDIT_RETENTION_DAYS
  const network = { plan: loadClusterNetworkConfig(env), overlay: loadOverlayConfig(env) };
  const keys = join(dataDir, "keys");
  mkdirSync(keys, { recursive: true, mode: 0o700 });
  chmodSync(keys, 0o700);
  const tls = tlsConfig(env, dataDir);
  const publicUrl = (env.GANTRY_PUBLIC_URL ?? `${tls ? "https" : "http"}://${hostname()}:${port}`).replace(/\/+$/, "");
  if (tls && publicUrl.startsWith("http://")) {
    throw new Error(
      `GANTRY_PUBLIC_URL is ${publicUrl}, but the control plane serves https: use https://, or set GANTRY_TLS=off when a proxy in front terminates TLS`,
    );
  }
  return {
    port,
    host: env.HOST ?? "0.0.0.0",
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    authSecret: env.NEXTAUTH_SECRET || readOrCreateSecret(join(keys, "session-secret")),
    publicUrl,
    tls,
    dev: env.GANTRY_DEV === "1",
    controllers: controllersConfig(env),
    network,
  };
}

function controllersConfig(env: NodeJS.ProcessEnv): ServerConfig["controllers"] {
  const mode = (env.GANTRY_CONTROLLERS ?? "on").trim().toLowerCase();
  if (mode !== "on" && mode !== "off") throw new Error(`GANTRY_CONTROLLERS must be "on" (the default) or "off", got "${env.GANTRY_CONTROLLERS}"`);
  const raw = env.GANTRY_NODE_SYNC_MS;
  const nodeSyncMs = raw === undefined || raw === "" ? 1000 : Number(raw);
  if (!Number.isInteger(nodeSyncMs) || nodeSyncMs < 100 || nodeSyncMs > 60_000)
    throw new Error(`GANTRY_NODE_SYNC_MS must be a whole number of milliseconds (100..60000), got "${raw}"`);
  return { enabled: mode === "on", nodeSyncMs };
}

function tlsConfig(env: NodeJS.ProcessEnv, dataDir: string): ServerConfig["tls"] {
  const mode = (env.GANTRY_TLS ?? "on").trim().toLowerCase();
  if (mode === "off") return null;
  if (mode !== "on") throw new Error(`GANTRY_TLS must be "on" (the default) or "off", got "${env.GANTRY_TLS}"`);
  const cert = env.GANTRY_TLS_CERT?.trim();
  const key = env.GANTRY_TLS_KEY?.trim();
  if (!cert !== !key) throw new Error("GANTRY_TLS_CERT and GANTRY_TLS_KEY go together: give both (PEM files), or neither for a generated certificate");
  if (cert && key) return { certPath: resolve(cert), keyPath: resolve(key), provided: true };
  return { certPath: join(dataDir, "tls", "cert.pem"), keyPath: join(dataDir, "tls", "key.pem"), provided: false };
}

function readOrCreateSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600 });
  return secret;
}
