// X-Registry-Auth (and /auth bodies): base64url-encoded JSON {username, password, serveraddress, identitytoken,
// registrytoken}. An absent or empty header means "use what `docker login` stored".
import { badParameter } from "./errors";
import type { RegistryAuth } from "../../lib/oci/types";

export function decodeRegistryAuth(header: string | string[] | undefined): RegistryAuth | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw || !raw.trim()) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw.trim().replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8"));
  } catch {
    throw badParameter("X-Registry-Auth is not base64url-encoded JSON");
  }
  return authFromJson(parsed);
}

export function authFromJson(v: unknown): RegistryAuth | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) throw badParameter("registry credentials must be a JSON object");
  const o = v as Record<string, unknown>;
  const auth: RegistryAuth = {};
  for (const k of ["username", "password", "identitytoken", "registrytoken"] as const) {
    if (o[k] === undefined || o[k] === null || o[k] === "") continue;
    if (typeof o[k] !== "string") throw badParameter(`registry credentials: ${k} must be a string`);
    auth[k] = o[k] as string;
  }
  // {"auth": base64("user:pass")}, as config files carry it.
  if (typeof o.auth === "string" && o.auth && !auth.username) {
    const text = Buffer.from(o.auth, "base64").toString("utf8");
    const colon = text.indexOf(":");
    if (colon > 0) {
      auth.username = text.slice(0, colon);
      auth.password = text.slice(colon + 1);
    }
  }
  return Object.keys(auth).length ? auth : undefined;
}

/** "https://127.0.0.1:5000/v2/" → "127.0.0.1:5000"; Docker Hub's index names → "docker.io". */
export function registryHost(serverAddress: string): string {
  let s = serverAddress.trim();
  if (!s) return "docker.io";
  s = s.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "");
  if (s === "index.docker.io" || s === "registry-1.docker.io" || s === "docker.io") return "docker.io";
  if (!/^[A-Za-z0-9.\-[\]:]+$/.test(s)) throw badParameter(`"${serverAddress}" is not a registry address`);
  return s;
}
