// Unpacks one layer tar into its own directory, in overlay form, without ever writing outside that directory.
//
// Safety rules (what containerd's archive/tar.go guards against, done here by walking components ourselves since
// Node has no openat2(RESOLVE_IN_ROOT)):
//   - absolute names and any ".." component are refused (so are hardlink targets with them);
//   - every parent component is lstat'ed inside the root: a symlink (or a non-directory) in a parent is refused,
//     missing parents are created as directories — so nothing is ever written *through* a symlink;
//   - the final component is replaced, never followed: files are created with O_EXCL|O_NOFOLLOW after removing
//     whatever was there, symlinks and hardlinks are created, not resolved;
//   - a hardlink must point at an existing non-directory inside the root (resolved by the same walk);
//   - whiteouts: ".wh.NAME" becomes a 0:0 character device NAME, ".wh..wh..opq" sets trusted.overlay.opaque=y on
//     its directory; a whiteout of "", "." or ".." is refused;
//   - block/char devices only with allowDevices; trusted.overlay.* xattrs from the archive are dropped.
// Owners, modes (setuid included: chmod after chown), xattrs and mtimes are kept; directory times are set last.
import fs, { constants as FS, promises as fsp } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { LayerError } from "../../lib/oci/errors";
import { decompress, type Compression } from "./compression";
import { mknod, setXattr } from "./fsutil";
import { readTar, type TarHeader } from "./tar";

export interface UnpackOptions {
  /** Allow block and character device entries (default false). */
  allowDevices?: boolean;
  /** Called with the count of compressed/raw input bytes consumed so far. */
  onProgress?: (bytesRead: number) => void;
}

export interface UnpackResult {
  /** sha256 of the uncompressed tar: the layer's diffID. */
  diffId: string;
  /** Bytes of the uncompressed tar. */
  size: number;
  compression: Compression;
  entries: number;
}

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";

/** Splits an archive path into safe components, or throws naming the problem. [] means the root itself. */
export function safeComponents(name: string, entry: string, what = "path"): string[] {
  if (name.includes("\0")) throw new LayerError(`${what} contains a NUL byte`, entry);
  if (name.startsWith("/")) throw new LayerError(`absolute ${what} "${name}" is not allowed in a layer`, entry);
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new LayerError(`${what} "${name}" contains "..", which would escape the layer`, entry);
  return parts;
}

/** Unpacks a (possibly compressed) layer stream into `root` (an existing, normally empty, directory). */
export async function unpackLayer(source: Readable, root: string, opts: UnpackOptions = {}): Promise<UnpackResult> {
  const rootStat = await fsp.lstat(root);
  if (!rootStat.isDirectory()) throw new LayerError(`unpack target ${root} is not a directory`);
  let rawBytes = 0;
  let input: Readable = source;
  if (opts.onProgress) {
    const report = opts.onProgress;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        rawBytes += chunk.length;
        report(rawBytes);
        cb(null, chunk);
      },
    });
    source.on("error", (e) => counter.destroy(e));
    input = source.pipe(counter);
  }
  const { stream, compression } = await decompress(input);
  const hash = createHash("sha256");
  let size = 0;
  async function* hashed() {
    for await (const chunk of stream) {
      hash.update(chunk);
      size += chunk.length;
      yield chunk as Buffer;
    }
  }
  const u = new Unpacker(root, opts);
  let entries = 0;
  try {
    await readTar(hashed(), async ({ header }, body) => {
      entries++;
      await u.apply(header, body);
    });
  } catch (e) {
    stream.destroy();
    throw e;
  }
  u.finish();
  return { diffId: `sha256:${hash.digest("hex")}`, size, compression, entries };
}

// Metadata calls are synchronous on purpose: each takes microseconds, and a round trip through the thread pool
// per call made unpacking thousands of small files several times slower. File data is still streamed.
class Unpacker {
  /** Directories verified to be real directories inside the root (cleared whenever something is replaced). */
  private dirs = new Set<string>();
  private dirTimes: { path: string; mtime: number }[] = [];

  constructor(
    private readonly root: string,
    private readonly opts: UnpackOptions,
  ) {}

  private lstat(path: string) {
    return fs.lstatSync(path, { throwIfNoEntry: false });
  }

  /** Walks `parts` below the root: every component must be a real directory (created when missing). */
  private parentDir(parts: string[], entry: string, create: boolean): string {
    let path = this.root;
    for (const part of parts) {
      path = join(path, part);
      if (this.dirs.has(path)) continue;
      const st = this.lstat(path);
      if (!st) {
        if (!create) throw new LayerError(`"${parts.join("/")}" does not exist in the layer`, entry);
        fs.mkdirSync(path, { mode: 0o755 });
        this.dirs.add(path);
        continue;
      }
      if (st.isSymbolicLink()) throw new LayerError(`parent "${part}" is a symlink; writing through it could escape the layer`, entry);
      if (!st.isDirectory()) throw new LayerError(`parent "${part}" is not a directory`, entry);
      this.dirs.add(path);
    }
    return path;
  }

  /** Removes whatever is at `path` (never following a symlink), unless it is a directory and `keepDir`. */
  private clear(path: string, keepDir: boolean) {
    const st = this.lstat(path);
    if (!st) return;
    if (keepDir && st.isDirectory()) return;
    if (st.isDirectory()) fs.rmSync(path, { recursive: true, force: true });
    else fs.unlinkSync(path);
    this.dirs.clear();
  }

  async apply(h: TarHeader, body: AsyncIterable<Buffer>) {
    const parts = safeComponents(h.name, h.name);
    if (parts.length === 0) {
      // The root entry ("./"): keep its mode and owner, nothing else to create.
      if (h.type !== "directory") throw new LayerError("the layer root must be a directory", h.name);
      fs.chownSync(this.root, h.uid, h.gid);
      fs.chmodSync(this.root, h.mode);
      return;
    }
    const base = parts[parts.length - 1];
    const parent = this.parentDir(parts.slice(0, -1), h.name, true);

    if (base.startsWith(WHITEOUT)) {
      if (base === OPAQUE) {
        await setXattr(parent, "trusted.overlay.opaque", Buffer.from("y"));
        return;
      }
      if (base.startsWith(`${WHITEOUT}${WHITEOUT}`)) return; // aufs bookkeeping (.wh..wh.plnk, …): meaningless here
      const victim = base.slice(WHITEOUT.length);
      if (victim === "" || victim === "." || victim === "..") throw new LayerError(`whiteout of "${victim}" is not allowed`, h.name);
      const target = join(parent, victim);
      this.clear(target, false);
      await mknod(target, "c", 0, 0, 0);
      fs.lchownSync(target, h.uid, h.gid);
      return;
    }

    const target = join(parent, base);
    switch (h.type) {
      case "directory": {
        this.clear(target, true);
        if (!this.lstat(target)) fs.mkdirSync(target, { mode: 0o700 });
        this.dirs.add(target);
        fs.chownSync(target, h.uid, h.gid);
        fs.chmodSync(target, h.mode);
        await this.xattrs(target, h);
        this.dirTimes.push({ path: target, mtime: h.mtime });
        return;
      }
      case "file": {
        this.clear(target, false);
        const fd = fs.openSync(target, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL | FS.O_NOFOLLOW, 0o600);
        try {
          for await (const piece of body) {
            let off = 0;
            while (off < piece.length) off += fs.writeSync(fd, piece, off, piece.length - off);
          }
          fs.fchownSync(fd, h.uid, h.gid);
          fs.fchmodSync(fd, h.mode);
          fs.futimesSync(fd, h.mtime, h.mtime);
        } finally {
          fs.closeSync(fd);
        }
        await this.xattrs(target, h);
        return;
      }
      case "symlink": {
        if (h.linkname === "") throw new LayerError("symlink with an empty target", h.name);
        this.clear(target, false);
        fs.symlinkSync(h.linkname, target);
        fs.lchownSync(target, h.uid, h.gid);
        fs.lutimesSync(target, h.mtime, h.mtime);
        await this.xattrs(target, h);
        return;
      }
      case "hardlink": {
        const linkParts = safeComponents(h.linkname, h.name, "hardlink target");
        if (linkParts.length === 0) throw new LayerError("hardlink to the layer root", h.name);
        const srcDir = this.parentDir(linkParts.slice(0, -1), h.name, false);
        const src = join(srcDir, linkParts[linkParts.length - 1]);
        const st = this.lstat(src);
        if (!st) throw new LayerError(`hardlink target "${h.linkname}" does not exist in the layer`, h.name);
        if (st.isDirectory()) throw new LayerError(`hardlink target "${h.linkname}" is a directory`, h.name);
        if (src === target) return;
        this.clear(target, false);
        // link(2) does not follow a symlink source: a link to a symlink is another symlink, never its target.
        fs.linkSync(src, target);
        return;
      }
      case "chardev":
      case "blockdev":
      case "fifo": {
        if (h.type !== "fifo" && !this.opts.allowDevices) {
          throw new LayerError(`device node (${h.type} ${h.devmajor}:${h.devminor}) is not allowed in this layer`, h.name);
        }
        this.clear(target, false);
        await mknod(target, h.type === "fifo" ? "p" : h.type === "chardev" ? "c" : "b", h.mode, h.devmajor, h.devminor);
        fs.lchownSync(target, h.uid, h.gid);
        fs.chmodSync(target, h.mode);
        fs.lutimesSync(target, h.mtime, h.mtime);
        return;
      }
    }
  }

  private async xattrs(path: string, h: TarHeader) {
    for (const [name, value] of Object.entries(h.xattrs)) {
      if (name.startsWith("trusted.overlay.")) continue; // overlay's own bookkeeping is ours to write, never an image's
      if (!/^(user|security|trusted)\./.test(name)) continue;
      // An SELinux label from the image's build host means nothing here (the runtime labels containers itself).
      if (name === "security.selinux") continue;
      try {
        await setXattr(path, name, value);
      } catch (e) {
        const stderr = String((e as { stderr?: string }).stderr ?? (e as Error).message);
        // A filesystem without xattr support for this namespace: the file is still correct, as Docker treats it.
        if (/Operation not supported/i.test(stderr)) continue;
        throw new LayerError(`cannot set extended attribute ${name}: ${stderr.trim()}`, h.name);
      }
    }
  }

  finish() {
    // Children were written after their directories; set directory times last, deepest first.
    for (const d of this.dirTimes.sort((a, b) => b.path.length - a.path.length)) fs.utimesSync(d.path, d.mtime, d.mtime);
  }
}
