// Builds the agent into one JavaScript file, for bin/gantry-agent.mjs to run without tsx:
//   node scripts/build-agent.mjs            writes .build/gantry-agent.mjs (and .build/gantry-agent.inputs.json)
// Run through tsx, an agent costs ~30 MB more: tsx's loader hooks run on a thread with a V8 isolate of their own, and
// every module's source stays in the heap as written (comments and all, some of it two bytes a character). The bundle
// holds agent/, lib/ and the packages they import (esbuild's tree shaking, whitespace and syntax minified; names are
// kept, so stack traces still read). `import.meta.dirname` is rewritten to the directory of the file it was written
// in (relative to the bundle), so paths found from it (native/build, package.json) are the same as under tsx. The
// inputs file lists every source with its size and mtime, so the launcher can tell when the bundle is stale.
// esbuild is tsx's own dependency (no package of ours).
import { readFileSync, statSync } from "node:fs";
import { readFile, rename, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";

const REPO_ROOT = join(import.meta.dirname, "..");
export const AGENT_BUNDLE = join(REPO_ROOT, ".build", "gantry-agent.mjs");
export const AGENT_INPUTS = join(REPO_ROOT, ".build", "gantry-agent.inputs.json");

/**
 * Builds the bundle (written aside, then renamed into place, so agents starting meanwhile never read half a file).
 * `outfile` and `sitsAt` are for the agent bundle's tarball (scripts/agent-bundle.mjs): the file is written at `outfile`
 * and will be run from a directory laid out like this checkout (`sitsAt`, here the repository's root: native/build/…
 * and VERSION beside it), so `import.meta.dirname` is rewritten relative to that; no inputs file is written then.
 */
export async function buildAgent({ outfile = null, sitsAt = null } = {}) {
  const requireFromTsx = createRequire(createRequire(import.meta.url).resolve("tsx/package.json"));
  const { build } = await import(requireFromTsx.resolve("esbuild"));
  const target = outfile ?? AGENT_BUNDLE;
  const outdir = sitsAt ?? dirname(target);
  const tmp = `${target}.${process.pid}.tmp`;
  const result = await build({
    entryPoints: [join(REPO_ROOT, "agent/main.ts")],
    bundle: true,
    absWorkingDir: REPO_ROOT,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: tmp,
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    logLevel: "warning",
    // CommonJS packages inside an ES module bundle still call require().
    banner: {
      js: 'import { join as __gantryJoin } from "node:path"; import { createRequire as __gantryRequire } from "node:module"; ' +
        "const require = __gantryRequire(import.meta.url); const __gantryDir = (rel) => __gantryJoin(import.meta.dirname, rel);",
    },
    plugins: [
      {
        name: "import-meta-dirname",
        setup(b) {
          b.onLoad({ filter: /\.ts$/ }, async (args) => {
            let contents = await readFile(args.path, "utf8");
            if (contents.includes("import.meta.dirname"))
              contents = contents.replaceAll("import.meta.dirname", `__gantryDir(${JSON.stringify(relative(outdir, dirname(args.path)))})`);
            return { contents, loader: "ts" };
          });
        },
      },
    ],
  });
  if (outfile) {
    await rename(tmp, outfile);
    // What the file still loads at run time (Node's own modules, and packages esbuild could not bundle).
    const externals = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
    return { inputs: Object.keys(result.metafile.inputs).map((file) => join(REPO_ROOT, file)), externals: [...new Set(externals)] };
  }
  const inputs = [];
  for (const file of Object.keys(result.metafile.inputs)) {
    const path = join(REPO_ROOT, file);
    const s = await stat(path);
    inputs.push({ path, size: s.size, mtimeMs: s.mtimeMs });
  }
  // Package manifests decide what a bare import resolves to.
  for (const path of [join(REPO_ROOT, "package.json"), join(REPO_ROOT, "node_modules/.package-lock.json")]) {
    const s = await stat(path).catch(() => null);
    if (s) inputs.push({ path, size: s.size, mtimeMs: s.mtimeMs });
  }
  // The bundle first: new inputs beside an old bundle would pass for fresh.
  await rename(tmp, AGENT_BUNDLE);
  await writeFile(`${AGENT_INPUTS}.${process.pid}.tmp`, JSON.stringify(inputs));
  await rename(`${AGENT_INPUTS}.${process.pid}.tmp`, AGENT_INPUTS);
  return { inputs: inputs.map((i) => i.path) };
}

/** Whether the bundle was built from the sources as they are now (each input's size and mtime unchanged). */
export function agentBundleFresh() {
  try {
    statSync(AGENT_BUNDLE);
    for (const input of JSON.parse(readFileSync(AGENT_INPUTS, "utf8"))) {
      const s = statSync(input.path);
      if (s.size !== input.size || s.mtimeMs !== input.mtimeMs) return false;
    }
    return true;
  } catch {
    return false;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) await buildAgent();
