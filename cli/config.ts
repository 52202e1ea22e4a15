// Where `gantry login` keeps the server URL and API token: $XDG_CONFIG_HOME/gantry/config.json (default
// ~/.config/gantry/config.json), readable by its owner only (0600). GANTRY_URL and GANTRY_TOKEN override it.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { CliError } from "./errors";

const Config = z.object({ url: z.string().url(), token: z.string().startsWith("gat_") });
export type CliConfig = z.infer<typeof Config>;

export function configPath(env = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "gantry", "config.json");
}

export function saveConfig(config: CliConfig, env = process.env): string {
  const path = configPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return path;
}

export function loadConfig(env = process.env): CliConfig {
  if (env.GANTRY_URL && env.GANTRY_TOKEN) return Config.parse({ url: env.GANTRY_URL, token: env.GANTRY_TOKEN });
  const path = configPath(env);
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch {
    throw new CliError(`not logged in: run \`gantry login <url> --token gat_…\` first (no ${path})`, 3);
  }
  const parsed = Config.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new CliError(`${path} is damaged: run \`gantry login\` again`, 3);
  return parsed.data;
}
