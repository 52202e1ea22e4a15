// Writes a directory as a layer tar. With `overlay: true` the directory is an overlayfs upper dir and overlay's
// markers become OCI whiteouts: a 0:0 character device NAME → empty file ".wh.NAME", a directory with
// trusted.overlay.opaque=y → the directory plus ".wh..wh..opq" inside it. Owners, modes, mtimes (whole seconds),
// xattrs (minus overlay's own) and hardlinks are kept; sockets are skipped (they cannot be archived).
//
// The walk holds a descriptor for every directory it is in and looks each name up in that directory alone, never
// following a symlink (openat2 with O_NOFOLLOW, then the descriptor itself is stat'ed, read and listed): a tree that
// changes while it is read — a running container's root, whose processes may swap a directory for a symlink to "/"
// between two calls — can only show its own entries, never the host's (CVE-2018-15664).
import { closeSync, constants as FS, createReadStream, fstatSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { Readable } from "node:stream";
import { fdPath, hostSys } from "../../native/node/sys";
import { tarEnd, tarHeader, tarPadding, type TarWriteEntry } from "./tar";

export interface PackOptions {
  /** Treat `dir` as an overlay upper dir (convert whiteouts and opaque dirs). */
  overlay?: boolean;
  /** Archive path prefix for every entry (default none: paths relative to `dir`). */
  prefix?: string;
}

function major(rdev: number) {
  return Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
}
function minor(rdev: number) {
  return Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));
}

/** The tar of `dir` as a stream; entries in sorted order so the same tree gives the same bytes. */
export function packDirectory(dir: string, opts: PackOptions = {}): Readable {
  return Readable.from(generate(dir, null, opts), { objectMode: false });
}

/**
 * The tar of one entry NAME of `dir` (not followed when a symlink; a directory with all it holds) archived as
 * `archName`: what `docker cp` sends out of a container.
 */
export function packEntry(dir: string, name: string, archName: string): Readable {
  return Readable.from(generate(dir, { name, archName }, {}), { objectMode: false });
}

/** Opens NAME in the directory DIRFD itself (a single component, a symlink not followed) for fstat and reopening. */
function openEntry(dirFd: number, name: string): number {
  const sys = hostSys();
  return sys.openat2(dirFd, name, sys.O_PATH | FS.O_NOFOLLOW, 0, sys.RESOLVE_BENEATH | sys.RESOLVE_NO_MAGICLINKS);
}

async function* generate(dir: string, one: { name: string; archName: string } | null, opts: PackOptions): AsyncGenerator<Buffer> {
  const sys = hostSys();
  const seen = new Map<string, string>(); // "dev:ino" → first archive name, for hardlinks
  const prefix = opts.prefix ? opts.prefix.replace(/\/+$/, "") + "/" : "";

  function keptXattrs(all: Record<string, Buffer>): Record<string, Buffer> | undefined {
    const out: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(all)) if (!k.startsWith("trusted.overlay.") && !k.startsWith("system.")) out[k] = v;
    return Object.keys(out).length ? out : undefined;
  }

  function base(st: Stats): Omit<TarWriteEntry, "name" | "type"> {
    return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
  }

  /** Every entry of the directory open as DIRFD, sorted, archived under REL. */
  async function* children(dirFd: number, rel: string): AsyncGenerator<Buffer> {
    for (const name of readdirSync(fdPath(dirFd)).sort()) yield* entry(dirFd, name, rel ? `${rel}/${name}` : name);
  }

  /** NAME of the directory open as DIRFD, archived as ARCH (with everything below it when a directory). */
  async function* entry(dirFd: number, name: string, arch: string): AsyncGenerator<Buffer> {
    let fd: number;
    try {
      fd = openEntry(dirFd, name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return; // removed since the directory was listed
      throw e;
    }
    try {
      const st = fstatSync(fd);
      // A symlink's own attributes are read by name (in the held directory, not followed); anything else's through
      // its descriptor.
      const xattrs = st.isSymbolicLink() ? sys.xattrs(`${fdPath(dirFd)}/${name}`, false) : sys.xattrs(fdPath(fd), true);
      const name_ = prefix + arch;
      if (st.isDirectory()) {
        yield tarHeader({ name: `${name_}/`, type: "directory", ...base(st), xattrs: keptXattrs(xattrs) });
        const opaque = xattrs["trusted.overlay.opaque"];
        if (opts.overlay && opaque && opaque.toString() === "y") {
          yield tarHeader({ name: `${name_}/.wh..wh..opq`, type: "file", mode: 0o644, mtime: Math.floor(st.mtimeMs / 1000), size: 0 });
        }
        yield* children(fd, arch);
      } else if (st.isCharacterDevice() && opts.overlay && st.rdev === 0) {
        const slash = name_.lastIndexOf("/");
        yield tarHeader({ name: `${name_.slice(0, slash + 1)}.wh.${name_.slice(slash + 1)}`, type: "file", mode: 0o644, mtime: Math.floor(st.mtimeMs / 1000), size: 0 });
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? seen.get(key) : undefined;
        if (first) {
          yield tarHeader({ name: name_, type: "hardlink", linkname: first, ...base(st) });
          return;
        }
        if (st.nlink > 1) seen.set(key, name_);
        yield tarHeader({ name: name_, type: "file", ...base(st), size: st.size, xattrs: keptXattrs(xattrs) });
        let written = 0;
        // Reopened through the descriptor: the very file that was stat'ed, whatever its name points at by now.
        const stream = createReadStream("", { fd: sys.openat2(-100, fdPath(fd), FS.O_RDONLY, 0, 0), highWaterMark: 256 * 1024 });
        try {
          for await (const chunk of stream) {
            const c = chunk as Buffer;
            const room = st.size - written;
            if (room <= 0) break;
            const piece = c.length > room ? c.subarray(0, room) : c;
            written += piece.length;
            yield piece;
          }
        } finally {
          stream.destroy();
        }
        // A file that shrank while being read is padded with zeros: the header already promised st.size bytes.
        if (written < st.size) yield Buffer.alloc(st.size - written);
        yield tarPadding(st.size);
      } else if (st.isSymbolicLink()) {
        yield tarHeader({ name: name_, type: "symlink", linkname: readlinkSync(`${fdPath(dirFd)}/${name}`), ...base(st), xattrs: keptXattrs(xattrs) });
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        yield tarHeader({
          name: name_,
          type: st.isCharacterDevice() ? "chardev" : "blockdev",
          ...base(st),
          devmajor: major(st.rdev),
          devminor: minor(st.rdev),
        });
      } else if (st.isFIFO()) {
        yield tarHeader({ name: name_, type: "fifo", ...base(st) });
      }
    } finally {
      closeSync(fd);
    }
  }

  const dirFd = sys.openat2(-100, dir, sys.O_PATH | FS.O_DIRECTORY, 0, 0);
  try {
    if (!one) yield* children(dirFd, "");
    else if (one.name === "") {
      // the directory itself
      const st = fstatSync(dirFd);
      yield tarHeader({ name: `${prefix}${one.archName}/`, type: "directory", ...base(st), xattrs: keptXattrs(sys.xattrs(fdPath(dirFd), true)) });
      yield* children(dirFd, one.archName);
    } else yield* entry(dirFd, one.name, one.archName);
  } finally {
    closeSync(dirFd);
  }
  yield tarEnd();
}
