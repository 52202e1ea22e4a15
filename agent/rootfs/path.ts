// Paths inside a container root filesystem, resolved the way the container would see them: symlinks (absolute or
// relative) are followed relative to the root and ".." stops at it, so nothing the builder writes or reads for COPY,
// WORKDIR or USER lookup ever lands outside the root — whatever symlinks the image or the context holds.
//
// Two ways, for two kinds of root. `openInRoot` has the kernel resolve the path (openat2 RESOLVE_IN_ROOT) and gives a
// descriptor: the only safe way into a root that a running container's processes can change meanwhile (a check of a
// path, then an open of that path, can be raced by swapping a directory for a symlink to "/" in between:
// CVE-2018-15664). `resolveInRoot` gives a host path, for trees nothing else changes while it is used (a build's
// snapshot between steps, an unpacked archive).
import { closeSync, constants as FS, fstatSync, lstatSync, readFileSync, readlinkSync } from "node:fs";
import { join, posix } from "node:path";
import { hostSys } from "../../native/node/sys";

const MAX_LINKS = 40;

export class RootPathError extends Error {}

/**
 * The host path for `path` inside `root`. Every existing component is lstat'ed; a symlink is replaced by its target
 * (resolved inside the root). With `followFinal: false` a symlink in the last component is kept as is (for writing
 * over it or copying it as a link). Components that do not exist yet are appended literally.
 */
export function resolveInRoot(root: string, path: string, opts: { followFinal?: boolean } = {}): string {
  const followFinal = opts.followFinal ?? true;
  const pending = posix.normalize("/" + path).split("/").filter(Boolean).reverse();
  const done: string[] = [];
  let links = 0;
  while (pending.length) {
    const part = pending.pop()!;
    if (part === ".") continue;
    if (part === "..") {
      done.pop();
      continue;
    }
    const host = join(root, ...done, part);
    let st;
    try {
      st = lstatSync(host);
    } catch {
      done.push(part);
      continue;
    }
    if (st.isSymbolicLink() && (followFinal || pending.length > 0)) {
      if (++links > MAX_LINKS) throw new RootPathError(`too many levels of symbolic links resolving ${path}`);
      const target = readlinkSync(host);
      if (target.startsWith("/")) done.length = 0;
      pending.push(...target.split("/").filter(Boolean).reverse());
      continue;
    }
    done.push(part);
  }
  return join(root, ...done);
}

/**
 * A descriptor (O_CLOEXEC) for `path` inside the directory `root` (a path or a descriptor), every symlink and ".."
 * resolved by the kernel as if `root` were "/". With `followFinal: false` a symlink in the last component is opened
 * itself (give O_PATH for that: it is fstat'ed, not read). Throws the errno (`code` ENOENT, ENOTDIR, ELOOP…).
 */
export function openInRoot(root: string | number, path: string, flags: number, opts: { followFinal?: boolean; mode?: number } = {}): number {
  const sys = hostSys();
  const rootFd = typeof root === "number" ? root : sys.openat2(-100, root, sys.O_PATH | FS.O_DIRECTORY, 0, 0);
  try {
    const nofollow = opts.followFinal === false ? FS.O_NOFOLLOW : 0;
    return sys.openat2(rootFd, posix.normalize("/" + path), flags | nofollow, opts.mode ?? 0, sys.RESOLVE_IN_ROOT | sys.RESOLVE_NO_MAGICLINKS);
  } finally {
    if (typeof root !== "number") closeSync(rootFd);
  }
}

/** The content of the regular file `path` inside `root`, resolved there (openInRoot); a FIFO or device is refused. */
export function readFileInRoot(root: string, path: string): Buffer {
  const fd = openInRoot(root, path, FS.O_RDONLY | FS.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: "EINVAL" });
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The container path (absolute, normalised) for `path` relative to `cwd`. */
export function containerPath(path: string, cwd: string): string {
  return posix.normalize(path.startsWith("/") ? path : posix.join(cwd || "/", path));
}
