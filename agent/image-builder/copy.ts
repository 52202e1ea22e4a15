// COPY and ADD: choosing sources (globs, .dockerignore), hashing them for the step cache, and copying them into a
// root filesystem with Docker's rules — a directory's contents are copied (not the directory), a file lands at the
// destination or inside it when the destination ends in "/" or is a directory, several sources need a directory
// destination; owners become 0:0 (or --chown) for context files and are kept for --from files; modes and mtimes kept.
// Every path on either side is resolved inside its own root (rootfs-path.ts).
import { createHash } from "node:crypto";
import { createReadStream, promises as fsp, type Stats } from "node:fs";
import { basename, join, posix } from "node:path";
import { globToRegExp, isIgnored, type IgnoreRule } from "./dockerignore";
import { resolveInRoot } from "../rootfs/path";

export class CopyError extends Error {}

export interface SourceRoot {
  /** Host directory the sources are read from: the build context, a stage's rootfs, or a download dir. */
  dir: string;
  /** .dockerignore rules (build context only). */
  ignore: IgnoreRule[];
}

export interface Match {
  /** Path relative to the source root, as matched ("" for the root itself). */
  rel: string;
  /** Host path, resolved inside the root. */
  host: string;
  stat: Stats;
}

const hasGlob = (p: string) => /[*?[]/.test(p);

async function listTree(root: SourceRoot): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string) {
    const entries = await fsp.readdir(join(root.dir, rel), { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (isIgnored(root.ignore, r)) {
        // An excluded directory may still hold exceptions ("!dir/keep"): look inside when any rule is an exception.
        if (e.isDirectory() && root.ignore.some((x) => x.negate)) await walk(r);
        continue;
      }
      out.push(r);
      if (e.isDirectory()) await walk(r);
    }
  }
  await walk("");
  return out;
}

/** The entries a source pattern names; none is an error that names the pattern. */
export async function matchSources(root: SourceRoot, pattern: string, what: string): Promise<Match[]> {
  const clean = posix.normalize("/" + pattern).replace(/^\/+/, "").replace(/\/+$/, "");
  if (hasGlob(clean)) {
    const re = globToRegExp(clean);
    const rels = (await listTree(root)).filter((r) => re.test(r));
    if (!rels.length) throw new CopyError(`${what} failed: no source files were specified by ${pattern}`);
    return Promise.all(rels.map(async (rel) => ({ rel, host: resolveInRoot(root.dir, rel), stat: await fsp.stat(resolveInRoot(root.dir, rel)) })));
  }
  const host = resolveInRoot(root.dir, clean);
  let stat: Stats;
  try {
    stat = await fsp.stat(host);
  } catch {
    throw new CopyError(`${what} failed: file not found in build context or excluded by .dockerignore: stat ${clean || "."}: file does not exist`);
  }
  if (clean && isIgnored(root.ignore, clean)) {
    throw new CopyError(`${what} failed: file not found in build context or excluded by .dockerignore: stat ${clean}: file does not exist`);
  }
  return [{ rel: clean, host, stat }];
}

/** Content hash of the matched sources (names, types, modes, sizes, bytes, link targets; not times) for the cache. */
export async function hashMatches(root: SourceRoot, matches: Match[]): Promise<string> {
  const h = createHash("sha256");
  async function entry(host: string, rel: string, st: Stats) {
    h.update(`${rel}\0${st.isDirectory() ? "d" : st.isSymbolicLink() ? "l" : "f"}\0${st.mode & 0o7777}\0${st.uid}:${st.gid}\0`);
    if (st.isSymbolicLink()) h.update(await fsp.readlink(host));
    else if (st.isFile()) {
      h.update(String(st.size));
      for await (const c of createReadStream(host)) h.update(c as Buffer);
    } else if (st.isDirectory()) {
      for (const name of (await fsp.readdir(host)).sort()) {
        const r = rel ? `${rel}/${name}` : name;
        if (isIgnored(root.ignore, r) && !root.ignore.some((x) => x.negate)) continue;
        if (isIgnored(root.ignore, r) && !(await fsp.lstat(join(host, name))).isDirectory()) continue;
        await entry(join(host, name), r, await fsp.lstat(join(host, name)));
      }
    }
    h.update("\n");
  }
  for (const m of matches) await entry(m.host, m.rel, m.stat);
  return h.digest("hex");
}

export interface CopyOptions {
  /** Owner for everything copied; null keeps the source's owner (--from), else 0:0 is the caller's choice. */
  owner: { uid: number; gid: number } | null;
  /** --chmod, applied to every copied file and directory. */
  mode: number | null;
}

/** Creates the directories of `path` (a container path) inside `root` that do not exist, owned by `owner`. */
export async function mkdirInRoot(root: string, path: string, owner: { uid: number; gid: number } = { uid: 0, gid: 0 }): Promise<string> {
  const parts = posix.normalize("/" + path).split("/").filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const host = resolveInRoot(root, "/" + parts.slice(0, i).join("/"));
    const st = await fsp.lstat(host).catch(() => null);
    if (st?.isDirectory()) continue;
    if (st) throw new CopyError(`cannot create directory /${parts.slice(0, i).join("/")}: a file of that name exists in the image`);
    // `host` is resolved: its existing ancestors are real directories inside the root; missing ones (a dangling
    // symlink's target) are created with it.
    await fsp.mkdir(host, { recursive: true, mode: 0o755 });
    await fsp.chmod(host, 0o755);
    await fsp.chown(host, owner.uid, owner.gid);
  }
  return resolveInRoot(root, path);
}

/**
 * Copies the matches of one COPY/ADD into `rootfs` at container path `dest` (already made absolute against WORKDIR,
 * a trailing "/" kept to mean "a directory").
 */
export async function copyMatches(root: SourceRoot, matches: Match[], rootfs: string, dest: string, opts: CopyOptions, what: string, manySources: boolean) {
  const destIsDirWanted = dest.endsWith("/");
  const destPath = posix.normalize(dest);
  const existing = await fsp.stat(resolveInRoot(rootfs, destPath)).catch(() => null);
  const destIsDir = destIsDirWanted || existing?.isDirectory() === true;
  if (manySources && !destIsDir) {
    throw new CopyError(`When using ${what} with more than one source file, the destination must be a directory and end with a /`);
  }
  for (const m of matches) {
    if (m.stat.isDirectory()) {
      const hostDir = await mkdirInRoot(rootfs, destPath, opts.owner ?? { uid: 0, gid: 0 });
      await copyChildren(root, m.host, m.rel, hostDir, opts);
    } else {
      const target = destIsDir ? posix.join(destPath, basename(m.rel || m.host)) : destPath;
      await mkdirInRoot(rootfs, posix.dirname(target), opts.owner ?? { uid: 0, gid: 0 });
      await copyOne(m.host, resolveInRoot(rootfs, target, { followFinal: false }), m.stat, opts);
    }
  }
}

async function copyChildren(root: SourceRoot, srcDir: string, rel: string, hostDir: string, opts: CopyOptions) {
  for (const name of (await fsp.readdir(srcDir)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const src = join(srcDir, name);
    const st = await fsp.lstat(src);
    if (isIgnored(root.ignore, r) && !(st.isDirectory() && root.ignore.some((x) => x.negate))) continue;
    const dst = join(hostDir, name);
    if (st.isDirectory()) {
      const cur = await fsp.lstat(dst).catch(() => null);
      if (cur && !cur.isDirectory()) await fsp.rm(dst, { recursive: true, force: true });
      if (!cur || !cur.isDirectory()) await fsp.mkdir(dst);
      await copyChildren(root, src, r, dst, opts);
      await applyMeta(dst, st, opts);
    } else await copyOne(src, dst, st, opts);
  }
}

async function copyOne(src: string, dst: string, st: Stats, opts: CopyOptions) {
  const cur = await fsp.lstat(dst).catch(() => null);
  if (cur?.isDirectory()) throw new CopyError(`cannot overwrite directory ${dst.split("/").pop()} with a file`);
  if (cur) await fsp.rm(dst, { force: true });
  if (st.isSymbolicLink()) {
    await fsp.symlink(await fsp.readlink(src), dst);
    const o = opts.owner ?? { uid: st.uid, gid: st.gid };
    await fsp.lchown(dst, o.uid, o.gid);
    return;
  }
  if (!st.isFile()) return; // devices, fifos and sockets are not copied
  await fsp.copyFile(src, dst);
  await applyMeta(dst, st, opts);
}

async function applyMeta(dst: string, st: Stats, opts: CopyOptions) {
  const o = opts.owner ?? { uid: st.uid, gid: st.gid };
  await fsp.chown(dst, o.uid, o.gid);
  await fsp.chmod(dst, opts.mode ?? st.mode & 0o7777);
  await fsp.utimes(dst, st.atime, st.mtime);
}
