// A container's files as its processes see them — its root filesystem with its volumes and bind mounts over it — for
// `docker cp` in any state (created, running, exited): a path under a mount's target reads and writes the mount's
// source, as under dockerd's container filesystem view.
//
// The kernel cannot resolve such a path for us (the mounts exist only in a running container's mount namespace, or
// not at all), so the walk is done here, one component at a time, and stays as confined as openat2 RESOLVE_IN_ROOT:
// each component is opened in the directory held open before it (openat2 of a single name, RESOLVE_BENEATH, never
// following a symlink), a symlink's text is read and walked again from the container's root (absolute) or from the
// directory that holds it (relative), ".." leaves a directory for the one the walk came from and never goes above
// the root — leaving a mount's root goes back to the directory the mount is on, as the kernel does — and every
// directory that is a mount's target is replaced by the mount's source. A running container that swaps a directory
// for a symlink meanwhile changes what the walk finds, never where it may go (CVE-2018-15664).
import { closeSync, constants as FS, existsSync, fstatSync, mkdirSync, readlinkSync, type Stats } from "node:fs";
import { basename, dirname, join, posix } from "node:path";
import { fdPath, hostSys } from "../../native/node/sys";
import type { ContainerRecord } from "./types";

const MAX_LINKS = 40;

/** A volume or bind mount of the container: where it shows inside, and its directory (or file) on the host. */
export interface ViewMount {
  target: string;
  source: string;
  readOnly: boolean;
}

/**
 * The mounts `docker cp` goes through: volumes and bind mounts, and — once the container has started — its
 * /etc/hosts, /etc/hostname and /etc/resolv.conf, kept in `containerDir` (as dockerd's view has them). tmpfs mounts
 * have nothing on the host: their path is the root filesystem's.
 */
export function viewMounts(rec: ContainerRecord, containerDir: string): ViewMount[] {
  const out = rec.Mounts.filter((m) => m.type !== "tmpfs" && m.source).map((m) => ({ target: posix.normalize(m.target), source: m.source, readOnly: m.readOnly }));
  for (const [name, target] of [["hosts", "/etc/hosts"], ["hostname", "/etc/hostname"], ["resolv.conf", "/etc/resolv.conf"]] as const) {
    if (rec.HasBeenStarted && !out.some((m) => m.target === target) && existsSync(join(containerDir, name))) out.push({ target, source: join(containerDir, name), readOnly: false });
  }
  return out;
}

/** What a path names in the view: its parent directory and itself (not followed), held open. */
export interface ViewEntry {
  /** The parent directory (O_PATH), or -1 for the root itself. */
  parentFd: number;
  base: string;
  /** The entry (O_PATH; a symlink is the link itself). */
  fd: number;
  st: Stats;
  /** The mount the entry is in (or is the root of), or null for the root filesystem. */
  mount: ViewMount | null;
  /** The entry's path inside the container, every symlink before it resolved. */
  path: string;
}

const errno = (code: string, msg: string) => Object.assign(new Error(`${code}: ${msg}`), { code });

function openSource(source: string): number {
  const sys = hostSys();
  return sys.openat2(-100, source, sys.O_PATH, 0, 0);
}

/**
 * Finds `path` in the view of `rootfs` with `mounts`: the path is cleaned first (as dockerd cleans it), then every
 * component but the last is followed (inside the view) when a symlink, the last one only with `followFinal` or a
 * trailing "/". Directories a mount's target needs that the root filesystem lacks (a created container's mount points)
 * are made, as the runtime makes them at start. Throws an Error whose `code` is the errno (ENOENT, ENOTDIR, ELOOP).
 */
export function locateInView(rootfs: string, mounts: ViewMount[], path: string, opts: { followFinal: boolean }): ViewEntry {
  const sys = hostSys();
  const byTarget = new Map(mounts.map((m) => [m.target, m]));
  const needed = (p: string) => mounts.some((m) => m.target.startsWith(`${p}/`));
  const norm = posix.normalize("/" + path);
  const followFinal = opts.followFinal || (norm !== "/" && norm.endsWith("/"));
  /** Directories walked into, from the root: their descriptors, container paths and mounts. */
  const stack: { fd: number; path: string; mount: ViewMount | null }[] = [{ fd: sys.openat2(-100, rootfs, sys.O_PATH | FS.O_DIRECTORY, 0, 0), path: "/", mount: null }];
  const pending = norm.split("/").filter(Boolean).reverse();
  let links = 0;
  const closeAbove = (n: number) => {
    while (stack.length > n) closeSync(stack.pop()!.fd);
  };
  /** The directory on top of the stack as the entry found (a path ending at the root, or at a symlink's ".."). */
  const top = (): ViewEntry => {
    const t = stack.pop()!;
    if (!stack.length) return { parentFd: -1, base: "", fd: t.fd, st: fstatSync(t.fd), mount: null, path: "/" };
    const parent = stack[stack.length - 1]!;
    return { parentFd: sys.openat2(parent.fd, ".", sys.O_PATH | FS.O_DIRECTORY, 0, sys.RESOLVE_BENEATH), base: posix.basename(t.path), fd: t.fd, st: fstatSync(t.fd), mount: t.mount, path: t.path };
  };
  try {
    for (;;) {
      if (!pending.length) return top();
      const part = pending.pop()!;
      const cur = stack[stack.length - 1]!;
      if (part === ".") continue;
      if (part === "..") {
        if (stack.length > 1) closeAbove(stack.length - 1);
        continue;
      }
      const childPath = cur.path === "/" ? `/${part}` : `${cur.path}/${part}`;
      const last = pending.length === 0;
      const mount = byTarget.get(childPath);
      let fd: number;
      if (mount) fd = openSource(mount.source);
      else {
        try {
          fd = sys.openat2(cur.fd, part, sys.O_PATH | FS.O_NOFOLLOW, 0, sys.RESOLVE_BENEATH | sys.RESOLVE_NO_MAGICLINKS);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ENOENT" || !needed(childPath)) throw e;
          // A mount point the root filesystem does not have yet.
          mkdirSync(`${fdPath(cur.fd)}/${part}`, { mode: 0o755 });
          fd = sys.openat2(cur.fd, part, sys.O_PATH | FS.O_NOFOLLOW | FS.O_DIRECTORY, 0, sys.RESOLVE_BENEATH | sys.RESOLVE_NO_MAGICLINKS);
        }
      }
      const st = fstatSync(fd);
      if (st.isSymbolicLink() && (!last || followFinal)) {
        const text = readlinkSync(`${fdPath(cur.fd)}/${part}`);
        closeSync(fd);
        if (++links > MAX_LINKS) throw errno("ELOOP", `too many levels of symbolic links resolving ${path}`);
        if (text.startsWith("/")) closeAbove(1);
        pending.push(...text.split("/").filter(Boolean).reverse());
        continue;
      }
      if (!last) {
        if (!st.isDirectory()) {
          closeSync(fd);
          throw errno("ENOTDIR", `${childPath} is not a directory`);
        }
        stack.push({ fd, path: childPath, mount: mount ?? cur.mount });
        continue;
      }
      if (followFinal && !st.isDirectory() && norm.endsWith("/")) {
        closeSync(fd);
        throw errno("ENOTDIR", `${childPath} is not a directory`);
      }
      // A file bind-mounted over a path: its own parent on the host holds it (the root filesystem's would not).
      let parentFd: number;
      let base = part;
      if (mount && !st.isDirectory()) {
        parentFd = openSource(dirname(mount.source));
        base = basename(mount.source);
      } else parentFd = sys.openat2(cur.fd, ".", sys.O_PATH | FS.O_DIRECTORY, 0, sys.RESOLVE_BENEATH);
      return { parentFd, base, fd, st, mount: mount ?? cur.mount, path: childPath };
    }
  } finally {
    closeAbove(0);
  }
}
