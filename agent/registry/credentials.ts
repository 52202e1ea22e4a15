// Registry credentials the agent keeps for `docker login`-style use: GANTRY_ROOT/registry/auths.json, mode 0600
// in a 0700 directory, one entry per registry host (several at once). Written to a temp file, then renamed.
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { RegistryAuth } from "../../lib/oci/types";

/** "https://index.docker.io/v1/", "docker.io", "registry-1.docker.io" → "docker.io"; "http://h:5000/x" → "h:5000". */
export function registryKey(input: string): string {
  let s = input.trim().replace(/^[a-z]+:\/\//i, "");
  s = s.split("/")[0].toLowerCase();
  if (s === "index.docker.io" || s === "registry-1.docker.io" || s === "") return "docker.io";
  return s;
}

export class RegistryCredentials {
  readonly file: string;
  private cache: Record<string, RegistryAuth> | null = null;

  constructor(root: string) {
    this.file = join(root, "registry", "auths.json");
  }

  private async load(): Promise<Record<string, RegistryAuth>> {
    if (this.cache) return this.cache;
    try {
      const st = await fsp.stat(this.file);
      if ((st.mode & 0o077) !== 0) await fsp.chmod(this.file, 0o600);
      const parsed = JSON.parse(await fsp.readFile(this.file, "utf8"));
      this.cache = parsed && typeof parsed.auths === "object" ? parsed.auths : {};
    } catch {
      this.cache = {};
    }
    return this.cache!;
  }

  async get(registry: string): Promise<RegistryAuth | undefined> {
    return (await this.load())[registryKey(registry)];
  }

  async list(): Promise<string[]> {
    return Object.keys(await this.load());
  }

  async set(registry: string, auth: RegistryAuth): Promise<void> {
    const all = { ...(await this.load()) };
    const keep: RegistryAuth = {};
    if (auth.username) keep.username = auth.username;
    if (auth.password) keep.password = auth.password;
    if (auth.identitytoken) keep.identitytoken = auth.identitytoken;
    all[registryKey(registry)] = keep;
    await this.save(all);
  }

  async remove(registry: string): Promise<boolean> {
    const all = { ...(await this.load()) };
    const key = registryKey(registry);
    if (!(key in all)) return false;
    delete all[key];
    await this.save(all);
    return true;
  }

  private async save(all: Record<string, RegistryAuth>) {
    const dir = join(this.file, "..");
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    await fsp.chmod(dir, 0o700);
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    await fsp.writeFile(tmp, JSON.stringify({ auths: all }, null, 1) + "\n", { mode: 0o600 });
    await fsp.rename(tmp, this.file);
    this.cache = all;
  }
}
