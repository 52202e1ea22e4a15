// kubectl 1.20 for the tests (the SPDY client side of exec, attach and port-forward): Debian's kubernetes-client
// package, fetched with `apt-get download` and unpacked with `dpkg -x` into .cache/kubectl-1.20 of the repository —
// never installed, as it would replace /usr/bin/kubectl (1.32). Plain Node: set-up runs it before node_modules exists.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const LEGACY_KUBECTL_PACKAGE = "kubernetes-client";

/** Where the unpacked kubectl 1.20 lives under the repository `root`. */
export function legacyKubectlPath(root) {
  return join(root, ".cache", "kubectl-1.20", "usr", "bin", "kubectl");
}

/**
 * The path of kubectl 1.20, fetched and unpacked when it is not there yet; or the reason it cannot be had (apt not
 * reachable, the package not known to apt).
 */
export function ensureLegacyKubectl({ root, log = () => {} }) {
  const path = legacyKubectlPath(root);
  if (existsSync(path)) return { path };
  const dest = join(root, ".cache", "kubectl-1.20");
  const work = mkdtempSync(join(tmpdir(), "gantry-kubectl-1.20-"));
  try {
    const download = () => spawnSync("apt-get", ["download", LEGACY_KUBECTL_PACKAGE], { cwd: work, encoding: "utf8", timeout: 300_000 });
    log(`fetching kubectl 1.20 (apt-get download ${LEGACY_KUBECTL_PACKAGE}) into ${dest}`);
    let r = download();
    if (r.status !== 0 && process.getuid?.() === 0) {
      // apt's lists may be missing on a fresh machine: read them once and try again.
      spawnSync("apt-get", ["update"], { encoding: "utf8", timeout: 300_000 });
      r = download();
    }
    const deb = readdirSync(work).find((f) => f.endsWith(".deb"));
    if (r.status !== 0 || !deb) return { error: `apt-get download ${LEGACY_KUBECTL_PACKAGE} failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}` };
    const unpacked = join(work, "root");
    const x = spawnSync("dpkg", ["-x", join(work, deb), unpacked], { encoding: "utf8" });
    if (x.status !== 0) return { error: `dpkg -x ${deb} failed: ${(x.stderr || `exit ${x.status}`).trim()}` };
    mkdirSync(join(root, ".cache"), { recursive: true });
    rmSync(dest, { recursive: true, force: true });
    renameSync(unpacked, dest);
    return existsSync(path) ? { path } : { error: `${deb} holds no usr/bin/kubectl` };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
