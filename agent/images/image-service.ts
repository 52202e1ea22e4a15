// The agent's image engine, one interface for everything that touches images: registry pull/push, the local
// image list, tags, removal and prune, plus the store primitives commit/load/build need (import a layer tar,
// create an image from a config and layers, read an image's config and layer chain).
// No dockerd, no containerd: the content store (agent/store), the registry client (agent/registry) and the
// layer unpacker (agent/layers) are Gantry's own.
//
// Every method that takes `refOrId` accepts a reference ("busybox", "127.0.0.1:5000/app:v1", "app@sha256:…"),
// a full image id ("sha256:<64 hex>"), or an unambiguous id prefix of at least 4 hex characters ("3f57d9401f8d").
// Failures are ImageError subclasses (agent/images/errors.ts) whose `code` maps to an HTTP status.
import type { Readable } from "node:stream";
import type {
  HistoryEntry,
  ImageConfig,
  ImageDetail,
  ImageSummary,
  LayerInfo,
  Platform,
  ProgressListener,
  PruneResult,
  RegistryAuth,
  RemoveResult,
} from "./types";

export interface PullOptions {
  /** Credentials for this pull; when absent, those stored by `login` for the registry (or anonymous). */
  auth?: RegistryAuth;
  /** Receives Docker-like progress events, one stream of them per layer plus whole-image lines. */
  onProgress?: ProgressListener;
  /** Which platform to pick from an index (default linux/amd64, the host's). */
  platform?: Platform;
  signal?: AbortSignal;
}

export interface PullResult {
  image: ImageDetail;
  /** Manifest digest pulled (what `docker pull` prints as "Digest:"). */
  digest: string;
  /** False when the image was already complete locally (nothing downloaded). */
  downloaded: boolean;
}

export interface PushOptions {
  auth?: RegistryAuth;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

export interface PushResult {
  /** Digest of the manifest as the registry stores it. */
  digest: string;
  /** Size in bytes of that manifest. */
  size: number;
  tag: string | null;
}

export interface RemoveOptions {
  /** Remove even when several tags point at the image (all are untagged), like `docker rmi -f`. */
  force?: boolean;
  /** Keep untagged parents (accepted for Docker compatibility; Gantry keeps no parent chains of its own). */
  noprune?: boolean;
}

export interface PruneOptions {
  /** false (default): only dangling (untagged) images; true: every image no container uses. */
  all?: boolean;
}

export interface ImportLayerOptions {
  /** ChainID of the layer below, null for a base layer. */
  parentChainId: string | null;
  /** How the blob is stored for push/save: gzip (default, Docker's choice) or none. */
  compression?: "gzip" | "none";
  /** Refuse device nodes in the tar (default true: only mknod-free layers). */
  allowDevices?: boolean;
}

export interface CreateImageOptions {
  /** The image config; `rootfs.diff_ids` is filled in from `layers` (any given value must match them). */
  config: Omit<ImageConfig, "rootfs"> & { rootfs?: ImageConfig["rootfs"] };
  /** The layers bottom-up, as returned by importLayer or by getLayers of another image. */
  layers: LayerInfo[];
  /** References to point at the new image ("app:v2"); moved from any image holding them. */
  tags?: string[];
  /** Id of the image this one derives from (shown as Parent, kept from prune while this one exists). */
  parentId?: string;
}

export interface ImageService {
  /** Pulls an image (by tag or digest) into the store. Concurrent pulls of one image share every download. */
  pull(ref: string, opts?: PullOptions): Promise<PullResult>;
  /** Pushes a local image to the registry its reference names. */
  push(ref: string, opts?: PushOptions): Promise<PushResult>;
  /** Checks credentials against a registry and stores them (0600 under GANTRY_ROOT) for later pulls/pushes. */
  login(registry: string, auth: RegistryAuth): Promise<{ status: string; identityToken?: string }>;
  /** Forgets stored credentials for a registry. */
  logout(registry: string): Promise<void>;

  list(): Promise<ImageSummary[]>;
  /** Throws ImageNotFoundError when nothing matches. */
  inspect(refOrId: string): Promise<ImageDetail>;
  history(refOrId: string): Promise<HistoryEntry[]>;
  /** Points `target` (a reference, "latest" when no tag) at the image `src` names. */
  tag(src: string, target: string): Promise<void>;
  /**
   * Untags a reference, or deletes an image by id. An id with several tags needs `force`. Deleting the last name
   * deletes the image record; its blobs and layers go when nothing else references them.
   */
  remove(refOrId: string, opts?: RemoveOptions): Promise<RemoveResult>;
  /** Deletes dangling (or, with `all`, unused) images and every blob and layer no image or container references. */
  prune(opts?: PruneOptions): Promise<PruneResult>;

  // ---- store primitives for commit, load and build ----

  /** Reads an uncompressed (or gzip/zstd) layer tar, stores its blob and its unpacked form; returns its identity. */
  importLayer(tar: Readable, opts: ImportLayerOptions): Promise<LayerInfo>;
  /** Creates (or finds) the image made of `config` over `layers` and tags it. */
  createImage(opts: CreateImageOptions): Promise<ImageDetail>;
  getConfig(refOrId: string): Promise<ImageConfig>;
  /** The layer chain bottom-up, each with its unpacked directory (for snapshots) and blob (for push/save). */
  getLayers(refOrId: string): Promise<LayerInfo[]>;
  /** The layer as an uncompressed tar stream (what `docker save` writes as layer.tar). */
  openLayerTar(diffIdOrChainId: string): Promise<Readable>;
  /** Resolves a reference or id to the full image id ("sha256:…"), or throws ImageNotFoundError. */
  resolve(refOrId: string): Promise<string>;
}
