// Unpacks one layer tar into its own directory, in overlay form, without ever writing outside that directory.
//
// Safety rules (what containerd's archive/tar.go guards against):
//   - absolute names and any ".." component are refused (so are hardlink targets with them);
//   - every parent directory is opened below the root with openat2 (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), missing
//     ones created, and held as a descriptor: a symlink (or a non-directory) in a parent is refused, and every name is
//     then created in the held directory itself — so nothing is ever written *through* a symlink, even when the tree
//     is a running container's and its processes swap a directory for a symlink meanwhile (CVE-2018-15664);
//   - the final component is replaced, never followed: files are created with O_EXCL|O_NOFOLLOW after removing
//     whatever was there, symlinks and hardlinks are created, not resolved;
//   - a hardlink must point at an existing non-directory inside the root (resolved by the same walk);
//   - whiteouts: ".wh.NAME" becomes a 0:0 character device NAME, ".wh..wh..opq" sets trusted.overlay.opaque=y on
//     its directory; a whiteout of "", "." or ".." is refused;
//   - block/char devices only with allowDevices; trusted.overlay.* xattrs from the archive are dropped.
// Owners, modes (setuid included: chmod after chown), xattrs and mtimes are kept; directory times are set last.
import fs, { constants as FS } from "node:fs";
import { createHash } from "node:crypto";
import { Transform, type Readable } from "node:stream";
import { fdPath, hostSys } from "../../native/node/sys";
import { LayerError } from "../../lib/oci/errors";
import { decompress, type Compression } from "./compression";
import { mknod, setXattr } from "./fsutil";
import { readTar, type TarHeader } from "./tar";

export interface UnpackOptions {
  /** Allow block and character device entries (default false). */
  allowDevices?: boolean;
  /** Called with the count of compressed/raw input bytes consumed so far. */
  onProgress?: (bytesRead: number) => void;
  /** The blob's size when known (a large gzip blob is inflated by igzip where installed). */
  blobSize?: number;
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
  const u = new Unpacker(root, opts);
  try {
    return await unpackInto(u, source, opts);
  } finally {
    u.close();
  }
}

async function unpackInto(u: Unpacker, source: Readable, opts: UnpackOptions): Promise<UnpackResult> {
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
  const { stream, compression } = await decompress(input, opts.blobSize);
  const hash = createHash("sha256");
  let size = 0;
  async function* hashed() {
    for await (const chunk of stream) {
      hash.update(chunk);
      size += chunk.length;
      yield chunk as Buffer;
    }
  }
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
// per call made unpacking thousands of small files several times slower. File data is still streamed. What
// allocates an inode (creating a file, directory or symlink) goes through the thread pool all the same: that can
// take a millisecond (ext4 without a journal passes over every inode freed in the last 30 s), and the layers of a
// pull unpack side by side on one event loop.
//
// Names are reached as `${fdPath(dir)}/name` (a lookup of NAME in the held directory, what openat(dir, name) does)
// for the calls Node has no *at() form of; those that would follow a final symlink (chmod, utimes) go through a
// descriptor of what was just created instead.
const DIR_FDS_KEPT = 128;

class Unpacker {
  private readonly rootFd: number;
  /** Directories below the root, held open (relative path → descriptor); emptied whenever something is replaced. */
  private dirs = new Map<string, number>();
  private dirTimes: { rel: string[]; mtime: number }[] = [];

  constructor(
    root: string,
    private readonly opts: UnpackOptions,
  ) {
    try {
      this.rootFd = hostSys().openat2(-100, root, FS.O_RDONLY | FS.O_DIRECTORY, 0, 0);
    } catch (e) {
      throw new LayerError(`unpack target ${root} is not a directory: ${(e as Error).message}`);
    }
  }

  close() {
    this.forgetDirs();
    fs.closeSync(this.rootFd);
  }

  private forgetDirs() {
    for (const fd of this.dirs.values()) fs.closeSync(fd);
    this.dirs.clear();
  }

  private lstat(path: string) {
    return fs.lstatSync(path, { throwIfNoEntry: false });
  }

  /** NAME in the directory held as DIRFD. */
  private at(dirFd: number, name: string) {
    return `${fdPath(dirFd)}/${name}`;
  }

  /** Opens NAME of DIRFD itself (one component, a symlink not followed). */
  private openIn(dirFd: number, name: string, flags: number, mode = 0) {
    const sys = hostSys();
    return sys.openat2(dirFd, name, flags | FS.O_NOFOLLOW, mode, sys.RESOLVE_BENEATH | sys.RESOLVE_NO_MAGICLINKS);
  }

  /** openIn on the thread pool (for creating). */
  private createIn(dirFd: number, name: string, flags: number, mode: number) {
    const sys = hostSys();
    return sys.openat2Async(dirFd, name, flags | FS.O_NOFOLLOW, mode, sys.RESOLVE_BENEATH | sys.RESOLVE_NO_MAGICLINKS);
  }

  /** Walks `parts` below the root: every component must be a real directory (created when missing); held open. */
  private parentDir(parts: string[], entry: string, create: boolean): number {
    if (parts.length === 0) return this.rootFd;
    const key = parts.join("/");
    const held = this.dirs.get(key);
    if (held !== undefined) return held;
    let fd = this.rootFd;
    for (const [i, part] of parts.entries()) {
      let next: number | undefined = this.dirs.get(parts.slice(0, i + 1).join("/"));
      if (next === undefined) {
        const st = this.lstat(this.at(fd, part));
        if (!st) {
          if (!create) throw new LayerError(`"${key}" does not exist in the layer`, entry);
          fs.mkdirSync(this.at(fd, part), { mode: 0o755 });
        } else if (st.isSymbolicLink()) throw new LayerError(`parent "${part}" is a symlink; writing through it could escape the layer`, entry);
        else if (!st.isDirectory()) throw new LayerError(`parent "${part}" is not a directory`, entry);
        try {
          next = this.openIn(fd, part, FS.O_RDONLY | FS.O_DIRECTORY);
        } catch (e) {
          // It was swapped between the look and the open: refused all the same.
          throw new LayerError(`parent "${part}" is not a directory (${(e as NodeJS.ErrnoException).code})`, entry);
        }
        this.dirs.set(parts.slice(0, i + 1).join("/"), next);
      }
      fd = next;
    }
    return fd;
  }

  /** Removes NAME of DIRFD (at REL; never following a symlink), unless it is a directory and `keepDir`. */
  private clear(dirFd: number, name: string, rel: string, keepDir: boolean) {
    const path = this.at(dirFd, name);
    const st = this.lstat(path);
    if (!st) return;
    if (keepDir && st.isDirectory()) return;
    if (!st.isDirectory()) return fs.unlinkSync(path);
    this.removeTree(dirFd, name);
    // What was held below it is gone with it (the parent in use is above it, so stays).
    for (const [key, fd] of this.dirs) {
      if (key !== rel && !key.startsWith(`${rel}/`)) continue;
      fs.closeSync(fd);
      this.dirs.delete(key);
    }
  }

  /** rm -r of the directory NAME of DIRFD, descending through descriptors only. */
  private removeTree(dirFd: number, name: string) {
    const fd = this.openIn(dirFd, name, FS.O_RDONLY | FS.O_DIRECTORY);
    try {
      for (const child of fs.readdirSync(fdPath(fd))) {
        const st = this.lstat(this.at(fd, child));
        if (st?.isDirectory()) this.removeTree(fd, child);
        else if (st) fs.unlinkSync(this.at(fd, child));
      }
    } finally {
      fs.closeSync(fd);
    }
    fs.rmdirSync(this.at(dirFd, name));
  }

  async apply(h: TarHeader, body: AsyncIterable<Buffer>) {
    // Between entries no descriptor is in use: the place to let go of the ones held.
    if (this.dirs.size >= DIR_FDS_KEPT) this.forgetDirs();
    const parts = safeComponents(h.name, h.name);
    if (parts.length === 0) {
      // The root entry ("./"): keep its mode and owner, nothing else to create.
      if (h.type !== "directory") throw new LayerError("the layer root must be a directory", h.name);
      fs.fchownSync(this.rootFd, h.uid, h.gid);
      fs.fchmodSync(this.rootFd, h.mode);
      return;
    }
    const base = parts[parts.length - 1];
    const parent = this.parentDir(parts.slice(0, -1), h.name, true);

    if (base.startsWith(WHITEOUT)) {
      if (base === OPAQUE) {
        // "." of the held directory: the directory itself, not the /proc link naming it
        await setXattr(`${fdPath(parent)}/.`, "trusted.overlay.opaque", Buffer.from("y"));
        return;
      }
      if (base.startsWith(`${WHITEOUT}${WHITEOUT}`)) return; // aufs bookkeeping (.wh..wh.plnk, …): meaningless here
      const victim = base.slice(WHITEOUT.length);
      if (victim === "" || victim === "." || victim === "..") throw new LayerError(`whiteout of "${victim}" is not allowed`, h.name);
      const target = this.at(parent, victim);
      this.clear(parent, victim, [...parts.slice(0, -1), victim].join("/"), false);
      await mknod(target, "c", 0, 0, 0);
      fs.lchownSync(target, h.uid, h.gid);
      return;
    }

    const rel = parts.join("/");
    const target = this.at(parent, base);
    switch (h.type) {
      case "directory": {
        this.clear(parent, base, rel, true);
        if (!this.lstat(target)) await fs.promises.mkdir(target, { mode: 0o700 });
        if (!this.dirs.has(rel)) this.dirs.set(rel, this.openIn(parent, base, FS.O_RDONLY | FS.O_DIRECTORY));
        const fd = this.dirs.get(rel)!;
        fs.fchownSync(fd, h.uid, h.gid);
        fs.fchmodSync(fd, h.mode);
        await this.xattrs(target, h);
        this.dirTimes.push({ rel: parts, mtime: h.mtime });
        return;
      }
      case "file": {
        this.clear(parent, base, rel, false);
        const fd = await this.createIn(parent, base, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL, 0o600);
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
        this.clear(parent, base, rel, false);
        await fs.promises.symlink(h.linkname, target);
        fs.lchownSync(target, h.uid, h.gid);
        fs.lutimesSync(target, h.mtime, h.mtime);
        await this.xattrs(target, h);
        return;
      }
      case "hardlink": {
        const linkParts = safeComponents(h.linkname, h.name, "hardlink target");
        if (linkParts.length === 0) throw new LayerError("hardlink to the layer root", h.name);
        const srcDir = this.parentDir(linkParts.slice(0, -1), h.name, false);
        const src = this.at(srcDir, linkParts[linkParts.length - 1]);
        const st = this.lstat(src);
        if (!st) throw new LayerError(`hardlink target "${h.linkname}" does not exist in the layer`, h.name);
        if (st.isDirectory()) throw new LayerError(`hardlink target "${h.linkname}" is a directory`, h.name);
        if (linkParts.join("/") === rel) return;
        this.clear(parent, base, rel, false);
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
        this.clear(parent, base, rel, false);
        await mknod(target, h.type === "fifo" ? "p" : h.type === "chardev" ? "c" : "b", h.mode, h.devmajor, h.devminor);
        fs.lchownSync(target, h.uid, h.gid);
        // chmod follows a symlink: through a descriptor of the node made (O_PATH opens no device)
        const fd = this.openIn(parent, base, hostSys().O_PATH);
        try {
          if (!fs.fstatSync(fd).isSymbolicLink()) fs.chmodSync(fdPath(fd), h.mode);
        } finally {
          fs.closeSync(fd);
        }
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
    for (const d of this.dirTimes.sort((a, b) => b.rel.length - a.rel.length)) {
      if (this.dirs.size >= DIR_FDS_KEPT) this.forgetDirs();
      fs.futimesSync(this.parentDir(d.rel, d.rel.join("/"), false), d.mtime, d.mtime);
    }
  }
}
