// The agent bundle: everything a bare Linux host needs to run a Gantry agent, in one content-addressed tarball — no npm,
// git or internet on the target (hosts added over SSH get it uploaded; README's "Agent bundle" says how to use it by hand).
//   node scripts/agent-bundle.mjs --out DIR [--version V]     builds it into DIR and prints { file, sha256, version, bytes }
//
// gantry-agent-<VERSION>-<arch>-<sha256[0:12]>.tar.gz holds one directory, gantry-agent-<VERSION>/, laid out like this
// checkout so the agent finds its parts where it does here:
//   bin/node                 the Node this runs on (process.execPath; the control plane's own)
//   agent.mjs                agent/main.ts bundled by esbuild with every package it imports (scripts/build-agent.mjs)
//   native/build/…           gantry-runtime, gantry-monitor, gantry-pause and the agent's addon gantry-sys.node
//   install.sh               agent/install/install.sh: preflight, install, upgrade, rollback, uninstall
//   ARCH                     the machine it runs on, as `uname -m` says (x86_64, aarch64)
//   VERSION                  the package's version and a build id: "0.1.0+<12 hex of the payload's checksums>"
//   SHA256SUMS               every other file's sha256 (sha256sum's format), checked by install.sh before it installs
// The same inputs give the same bytes: entries in a fixed order with fixed mtimes, owners and modes, gzip without a
// timestamp — so the file's sha256 names its content and a rebuild from unchanged sources is the same file.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { buildAgent } from "./build-agent.mjs";

const REPO_ROOT = join(import.meta.dirname, "..");
export const INSTALL_SCRIPT = join(REPO_ROOT, "agent/install/install.sh");
export const NATIVE_FILES = ["gantry-runtime", "gantry-monitor", "gantry-pause", "gantry-sys.node"];
/** Packages the bundled agent asks for only inside a try (ws's and debug's optional speed-ups): absent on a target. */
const OPTIONAL_REQUIRES = new Set(["bufferutil", "utf-8-validate", "supports-color"]);
/** 2000-01-01: every entry's mtime (tar warns about the epoch itself). */
const MTIME = 946_684_800;

const ARCHES = { x64: "x86_64", arm64: "aarch64", arm: "armv7l", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };

/**
 * Builds the bundle into `outDir` (written aside, then renamed: a bundle of that name is always whole).
 * `version`: the version before the build id (default: package.json's). `agent`: a file shipped as agent.mjs instead
 * of the one built from agent/ (tests make an agent that does not come up with it).
 * Returns the tarball and the files it was made from with their size and mtime (`inputs`, for callers that reuse it
 * while they are unchanged).
 */
export async function buildAgentBundle({ outDir, version = null, agent = null }) {
  if (!outDir) throw new Error("buildAgentBundle: outDir is required");
  await mkdir(outDir, { recursive: true });
  const base = version ?? JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).version;
  if (!/^[0-9A-Za-z][0-9A-Za-z.-]{0,40}$/.test(base)) throw new Error(`version "${base}" may hold letters, digits, dots and dashes only`);
  const arch = ARCHES[process.arch] ?? process.arch;
  for (const f of NATIVE_FILES) {
    const from = join(REPO_ROOT, "native/build", f);
    if (!(await stat(from).catch(() => null))) throw new Error(`${from} is missing: build it with \`make -C native\``);
  }
  const staging = await mkdtemp(join(outDir, ".staging-"));
  try {
    const inputs = [process.execPath, INSTALL_SCRIPT, join(REPO_ROOT, "package.json"), ...NATIVE_FILES.map((f) => join(REPO_ROOT, "native/build", f))];
    // agent.mjs, as if it sat at the repository's root (native/build and VERSION beside it).
    if (agent) {
      await copyFile(agent, join(staging, "agent.mjs"));
      inputs.push(resolve(agent));
    } else {
      const built = await buildAgent({ outfile: join(staging, "agent.mjs"), sitsAt: REPO_ROOT });
      inputs.push(...built.inputs);
      const missing = packagesLeftOut(built.externals);
      if (missing.length) throw new Error(`the bundled agent still imports ${missing.join(", ")}, which a target without node_modules lacks`);
    }

    // Read now, before the files are: a source saved later makes a caller's freshness check fail, never pass.
    const inputStats = [];
    for (const path of [...new Set(inputs)].sort()) {
      const s = await stat(path);
      inputStats.push({ path, size: s.size, mtimeMs: s.mtimeMs });
    }
    // Files are archived from where they are (no copy of the node binary); only what is made here is in staging.
    const sources = new Map([["agent.mjs", join(staging, "agent.mjs")], ["bin/node", process.execPath], ["install.sh", INSTALL_SCRIPT]]);
    for (const f of NATIVE_FILES) {
      const from = join(REPO_ROOT, "native/build", f);
      sources.set(`native/build/${f}`, from);
    }
    await writeFile(join(staging, "ARCH"), `${arch}\n`);
    sources.set("ARCH", join(staging, "ARCH"));

    // The build id is the payload's checksums: VERSION changes with any file.
    const executables = new Set(["bin/node", "install.sh", ...NATIVE_FILES.filter((f) => !f.endsWith(".node")).map((f) => `native/build/${f}`)]);
    const sums = new Map();
    const sizes = new Map();
    for (const f of [...sources.keys()].sort()) {
      // Hashed and sized from one read, and the archive checks the size again: a file changing meanwhile is refused.
      const { sha256, size } = await sha256File(sources.get(f));
      sums.set(f, sha256);
      sizes.set(f, size);
    }
    const buildId = createHash("sha256").update(sumsText(sums)).digest("hex").slice(0, 12);
    const fullVersion = `${base}+${buildId}`;
    await writeFile(join(staging, "VERSION"), `${fullVersion}\n`);
    sources.set("VERSION", join(staging, "VERSION"));
    for (const f of ["VERSION"]) {
      const { sha256, size } = await sha256File(sources.get(f));
      sums.set(f, sha256);
      sizes.set(f, size);
    }
    const listed = [...sums.keys()].sort();
    await writeFile(join(staging, "SHA256SUMS"), sumsText(new Map(listed.map((f) => [f, sums.get(f)]))));
    sources.set("SHA256SUMS", join(staging, "SHA256SUMS"));
    sizes.set("SHA256SUMS", (await stat(join(staging, "SHA256SUMS"))).size);

    const top = `gantry-agent-${fullVersion}`;
    const entries = [{ name: `${top}/`, dir: true }];
    const dirs = new Set();
    for (const f of [...sources.keys()].sort()) {
      const parts = f.split("/");
      for (let i = 1; i < parts.length; i++) {
        const d = parts.slice(0, i).join("/");
        if (!dirs.has(d)) {
          dirs.add(d);
          entries.push({ name: `${top}/${d}/`, dir: true });
        }
      }
      entries.push({ name: `${top}/${f}`, path: sources.get(f), mode: executables.has(f) ? 0o755 : 0o644, size: sizes.get(f) });
    }
    const tmp = join(staging, "bundle.tar.gz");
    const hash = createHash("sha256");
    let bytes = 0;
    await pipeline(Readable.from(tarStream(entries)), createGzip({ level: 6 }), async function* (source) {
      for await (const chunk of source) {
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    }, createWriteStream(tmp));
    const sha256 = hash.digest("hex");
    const file = join(outDir, `gantry-agent-${fullVersion}-${arch}-${sha256.slice(0, 12)}.tar.gz`);
    await rename(tmp, file);
    return { file, sha256, version: fullVersion, bytes, inputs: inputStats };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** sha256sum's format: "<hex>  <path>" a line. */
function sumsText(sums) {
  return [...sums].map(([f, h]) => `${h}  ${f}\n`).join("");
}

async function sha256File(path) {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest("hex"), size };
}

/** Of the modules a bundle loads at run time, those neither Node's own nor optional: what a target would lack. */
export function packagesLeftOut(externals) {
  const builtin = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  return externals.filter((spec) => !builtin.has(spec) && !spec.startsWith("node:") && !OPTIONAL_REQUIRES.has(spec)).sort();
}

/** A ustar archive of `entries` (directories and regular files), every owner root, every mtime MTIME. */
async function* tarStream(entries) {
  for (const e of entries) {
    yield tarHeader(e.name, e.dir ? 0o755 : e.mode, e.dir ? 0 : e.size, e.dir ? "5" : "0");
    if (e.dir) continue;
    let n = 0;
    for await (const chunk of createReadStream(e.path)) {
      n += chunk.length;
      yield chunk;
    }
    if (n !== e.size) throw new Error(`${e.name} changed while it was archived`);
    if (n % 512) yield Buffer.alloc(512 - (n % 512));
  }
  yield Buffer.alloc(1024);
}

function tarHeader(name, mode, size, type) {
  if (Buffer.byteLength(name) > 100) throw new Error(`path too long for the archive: ${name}`);
  const h = Buffer.alloc(512);
  const put = (s, off, len) => h.write(s, off, len, "utf8");
  const octal = (v, off, len) => put(v.toString(8).padStart(len - 1, "0") + "\0", off, len);
  put(name, 0, 100);
  octal(mode, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(MTIME, 136, 12);
  put("        ", 148, 8);
  put(type, 156, 1);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  put("root", 265, 32);
  put("root", 297, 32);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  const arg = (name) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const outDir = arg("out");
  if (!outDir) {
    console.error("usage: node scripts/agent-bundle.mjs --out DIR [--version V]");
    process.exit(2);
  }
  const { inputs, ...bundle } = await buildAgentBundle({ outDir: resolve(outDir), version: arg("version") ?? null });
  console.log(JSON.stringify(process.argv.includes("--inputs") ? { ...bundle, inputs } : bundle));
}
