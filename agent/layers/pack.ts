// Writes a directory as a layer tar. With `overlay: true` the directory is an overlayfs upper dir and overlay's
// markers become OCI whiteouts: a 0:0 character device NAME → empty file ".wh.NAME", a directory with
// trusted.overlay.opaque=y → the directory plus ".wh..wh..opq" inside it. Owners, modes, mtimes (whole seconds),
// xattrs (minus overlay's own) and hardlinks are kept; sockets are skipped (they cannot be archived).
import { createReadStream, promises as fsp, type Stats } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { readXattrsTree } from "./fsutil";
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
  return Readable.from(generate(dir, opts), { objectMode: false });
}

async function* generate(dir: string, opts: PackOptions): AsyncGenerator<Buffer> {
  const xattrs = await readXattrsTree(dir);
  const seen = new Map<string, string>(); // "dev:ino" → first archive name, for hardlinks
  const prefix = opts.prefix ? opts.prefix.replace(/\/+$/, "") + "/" : "";

  function keptXattrs(path: string): Record<string, Buffer> | undefined {
    const all = xattrs.get(path);
    if (!all) return undefined;
    const out: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(all)) if (!k.startsWith("trusted.overlay.") && !k.startsWith("system.")) out[k] = v;
    return Object.keys(out).length ? out : undefined;
  }

  function base(st: Stats): Omit<TarWriteEntry, "name" | "type"> {
    return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
  }

  async function* walk(abs: string, rel: string): AsyncGenerator<Buffer> {
    const names = (await fsp.readdir(abs)).sort();
    for (const name of names) {
      const path = join(abs, name);
      const arch = prefix + (rel ? `${rel}/${name}` : name);
      const st = await fsp.lstat(path);
      if (st.isDirectory()) {
        yield tarHeader({ name: `${arch}/`, type: "directory", ...base(st), xattrs: keptXattrs(path) });
        const opaque = xattrs.get(path)?.["trusted.overlay.opaque"];
        if (opts.overlay && opaque && opaque.toString() === "y") {
          yield tarHeader({ name: `${arch}/.wh..wh..opq`, type: "file", mode: 0o644, mtime: Math.floor(st.mtimeMs / 1000), size: 0 });
        }
        yield* walk(path, rel ? `${rel}/${name}` : name);
      } else if (st.isCharacterDevice() && opts.overlay && st.rdev === 0) {
        const slash = arch.lastIndexOf("/");
        yield tarHeader({ name: `${arch.slice(0, slash + 1)}.wh.${arch.slice(slash + 1)}`, type: "file", mode: 0o644, mtime: Math.floor(st.mtimeMs / 1000), size: 0 });
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? seen.get(key) : undefined;
        if (first) {
          yield tarHeader({ name: arch, type: "hardlink", linkname: first, ...base(st) });
          continue;
        }
        if (st.nlink > 1) seen.set(key, arch);
        yield tarHeader({ name: arch, type: "file", ...base(st), size: st.size, xattrs: keptXattrs(path) });
        let written = 0;
        for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
          const c = chunk as Buffer;
          const room = st.size - written;
          if (room <= 0) break;
          const piece = c.length > room ? c.subarray(0, room) : c;
          written += piece.length;
          yield piece;
        }
        // A file that shrank while being read is padded with zeros: the header already promised st.size bytes.
        if (written < st.size) yield Buffer.alloc(st.size - written);
        yield tarPadding(st.size);
      } else if (st.isSymbolicLink()) {
        yield tarHeader({ name: arch, type: "symlink", linkname: await fsp.readlink(path), ...base(st), xattrs: keptXattrs(path) });
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        yield tarHeader({
          name: arch,
          type: st.isCharacterDevice() ? "chardev" : "blockdev",
          ...base(st),
          devmajor: major(st.rdev),
          devminor: minor(st.rdev),
        });
      } else if (st.isFIFO()) {
        yield tarHeader({ name: arch, type: "fifo", ...base(st) });
      }
    }
  }

  yield* walk(dir, "");
  yield tarEnd();
}
