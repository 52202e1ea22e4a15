// The agent's version: the VERSION file beside it in an agent bundle (scripts/agent-bundle.mjs writes it: the
// package's version and a build id, e.g. "0.1.0+3f2a9c1d0b7e"), else the package's (a checkout).
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const REPO_ROOT = join(import.meta.dirname, "..");

export function agentVersion(): string {
  try {
    const bundled = readFileSync(join(REPO_ROOT, "VERSION"), "utf8").trim();
    if (bundled) return bundled;
  } catch {
    // not a bundle
  }
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "0.0.0";
}
