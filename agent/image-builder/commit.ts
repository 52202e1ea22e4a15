// Commit: a snapshot's upper dir becomes a new layer (deletions as whiteouts, through SnapshotService.diff) on top of
// its base image's layers, and the image gets the changed config and one more history record. The builder commits
// every filesystem step this way; POST /commit will too once containers exist (issue 5). A step that changes only
// the config adds a history record marked empty_layer and no layer.
import type { ImageService } from "../images/image-service";
import type { ImageConfig, ImageDetail, ImageRuntimeConfig, LayerInfo } from "../../lib/oci/types";
import type { SnapshotService } from "../snapshots/types";
import { applyConfigInstruction, DEFAULT_SHELL, substitutionEnv } from "./config-instructions";
import { DockerfileError, parseInstructionLine } from "./dockerfile";
import { ExpansionError } from "./shell-words";

/** The image a step starts from: null id and no layers for FROM scratch. */
export interface BaseImage {
  id: string | null;
  config: ImageConfig;
  layers: LayerInfo[];
}

export interface CommitOptions {
  /** The new runtime config (Env, Cmd, ...); the base's when omitted. */
  runtimeConfig?: ImageRuntimeConfig;
  createdBy: string;
  comment?: string;
  author?: string;
  tags?: string[];
  /** The moment recorded as `created` (injected for tests; now by default). */
  now?: Date;
}

/** A scratch base: no layers, the host's platform. */
export function scratchBase(platform: { os: string; architecture: string; variant?: string }): BaseImage {
  return {
    id: null,
    config: { ...platform, rootfs: { type: "layers", diff_ids: [] }, config: {}, history: [] },
    layers: [],
  };
}

export async function baseFromImage(images: ImageService, refOrId: string): Promise<BaseImage> {
  const id = await images.resolve(refOrId);
  const [config, layers] = await Promise.all([images.getConfig(id), images.getLayers(id)]);
  return { id, config, layers };
}

function nextConfig(base: BaseImage, opts: CommitOptions, layers: LayerInfo[], emptyLayer: boolean): ImageConfig {
  const created = (opts.now ?? new Date()).toISOString();
  const history = [...(base.config.history ?? [])];
  history.push({
    created,
    created_by: opts.createdBy,
    ...(opts.comment ? { comment: opts.comment } : {}),
    ...(opts.author ? { author: opts.author } : {}),
    ...(emptyLayer ? { empty_layer: true } : {}),
  });
  const { rootfs: _old, ...rest } = base.config;
  return {
    ...rest,
    created,
    ...(opts.author ? { author: opts.author } : {}),
    config: opts.runtimeConfig ?? base.config.config ?? {},
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history,
  };
}

/** The snapshot's changes as one more layer over `base`, and the image made of it. */
export async function commitSnapshot(
  deps: { images: ImageService; snapshots: SnapshotService },
  snapshotId: string,
  base: BaseImage,
  opts: CommitOptions,
): Promise<ImageDetail> {
  const top = base.layers.at(-1);
  const layer = await deps.images.importLayer(deps.snapshots.diff(snapshotId), { parentChainId: top ? top.chainId : null, compression: "gzip" });
  const layers = [...base.layers, layer];
  return deps.images.createImage({
    config: nextConfig(base, opts, layers, false),
    layers,
    tags: opts.tags,
    ...(base.id ? { parentId: base.id } : {}),
  });
}

/** A config-only step (ENV, CMD, LABEL, ...): same layers, changed config, an empty_layer history record. */
export async function commitConfig(images: ImageService, base: BaseImage, opts: CommitOptions): Promise<ImageDetail> {
  return images.createImage({
    config: nextConfig(base, opts, base.layers, true),
    layers: base.layers,
    tags: opts.tags,
    ...(base.id ? { parentId: base.id } : {}),
  });
}

/** The instructions `docker commit --change` accepts (dockerd's list). */
const COMMIT_CHANGES = new Set(["CMD", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "ONBUILD", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"]);

export class CommitChangeError extends Error {}

/** Applies `--change` lines ("CMD [\"sh\"]", "ENV A=b") to a copy of `config`; a bad line is a CommitChangeError naming it. */
export function applyChanges(config: ImageRuntimeConfig, changes: string[]): ImageRuntimeConfig {
  const target = { cfg: JSON.parse(JSON.stringify(config ?? {})) as ImageRuntimeConfig, shell: (config?.Shell as string[] | undefined) ?? DEFAULT_SHELL, cmdSetHere: false };
  changes.forEach((text, i) => {
    try {
      const ins = parseInstructionLine(text, "change", i + 1);
      if (!COMMIT_CHANGES.has(ins.keyword)) throw new CommitChangeError(`${ins.keyword} is not a valid change command (allowed: ${[...COMMIT_CHANGES].join(", ")})`);
      applyConfigInstruction(target, ins, substitutionEnv(target.cfg), "\\");
    } catch (e) {
      if (e instanceof DockerfileError) throw new CommitChangeError(`change ${JSON.stringify(text)}: ${e.reason}`);
      if (e instanceof ExpansionError) throw new CommitChangeError(`change ${JSON.stringify(text)}: ${e.message}`);
      throw e;
    }
  });
  return target.cfg;
}

export interface CommitContainerOptions {
  changes?: string[];
  comment?: string;
  author?: string;
  tags?: string[];
  now?: Date;
}

/**
 * `docker commit` for a container whose root filesystem is the snapshot `snapshotId`: its upper dir becomes a layer
 * over the image it was made from, with `changes` applied to that image's config.
 */
export async function commitContainer(
  deps: { images: ImageService; snapshots: SnapshotService },
  snapshotId: string,
  platform: { os: string; architecture: string },
  opts: CommitContainerOptions = {},
): Promise<ImageDetail> {
  const snap = await deps.snapshots.get(snapshotId);
  if (!snap) throw new CommitChangeError(`no such container filesystem: ${snapshotId}`);
  const base = snap.imageId ? await baseFromImage(deps.images, snap.imageId) : scratchBase(platform);
  const runtimeConfig = applyChanges(base.config.config ?? {}, opts.changes ?? []);
  return commitSnapshot(deps, snapshotId, base, {
    runtimeConfig,
    createdBy: opts.changes?.length ? `commit --change ${opts.changes.join(" --change ")}` : "commit",
    comment: opts.comment,
    author: opts.author,
    tags: opts.tags,
    now: opts.now,
  });
}
