// The agent bundle the control plane hands to hosts (scripts/agent-bundle.mjs makes it): built once into
// GANTRY_DATA/bundles and reused while the files it was made from are unchanged (each one's size and mtime, kept in
// bundles/bundle.json). The build runs in a process of its own (esbuild and gzip's memory do not stay in the control
// plane); callers asking while it runs share that build. The tarball before the newest is kept too (an upload may be
// reading it); older ones are removed.
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

export interface AgentBundle {
  /** The tarball's path. */
  file: string;
  sha256: string;
  /** The version the agent in it reports ("0.1.0+<build id>"). */
  version: string;
  bytes: number;
}

interface Manifest {
  bundle: AgentBundle;
  inputs: { path: string; size: number; mtimeMs: number }[];
}

const REPO_ROOT = join(import.meta.dirname, "..", "..");
const BUILD_SCRIPT = join(REPO_ROOT, "scripts", "agent-bundle.mjs");

const building = new Map<string, Promise<AgentBundle>>();

/** The current bundle under `dataDir` (default GANTRY_DATA), built first when there is none or its sources changed. */
export function agentBundle(opts: { dataDir?: string } = {}): Promise<AgentBundle> {
  const dir = join(resolve(opts.dataDir ?? process.env.GANTRY_DATA ?? "/var/lib/gantry-server"), "bundles");
  const fresh = freshBundle(dir);
  if (fresh) return Promise.resolve(fresh);
  let pending = building.get(dir);
  if (!pending) {
    pending = build(dir).finally(() => building.delete(dir));
    building.set(dir, pending);
  }
  return pending;
}

function freshBundle(dir: string): AgentBundle | null {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, "bundle.json"), "utf8")) as Manifest;
    if (statSync(manifest.bundle.file).size !== manifest.bundle.bytes) return null;
    for (const input of manifest.inputs) {
      const s = statSync(input.path);
      if (s.size !== input.size || s.mtimeMs !== input.mtimeMs) return null;
    }
    return manifest.bundle;
  } catch {
    return null;
  }
}

async function build(dir: string): Promise<AgentBundle> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const out = await new Promise<string>((done, fail) =>
    execFile(process.execPath, [BUILD_SCRIPT, "--out", dir, "--inputs"], { maxBuffer: 16 << 20, timeout: 300_000 }, (e, stdout, stderr) =>
      e ? fail(new Error(`building the agent bundle failed: ${String(stderr).trim() || e.message}`)) : done(String(stdout)),
    ),
  );
  const built = JSON.parse(out.trim().split("\n").at(-1)!) as AgentBundle & Pick<Manifest, "inputs">;
  const bundle: AgentBundle = { file: built.file, sha256: built.sha256, version: built.version, bytes: built.bytes };
  // The inputs' stats as the build read them: a source saved during the build makes the next call build again.
  const manifest: Manifest = { bundle, inputs: built.inputs };
  const tmp = join(dir, `bundle.json.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(manifest));
  await rename(tmp, join(dir, "bundle.json"));
  await prune(dir, bundle.file);
  return bundle;
}

/** Keeps the newest tarball and the one before it. */
async function prune(dir: string, newest: string): Promise<void> {
  const tarballs = (await readdir(dir)).filter((f) => f.endsWith(".tar.gz")).map((f) => join(dir, f)).filter((f) => f !== newest);
  const byAge = tarballs.map((f) => ({ f, t: statSync(f).mtimeMs })).sort((a, b) => b.t - a.t);
  for (const { f } of byAge.slice(1)) await rm(f, { force: true });
}
