// Paths inside a container root filesystem, resolved the way the container would see them: symlinks (absolute or
// relative) are followed relative to the root and ".." stops at it, so nothing the builder writes or reads for COPY,
// WORKDIR or USER lookup ever lands outside the root — whatever symlinks the image or the context holds.
import { lstatSync, readlinkSync } from "node:fs";
import { join, posix } from "node:path";

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

/** The container path (absolute, normalised) for `path` relative to `cwd`. */
export function containerPath(path: string, cwd: string): string {
  return posix.normalize(path.startsWith("/") ? path : posix.join(cwd || "/", path));
}
