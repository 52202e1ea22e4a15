// A container's files: `docker cp` both ways (GET/HEAD/PUT /containers/{id}/archive, with the path-stat header),
// `docker diff` (/changes, read from the snapshot's upper dir), `docker export` (the whole root filesystem as a tar),
// `docker commit` (POST /commit: the upper dir becomes a layer through agent/image-builder/commit.ts), `docker container prune`
// (what each removed container's upper dir held is the space reclaimed) and `docker system df`.
//
// A container's files are reached through descriptors only: the path a client names is resolved by the kernel inside
// the container's root (openInRoot: openat2 RESOLVE_IN_ROOT, so "/", ".." and every symlink mean the container's),
// and what is then read, listed or written is looked up in directories held open, never followed out of them. A
// running container can change its tree at any moment — swap a directory for a symlink to "/" between a check and a
// use (CVE-2018-15664) — and still only ever show or receive its own files.
import { closeSync, constants as FS, fstatSync, lstatSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { basename, dirname, join, posix, relative } from "node:path";
import { pipeline } from "node:stream/promises";
import { fdPath, hostSys } from "../../native/node/sys";
import { openInRoot } from "../rootfs/path";
import { locateInView, viewMounts, type ViewMount } from "../containers/mount-view";
import { applyChanges, baseFromImage, CommitChangeError, commitSnapshot } from "../image-builder/commit";
import type { ImageRuntimeConfig } from "../../lib/oci/types";
import type { ContainerService } from "../containers/service";
import type { EventBus } from "../events";
import type { ImageService } from "../images/image-service";
import { packDirectory, packEntry } from "../layers/pack";
import { unpackLayer } from "../layers/unpack";
import type { SnapshotService } from "../snapshots/types";
import type { VolumeService } from "../volumes/volume-service";
import { parseTimeArg } from "../containers/time-arg";
import { summary } from "./containers";
import { badParameter, notFoundError } from "./errors";
import { parseFilters, readJson, sendEmpty, sendJson, type Ctx } from "./http";
import { route, type Route } from "./server";
import { volumeWire } from "./volumes";

interface Deps {
  containers: ContainerService;
  images: ImageService;
  snapshots: SnapshotService;
  volumes: VolumeService;
  events: EventBus;
}

/** What `path` names inside a container: its parent directory and itself (not followed), held open. */
interface Located {
  rootfs: string;
  /** The container's volumes and bind mounts (empty: the root filesystem alone, resolved by the kernel). */
  mounts: ViewMount[];
  /** The volume or bind mount the entry is in, if any. */
  mount: ViewMount | null;
  /** The parent directory (O_PATH), or -1 for the root itself. */
  parentFd: number;
  base: string;
  /** The entry itself (O_PATH; a symlink is the link). */
  fd: number;
  st: Stats;
}

const errnoOf = (e: unknown) => (e as NodeJS.ErrnoException)?.code;

function notFound(path: string, container: string) {
  return notFoundError(`Could not find the file ${path} in container ${container}`);
}

/**
 * Locates `path` in the container `ref`: every component but the last resolved inside its root (followed there
 * when a symlink, as the container would), the last one not followed — or followed too when the path ends in "/".
 */
async function locate(deps: Deps, ref: string, path: string | null): Promise<Located> {
  if (!path) throw badParameter("path is required");
  const mounts = containerMounts(deps, ref);
  const rootfs = await deps.containers.rootfs(ref);
  if (mounts.length) {
    try {
      return { rootfs, mounts, ...locateInView(rootfs, mounts, path, { followFinal: false }) };
    } catch (e) {
      throw pathError(e, path, ref);
    }
  }
  const sys = hostSys();
  const norm = posix.normalize("/" + path);
  const followFinal = norm !== "/" && norm.endsWith("/");
  const base = norm === "/" ? "" : posix.basename(norm);
  let parentFd = -1;
  let fd = -1;
  try {
    if (base && !followFinal) {
      parentFd = openInRoot(rootfs, posix.dirname(norm), sys.O_PATH | FS.O_DIRECTORY);
      fd = sys.openat2(parentFd, base, sys.O_PATH | FS.O_NOFOLLOW, 0, sys.RESOLVE_BENEATH | sys.RESOLVE_NO_MAGICLINKS);
    } else fd = openInRoot(rootfs, norm, sys.O_PATH | (followFinal ? FS.O_DIRECTORY : 0));
    return { rootfs, mounts, mount: null, parentFd, base: followFinal ? "" : base, fd, st: fstatSync(fd) };
  } catch (e) {
    release({ parentFd, fd });
    throw pathError(e, path, ref);
  }
}

/** The mounts a copy goes through (the container's own files beside its record among them). */
function containerMounts(deps: Deps, ref: string): ViewMount[] {
  const c = deps.containers.get(ref);
  return viewMounts(c, dirname(deps.containers.logPath(c.Id)));
}

/** A path that cannot be found as dockerd says it (404), a symlink loop as a 400; anything else as it is. */
function pathError(e: unknown, path: string, ref: string): unknown {
  const code = errnoOf(e);
  if (code === "ENOENT" || code === "ENOTDIR") return notFound(path, ref);
  if (code === "ELOOP") return badParameter(`too many levels of symbolic links resolving ${path}`);
  return e;
}

function release(l: { parentFd: number; fd: number }) {
  if (l.fd >= 0) closeSync(l.fd);
  if (l.parentFd >= 0) closeSync(l.parentFd);
}

/** The link's text, and (dockerd's linkTarget) the path inside the container it finally leads to. */
function linkTarget(l: Located, norm: string): string {
  const text = readlinkSync(`${fdPath(l.parentFd)}/${l.base}`);
  if (l.mounts.length) {
    try {
      const target = locateInView(l.rootfs, l.mounts, norm, { followFinal: true });
      release(target);
      return target.path;
    } catch {
      return text; // dangling, or a loop
    }
  }
  let fd: number;
  try {
    fd = openInRoot(l.rootfs, norm, hostSys().O_PATH);
  } catch {
    // Dangling, or a loop: the link's own text is all there is to show.
    return text;
  }
  try {
    // The descriptor's path as the host sees it is inside the root (the kernel resolved it there).
    const rel = relative(l.rootfs, readlinkSync(fdPath(fd)));
    return rel.startsWith("..") ? text : "/" + rel;
  } finally {
    closeSync(fd);
  }
}

function pathStat(l: Located, path: string) {
  const st = l.st;
  // Go's FileMode bits: directory 1<<31, symlink 1<<27.
  const mode = (st.mode & 0o7777) + (st.isDirectory() ? 2 ** 31 : 0) + (st.isSymbolicLink() ? 2 ** 27 : 0);
  const target = st.isSymbolicLink() ? linkTarget(l, posix.normalize("/" + path)) : "";
  return { name: basename(path) || "/", size: st.size, mode, mtime: st.mtime.toISOString(), linkTarget: target };
}

/**
 * Every entry below the directory `dir`, sorted, depth first: `visit(rel, lstat)`. Each directory is descended into
 * through a descriptor opened without following (a running container's upper dir can change meanwhile).
 */
/** Visits every entry below dir (through held directory descriptors); `visit` returning false skips a directory's
 * contents. `path` reaches the entry through its parent's descriptor. */
function walkTree(dir: string, visit: (rel: string, st: Stats, path: string) => boolean | void) {
  const sys = hostSys();
  const walk = (dirFd: number, rel: string) => {
    for (const name of readdirSync(fdPath(dirFd)).sort()) {
      const r = `${rel}/${name}`;
      const st = lstatSync(`${fdPath(dirFd)}/${name}`, { throwIfNoEntry: false });
      if (!st) continue;
      if (visit(r, st, `${fdPath(dirFd)}/${name}`) === false || !st.isDirectory()) continue;
      let fd: number;
      try {
        fd = sys.openat2(dirFd, name, sys.O_PATH | FS.O_DIRECTORY | FS.O_NOFOLLOW, 0, sys.RESOLVE_BENEATH);
      } catch {
        continue; // no longer a directory
      }
      try {
        walk(fd, r);
      } finally {
        closeSync(fd);
      }
    }
  };
  let fd: number;
  try {
    fd = sys.openat2(-100, dir, sys.O_PATH | FS.O_DIRECTORY, 0, 0);
  } catch {
    return;
  }
  try {
    walk(fd, "");
  } finally {
    closeSync(fd);
  }
}

/** Whether `rel` is in the layer `dir`, as overlay sees it: no symlink on the way (not even the layer's own). */
function inLayer(dir: string, rel: string): boolean {
  const sys = hostSys();
  let dirFd: number;
  try {
    dirFd = sys.openat2(-100, dir, sys.O_PATH | FS.O_DIRECTORY, 0, 0);
  } catch {
    return false;
  }
  try {
    closeSync(sys.openat2(dirFd, rel.slice(1), sys.O_PATH | FS.O_NOFOLLOW, 0, sys.RESOLVE_BENEATH | sys.RESOLVE_NO_SYMLINKS));
    return true;
  } catch {
    return false;
  } finally {
    closeSync(dirFd);
  }
}

/**
 * Mount targets the runtime creates when the image lacks them. dockerd makes them in an init layer below the
 * container's, so `docker diff` never lists them; here they land in the upper dir and are left out when still empty.
 */
const ENGINE_MOUNT_POINTS = new Set(["/proc", "/sys", "/dev", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf"]);

function changes(upper: string, lowerdirs: string[]) {
  const out: { Path: string; Kind: number }[] = [];
  let hidUnderEtc = false;
  walkTree(upper, (r, st, path) => {
    if (st.isCharacterDevice() && st.rdev === 0) {
      out.push({ Path: r, Kind: 2 });
      return false;
    }
    const existed = lowerdirs.some((l) => inLayer(l, r));
    if (!existed && ENGINE_MOUNT_POINTS.has(r) && (st.isFile() ? st.size === 0 : st.isDirectory() && readdirSync(path).length === 0)) {
      hidUnderEtc ||= r.startsWith("/etc/");
      return false;
    }
    out.push({ Path: r, Kind: existed ? 0 : 1 });
  });
  // /etc copied up only to hold those mount points is no change of the container's either.
  if (hidUnderEtc && !out.some((c) => c.Path.startsWith("/etc/"))) return out.filter((c) => c.Path !== "/etc");
  return out;
}

export function storageRoutes(deps: Deps): Route[] {
  const statHeader = (l: Located, ctx: Ctx) => Buffer.from(JSON.stringify(pathStat(l, ctx.query.get("path")!))).toString("base64");
  return [
    route("HEAD", "/containers/{id}/archive", async (ctx) => {
      const l = await locate(deps, ctx.params[0]!, ctx.query.get("path"));
      try {
        ctx.res.writeHead(200, { "X-Docker-Container-Path-Stat": statHeader(l, ctx), "Content-Length": 0 });
        ctx.res.end();
      } finally {
        release(l);
      }
    }),
    route("GET", "/containers/{id}/archive", async (ctx) => {
      const l = await locate(deps, ctx.params[0]!, ctx.query.get("path"));
      try {
        const header = statHeader(l, ctx);
        const name = basename(ctx.query.get("path")!.replace(/\/+$/, "")) || ".";
        // A directory is archived from its own descriptor; anything else by its name in the held parent (a symlink
        // as the link itself, as dockerd sends it: `docker cp -L` asks for the linkTarget instead).
        const tar = l.st.isDirectory() || l.parentFd < 0 ? packEntry(fdPath(l.fd), "", name) : packEntry(fdPath(l.parentFd), l.base, name);
        ctx.res.writeHead(200, { "Content-Type": "application/x-tar", "X-Docker-Container-Path-Stat": header });
        await pipeline(tar, ctx.res);
      } finally {
        release(l);
      }
    }),
    route("PUT", "/containers/{id}/archive", async (ctx) => {
      const path = ctx.query.get("path");
      if (!path) throw badParameter("path is required");
      const c = deps.containers.get(ctx.params[0]!);
      const rootfs = await deps.containers.rootfs(c.Id);
      const mounts = containerMounts(deps, c.Id);
      let fd: number;
      let mount: ViewMount | null = null;
      try {
        // The extraction point, followed inside the root (and its mounts) wherever its symlinks lead; held open, the
        // archive is written into that directory and nowhere else.
        if (mounts.length) {
          const l = locateInView(rootfs, mounts, path, { followFinal: true });
          if (l.parentFd >= 0) closeSync(l.parentFd);
          fd = l.fd;
          mount = l.mount;
          if (!l.st.isDirectory()) {
            closeSync(fd);
            throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
          }
        } else fd = openInRoot(rootfs, path, hostSys().O_PATH | FS.O_DIRECTORY);
      } catch (e) {
        const code = errnoOf(e);
        if (code === "ENOENT") throw notFound(path, ctx.params[0]!);
        if (code === "ENOTDIR") throw badParameter(`extraction point is not a directory: ${path}`);
        if (code === "ELOOP") throw badParameter(`too many levels of symbolic links resolving ${path}`);
        throw e;
      }
      // As dockerd: a read-only mount, or a read-only root filesystem outside the mounts, takes nothing.
      const readOnly = mount ? (mount.readOnly ? "mounted volume is marked read-only" : null) : c.HostConfig.ReadonlyRootfs ? "container rootfs is marked read-only" : null;
      if (readOnly) {
        closeSync(fd);
        throw badParameter(readOnly);
      }
      try {
        await unpackLayer(ctx.req, fdPath(fd));
      } finally {
        closeSync(fd);
      }
      sendEmpty(ctx.res, 200);
    }),
    route("GET", "/containers/{id}/export", async (ctx) => {
      const c = deps.containers.get(ctx.params[0]!);
      const rootfs = await deps.containers.rootfs(c.Id);
      ctx.res.writeHead(200, { "Content-Type": "application/x-tar" });
      deps.events.publish("container", "export", c.Id, { name: c.Name.slice(1), image: c.Config.Image });
      await pipeline(packDirectory(rootfs), ctx.res);
    }),
    route("POST", "/containers/prune", async (ctx) => {
      const f = parseFilters(ctx.query, ["until", "label", "label!"]);
      const until = f.has("until") ? parseTimeArg(f.get("until")![0]!) : undefined;
      const hasLabel = (labels: Record<string, string>, spec: string) => {
        const eq = spec.indexOf("=");
        return eq < 0 ? spec in labels : labels[spec.slice(0, eq)] === spec.slice(eq + 1);
      };
      const deleted: string[] = [];
      let reclaimed = 0;
      for (const c of deps.containers.list()) {
        if (c.State.Running || c.State.Paused || c.State.Restarting) continue;
        if (until !== undefined && Date.parse(c.Created) / 1000 >= until) continue;
        if (!(f.get("label") ?? []).every((l) => hasLabel(c.Config.Labels, l))) continue;
        if ((f.get("label!") ?? []).some((l) => hasLabel(c.Config.Labels, l))) continue;
        const snap = await deps.snapshots.get(c.Id);
        const size = snap ? duSize(snap.upper) : 0;
        try {
          await deps.containers.remove(c.Id);
        } catch (e) {
          // One that changed state or went away meanwhile is left out, as dockerd leaves it out; the rest go on.
          ctx.log(`prune: ${c.Id} not removed: ${(e as Error).message}`);
          continue;
        }
        deleted.push(c.Id);
        reclaimed += size;
      }
      deps.events.publish("container", "prune", "", { reclaimed: String(reclaimed) });
      // dockerd answers `null` when nothing was deleted.
      sendJson(ctx.res, 200, { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed });
    }),
    route("GET", "/containers/{id}/changes", async (ctx) => {
      const c = deps.containers.get(ctx.params[0]!);
      const snap = await deps.snapshots.get(c.Id);
      if (!snap) throw notFoundError(`the root filesystem of ${c.Id} is missing`);
      sendJson(ctx.res, 200, changes(snap.upper, snap.lowerdirs));
    }),
    route("POST", "/commit", async (ctx) => {
      const q = ctx.query;
      const c = deps.containers.get(q.get("container") ?? "");
      const body = ((await readJson(ctx.req)) ?? {}) as Record<string, unknown>;
      const base = await baseFromImage(deps.images, c.Image);
      // The container's config, then the request's, then `--change` lines (repeated, or one per line), as dockerd.
      const fromContainer = {
        ...(base.config.config ?? {}), Env: c.Config.Env, Cmd: c.Config.Cmd ?? undefined, Entrypoint: c.Config.Entrypoint ?? undefined,
        WorkingDir: c.Config.WorkingDir, User: c.Config.User, Labels: c.Config.Labels, ExposedPorts: c.Config.ExposedPorts,
        ...(c.Config.StopSignal ? { StopSignal: c.Config.StopSignal } : {}),
      };
      const changes = q.getAll("changes").flatMap((v) => v.split("\n")).filter((l) => l.trim());
      let runtimeConfig;
      try {
        runtimeConfig = applyChanges({ ...fromContainer, ...body } as ImageRuntimeConfig, changes);
      } catch (e) {
        if (e instanceof CommitChangeError) throw badParameter(e.message);
        throw e;
      }
      const repo = q.get("repo");
      const tag = q.get("tag") || "latest";
      const detail = await commitSnapshot({ images: deps.images, snapshots: deps.snapshots }, c.Id, base, {
        runtimeConfig,
        createdBy: `${c.Path} ${c.Args.join(" ")}`.trim(),
        comment: q.get("comment") ?? undefined,
        author: q.get("author") ?? undefined,
        tags: repo ? [`${repo}:${tag}`] : [],
      });
      deps.events.publish("container", "commit", c.Id, { name: c.Name.slice(1), image: c.Config.Image });
      sendJson(ctx.res, 201, { Id: detail.id });
    }),
    route("GET", "/system/df", async (ctx) => {
      const images = await deps.images.list();
      const all = deps.containers.list();
      const vols = await deps.volumes.list();
      const imageSize = new Map(images.map((i) => [i.id, i.size]));
      const containers = [];
      for (const c of all) {
        const snap = await deps.snapshots.get(c.Id);
        const rw = snap ? duSize(snap.upper) : 0;
        // As dockerd: the list entry, with what the container wrote and that plus its image.
        containers.push({ ...summary(c), SizeRw: rw, SizeRootFs: rw + (imageSize.get(c.Image) ?? 0) });
      }
      const volumes = [];
      for (const v of vols) volumes.push({ ...volumeWire(v), UsageData: { RefCount: v.usedBy.length, Size: await deps.volumes.usage(v.name) } });
      sendJson(ctx.res, 200, {
        LayersSize: images.reduce((a, i) => a + i.size, 0),
        Images: images.map((i) => ({ Id: i.id, ParentId: i.parentId, RepoTags: i.repoTags, RepoDigests: i.repoDigests, Created: i.created, Size: i.size, SharedSize: -1, VirtualSize: i.size, Labels: i.labels, Containers: all.filter((c) => c.Image === i.id).length })),
        Containers: containers,
        Volumes: volumes,
        BuildCache: [],
      });
    }),
  ];
}

function duSize(dir: string): number {
  let total = 0;
  walkTree(dir, (_rel, st) => {
    if (!st.isDirectory()) total += st.size;
  });
  return total;
}
