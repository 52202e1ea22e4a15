// A container's files: `docker cp` both ways (GET/HEAD/PUT /containers/{id}/archive, with the path-stat header),
// `docker diff` (/changes, read from the snapshot's upper dir), `docker export` (the whole root filesystem as a tar),
// `docker commit` (POST /commit: the upper dir becomes a layer through agent/image-builder/commit.ts), `docker container prune`
// (what each removed container's upper dir held is the space reclaimed) and `docker system df`.
import { lstatSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { RootPathError, resolveInRoot } from "../rootfs/path";
import { applyChanges, baseFromImage, CommitChangeError, commitSnapshot } from "../image-builder/commit";
import type { ImageRuntimeConfig } from "../../lib/oci/types";
import type { ContainerService } from "../containers/service";
import type { EventBus } from "../events";
import type { ImageService } from "../images/image-service";
import { packDirectory } from "../layers/pack";
import { tarEnd, tarHeader, tarPadding } from "../layers/tar";
import { unpackLayer } from "../layers/unpack";
import type { SnapshotService } from "../snapshots/types";
import type { VolumeService } from "../volumes/volume-service";
import { parseTimeArg, summary } from "./containers";
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

/** The host path of `path` inside the container's root filesystem (symlinks resolved inside it). */
async function hostPath(deps: Deps, ref: string, path: string | null, followFinal = true): Promise<string> {
  if (!path) throw badParameter("path is required");
  const rootfs = await deps.containers.rootfs(ref);
  try {
    return resolveInRoot(rootfs, path, { followFinal });
  } catch (e) {
    if (e instanceof RootPathError) throw badParameter(e.message);
    throw e;
  }
}

function pathStat(p: string, name: string, container: string) {
  let st;
  try {
    st = lstatSync(p);
  } catch {
    throw notFoundError(`Could not find the file ${name} in container ${container}`);
  }
  // Go's FileMode bits: directory 1<<31, symlink 1<<27.
  const mode = (st.mode & 0o7777) + (st.isDirectory() ? 2 ** 31 : 0) + (st.isSymbolicLink() ? 2 ** 27 : 0);
  return { name: basename(name) || "/", size: st.size, mode, mtime: st.mtime.toISOString(), linkTarget: st.isSymbolicLink() ? readlinkSync(p) : "" };
}

async function* fileTar(p: string, name: string): AsyncGenerator<Buffer> {
  const st = statSync(p);
  const { readFileSync } = await import("node:fs");
  const body = readFileSync(p);
  yield tarHeader({ name, type: "file", mode: st.mode & 0o7777, size: body.length, mtime: Math.floor(st.mtimeMs / 1000), uid: st.uid, gid: st.gid });
  yield body;
  yield tarPadding(body.length);
  yield tarEnd();
}

/** A directory as dockerd archives it: its own entry first (so its mode and owner travel too), then its contents. */
async function* directoryTar(p: string, name: string): AsyncGenerator<Buffer> {
  const st = statSync(p);
  yield tarHeader({ name: `${name}/`, type: "directory", mode: st.mode & 0o7777, size: 0, mtime: Math.floor(st.mtimeMs / 1000), uid: st.uid, gid: st.gid });
  for await (const chunk of packDirectory(p, { prefix: name })) yield chunk as Buffer;
}

/**
 * Mount targets the runtime creates when the image lacks them. dockerd makes them in an init layer below the
 * container's, so `docker diff` never lists them; here they land in the upper dir and are left out when still empty.
 */
const ENGINE_MOUNT_POINTS = new Set(["/proc", "/sys", "/dev", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf"]);

function changes(upper: string, lowerdirs: string[]) {
  const out: { Path: string; Kind: number }[] = [];
  let hidUnderEtc = false;
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const r = `${rel}/${name}`;
      const st = lstatSync(p);
      if (st.isCharacterDevice() && st.rdev === 0) {
        out.push({ Path: r, Kind: 2 });
        continue;
      }
      const existed = lowerdirs.some((l) => {
        try {
          lstatSync(join(l, r));
          return true;
        } catch {
          return false;
        }
      });
      if (!existed && ENGINE_MOUNT_POINTS.has(r) && (st.isFile() ? st.size === 0 : st.isDirectory() && readdirSync(p).length === 0)) {
        hidUnderEtc ||= r.startsWith("/etc/");
        continue;
      }
      out.push({ Path: r, Kind: existed ? 0 : 1 });
      if (st.isDirectory()) walk(p, r);
    }
  };
  walk(upper, "");
  // /etc copied up only to hold those mount points is no change of the container's either.
  if (hidUnderEtc && !out.some((c) => c.Path.startsWith("/etc/"))) return out.filter((c) => c.Path !== "/etc");
  return out;
}

export function storageRoutes(deps: Deps): Route[] {
  const statHeader = async (ctx: Ctx) => {
    const path = ctx.query.get("path");
    const p = await hostPath(deps, ctx.params[0]!, path, false);
    const stat = pathStat(p, path!, ctx.params[0]!);
    if (stat.linkTarget) {
      // As dockerd: a link's target is the path inside the container it finally leads to (`docker cp -L` fetches it).
      const rootfs = await deps.containers.rootfs(ctx.params[0]!);
      try {
        stat.linkTarget = "/" + relative(rootfs, resolveInRoot(rootfs, path!, { followFinal: true }));
      } catch (e) {
        if (!(e instanceof RootPathError)) throw e; // a loop: the link's own text is all there is to show
      }
    }
    return { p, stat, header: Buffer.from(JSON.stringify(stat)).toString("base64") };
  };
  return [
    route("HEAD", "/containers/{id}/archive", async (ctx) => {
      const { header } = await statHeader(ctx);
      ctx.res.writeHead(200, { "X-Docker-Container-Path-Stat": header, "Content-Length": 0 });
      ctx.res.end();
    }),
    route("GET", "/containers/{id}/archive", async (ctx) => {
      const { p, header } = await statHeader(ctx);
      const name = basename(ctx.query.get("path")!.replace(/\/+$/, "")) || ".";
      const st = statSync(p);
      const tar = Readable.from(st.isDirectory() ? directoryTar(p, name) : fileTar(p, name));
      ctx.res.writeHead(200, { "Content-Type": "application/x-tar", "X-Docker-Container-Path-Stat": header });
      await pipeline(tar, ctx.res);
    }),
    route("PUT", "/containers/{id}/archive", async (ctx) => {
      const p = await hostPath(deps, ctx.params[0]!, ctx.query.get("path"));
      let st;
      try {
        st = statSync(p);
      } catch {
        throw notFoundError(`Could not find the file ${ctx.query.get("path")} in container ${ctx.params[0]}`);
      }
      if (!st.isDirectory()) throw badParameter(`extraction point is not a directory: ${ctx.query.get("path")}`);
      await unpackLayer(ctx.req, p);
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
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const n of names) {
    const p = join(dir, n);
    const st = lstatSync(p);
    total += st.isDirectory() ? duSize(p) : st.size;
  }
  return total;
}
