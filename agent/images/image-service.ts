// The agent's image engine, one interface for everything that touches images: registry pull/push, the local
// image list, tags, removal and prune, plus the store primitives commit/load/build need (import a layer tar,
// create an image from a config and layers, read an image's config and layer chain).
// No dockerd, no containerd: the content store (agent/store), the registry client (agent/registry) and the
// layer unpacker (agent/layers) are Gantry's own.
//
// Every method that takes `refOrId` accepts a reference ("busybox", "127.0.0.1:5000/app:v1", "app@sha256:…"),
// a full image id ("sha256:<64 hex>"), or an unambiguous id prefix of at least 4 hex characters ("3f57d9401f8d").
// Failures are ImageError subclasses (lib/oci/errors.ts) whose `code` agent/errors.ts classifies for every adapter.
// Why one file of ~860 lines: it is the ImageService interface's one implementation, and pull, push and the local
// verbs share its in-flight maps (one download per blob), the store's locks and the reference resolution; splitting
// it by verb, as agent/containers/ is, is the next step for this room.
import { PassThrough, type Readable } from "node:stream";
import { join } from "node:path";
import type {
  HistoryEntry,
  HistoryRecord,
  ImageRuntimeConfig,
  ImageConfig,
  ImageDetail,
  ImageSummary,
  LayerInfo,
  Platform,
  ProgressListener,
  PruneResult,
  RegistryAuth,
  RemoveResult,
} from "../../lib/oci/types";
import { ContentStore, type ImageRecord, type LayerRecord, type PreparedLayer } from "../store/content-store";
import type { Clock } from "../clock";
import { chainIdOf } from "../store/digest";
import { RegistryClient, TapNotFed, insecureFromEnv } from "../registry/client";
import { RegistryCredentials, registryKey } from "../registry/credentials";
import { ImageReference, isSha256Digest } from "../../lib/oci/reference";
import { ImageError, ImageNotFoundError } from "../../lib/oci/errors";
import { MediaTypes, type Descriptor, type ImageIndex, type ImageManifest } from "../../lib/oci/types";

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

export interface DistributionInfo {
  descriptor: Descriptor;
  platforms: Platform[];
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
  /** Only these image ids are candidates (the builder's step cache, for `docker builder prune`). */
  only?: ReadonlySet<string>;
}

export interface ImportLayerOptions {
  /** ChainID of the layer below, null for a base layer. */
  parentChainId: string | null;
  /** How the blob is stored for push/save: gzip (default, Docker's choice) or none. */
  compression?: "gzip" | "none";
  /** Refuse device nodes in the tar (default true: only mknod-free layers). */
  allowDevices?: boolean;
}

/** An image config before its layers are known: like ImageConfig, with rootfs optional. */
export interface NewImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: ImageRuntimeConfig;
  rootfs?: ImageConfig["rootfs"];
  history?: HistoryRecord[];
  [extra: string]: unknown;
}

export interface CreateImageOptions {
  /** The image config; `rootfs.diff_ids` is filled in from `layers` (any given value must match them). */
  config: NewImageConfig;
  /** The layers bottom-up, as returned by importLayer or by getLayers of another image. */
  layers: LayerInfo[];
  /** References to point at the new image ("app:v2"); moved from any image holding them. */
  tags?: string[];
  /** Id of the image this one derives from (shown as Parent, kept from prune while this one exists). */
  parentId?: string;
  /**
   * The config exactly as it must be stored (`docker load`): the image id is the sha256 of these bytes, so they are
   * kept as given, never re-serialised. `config` must then be their parse, with rootfs.diff_ids matching `layers`.
   */
  configBytes?: Buffer;
}

export interface ImageService {
  /** Pulls an image (by tag or digest) into the store. Concurrent pulls of one image share every download. */
  pull(ref: string, opts?: PullOptions): Promise<PullResult>;
  /** Pushes a local image to the registry its reference names. */
  push(ref: string, opts?: PushOptions): Promise<PushResult>;
  /**
   * What the registry holds under a reference, without pulling it (`GET /distribution/{name}/json`): the manifest's or
   * index's descriptor, and the platforms it offers (an index's entries, or a single manifest's config platform).
   */
  distribution(ref: string, opts?: { auth?: RegistryAuth; signal?: AbortSignal }): Promise<DistributionInfo>;
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
  /** The config blob's bytes as stored, whose sha256 is the image id (what `docker save` writes as <id>.json). */
  getConfigBytes(refOrId: string): Promise<Buffer>;
  /** The layer chain bottom-up, each with its unpacked directory (for snapshots) and blob (for push/save). */
  getLayers(refOrId: string): Promise<LayerInfo[]>;
  /** The layer as an uncompressed tar stream (what `docker save` writes as layer.tar). */
  openLayerTar(diffIdOrChainId: string): Promise<Readable>;
  /** Resolves a reference or id to the full image id ("sha256:…"), or throws ImageNotFoundError. */
  resolve(refOrId: string): Promise<string>;
}

// ==================================================================================================== implementation


export interface ImageServiceOptions {
  /** GANTRY_ROOT: the store lives in <root>/images, registry credentials in <root>/registry. */
  root: string;
  /** Hosts allowed over plain http besides loopback (default: GANTRY_INSECURE_REGISTRIES). */
  insecureRegistries?: string[];
  /** What containers use (image ids and layer ChainIDs): kept from remove/prune. Wired to the SnapshotService. */
  inUse?: () => Promise<{ imageIds: Set<string>; chainIds: Set<string> }>;
  /** Parallel layer downloads per pull (Docker's default: 3); each unpacks as it downloads. */
  maxConcurrentDownloads?: number;
  /** Parallel unpacks of layers whose blob is already stored, per pull (default 2). */
  maxConcurrentUnpacks?: number;
  /** Parallel blob uploads per push (Docker's default: 5). */
  maxConcurrentUploads?: number;
  /** Allow device nodes in pulled layers (default false). */
  allowDevices?: boolean;
  /** Time, for leases on imported layers (default: the system clock). */
  clock?: Clock;
}

/** How long a layer imported for commit/build/load is kept from prune while no image uses it yet. */
export const IMPORT_LEASE_MS = 10 * 60_000;

const LAYER_TYPES = new Set<string>([
  MediaTypes.ociLayer,
  MediaTypes.ociLayerGzip,
  MediaTypes.ociLayerZstd,
  MediaTypes.dockerLayerGzip,
  "application/vnd.docker.image.rootfs.diff.tar",
  "application/vnd.oci.image.layer.v1.tar+zstd",
]);

export function hostPlatform(): Platform {
  const arch = ({ x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x" } as Record<string, string>)[process.arch] ?? process.arch;
  return { os: "linux", architecture: arch };
}

function shortId(digest: string) {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed: unknown = null;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && failed === null) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (e) {
        failed ??= e;
      }
    }
  });
  await Promise.all(workers);
  if (failed !== null) throw failed;
  return out;
}

/** Throttles progress lines: at most one per layer every 100 ms, plus every state change. */
function throttled(emit: ProgressListener | undefined): ProgressListener {
  const last = new Map<string, number>();
  return (e) => {
    if (!emit) return;
    if (e.progressDetail && e.id) {
      const now = Date.now();
      const key = `${e.id}:${e.status}`;
      if (e.progressDetail.current !== e.progressDetail.total && now - (last.get(key) ?? 0) < 100) return;
      last.set(key, now);
    }
    emit(e);
  };
}

function parseJson<T>(buf: Buffer, what: string): T {
  try {
    return JSON.parse(buf.toString("utf8")) as T;
  } catch {
    throw new ImageError("registry", `${what} is not valid JSON`);
  }
}

function checkDescriptor(d: Descriptor | undefined, what: string): Descriptor {
  if (!d || typeof d !== "object") throw new ImageError("registry", `${what} is missing`);
  if (!isSha256Digest(d.digest)) throw new ImageError("unsupported", `${what} has digest "${d.digest}" (only sha256 is supported)`);
  if (!Number.isInteger(d.size) || d.size < 0) throw new ImageError("registry", `${what} has an invalid size`);
  return d;
}

export class GantryImageService implements ImageService {
  readonly store: ContentStore;
  readonly credentials: RegistryCredentials;
  private readonly opts: ImageServiceOptions;
  private readonly clients = new Map<string, RegistryClient>();
  private ready: Promise<void>;

  constructor(opts: ImageServiceOptions) {
    this.opts = opts;
    this.store = new ContentStore(join(opts.root, "images"), opts.clock);
    this.credentials = new RegistryCredentials(opts.root);
    this.ready = this.store.init();
  }

  private async inUse() {
    return (await this.opts.inUse?.()) ?? { imageIds: new Set<string>(), chainIds: new Set<string>() };
  }

  private async client(registry: string, auth?: RegistryAuth): Promise<RegistryClient> {
    const creds = auth && (auth.username || auth.identitytoken || auth.registrytoken) ? auth : await this.credentials.get(registry);
    const key = `${registry}\n${JSON.stringify(creds ?? {})}`;
    let c = this.clients.get(key);
    if (!c) {
      c = new RegistryClient(registry, { auth: creds, insecure: this.opts.insecureRegistries ?? insecureFromEnv() });
      this.clients.set(key, c);
    }
    return c;
  }

  // ---------------------------------------------------------------- pull

  async pull(refInput: string, opts: PullOptions = {}): Promise<PullResult> {
    await this.ready;
    return this.store.gate.shared(() => this.pullNow(refInput, opts));
  }

  private async pullNow(refInput: string, opts: PullOptions): Promise<PullResult> {
    const ref = ImageReference.parse(refInput);
    const emit = throttled(opts.onProgress);
    const client = await this.client(ref.registry, opts.auth);
    const repo = ref.repository;
    // Docker's first line names the repository path without the registry: "latest: Pulling from library/busybox".
    emit({ status: `Pulling from ${repo}`, id: ref.tag ?? ref.digest ?? "latest" });

    let fetched = await client.getManifest(repo, ref.manifestReference);
    let indexDigest: string | undefined;
    let indexBody: Buffer | undefined;
    if (fetched.mediaType === MediaTypes.ociIndex || fetched.mediaType === MediaTypes.dockerManifestList) {
      const index = parseJson<ImageIndex>(fetched.body, `index ${ref}`);
      const want = opts.platform ?? hostPlatform();
      const chosen = (index.manifests ?? []).find(
        (m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture && (!want.variant || m.platform.variant === want.variant),
      );
      if (!chosen) {
        const offered = (index.manifests ?? []).map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ""}` : "unknown")).join(", ");
        throw new ImageError("not_found", `no matching manifest for ${want.os}/${want.architecture} in the manifest list entries of ${ref.familiar()} (offered: ${offered || "none"})`);
      }
      checkDescriptor(chosen, `index entry of ${ref}`);
      indexDigest = fetched.digest;
      indexBody = fetched.body;
      fetched = await client.getManifest(repo, chosen.digest);
      if (fetched.mediaType === MediaTypes.ociIndex || fetched.mediaType === MediaTypes.dockerManifestList) {
        throw new ImageError("unsupported", `${ref.familiar()}: an index pointing at another index is not supported`);
      }
    }
    const manifest = parseJson<ImageManifest>(fetched.body, `manifest of ${ref}`);
    const configDesc = checkDescriptor(manifest.config, `config descriptor of ${ref}`);
    const layerDescs = (manifest.layers ?? []).map((l, i) => checkDescriptor(l, `layer ${i} of ${ref}`));
    for (const l of layerDescs) {
      if (!LAYER_TYPES.has(l.mediaType)) throw new ImageError("unsupported", `${ref.familiar()}: layer ${l.digest} has unsupported media type "${l.mediaType}"`);
    }
    const pulledDigest = indexDigest ?? fetched.digest;

    if (configDesc.size > 8 * 1024 * 1024) throw new ImageError("unsupported", `${ref.familiar()}: image config of ${configDesc.size} bytes is larger than 8 MiB`);
    await this.store.ingest(configDesc.digest, (partial) => client.downloadBlob(repo, configDesc, partial, undefined, opts.signal));
    const config = parseJson<ImageConfig>(await this.store.readBlob(configDesc.digest), `config of ${ref}`);
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== layerDescs.length) {
      throw new ImageError("registry", `${ref.familiar()}: the manifest lists ${layerDescs.length} layers but the config ${diffIds.length} diff_ids`);
    }
    for (const d of diffIds) if (!isSha256Digest(d)) throw new ImageError("unsupported", `${ref.familiar()}: diff_id "${d}" is not a sha256 digest`);
    const imageId = configDesc.digest;

    // Which layers exist already (by ChainID), which need downloading.
    const chain: string[] = [];
    for (const d of diffIds) chain.push(chainIdOf(chain.length ? chain[chain.length - 1] : null, d));
    const present = await Promise.all(chain.map(async (c) => (await this.store.getLayer(c)) !== null));
    const existing = await this.store.getImage(imageId);
    const complete = existing !== null && present.every(Boolean);
    for (let i = 0; i < layerDescs.length; i++) emit({ id: shortId(layerDescs[i].digest), status: present[i] ? "Already exists" : "Pulling fs layer" });

    // Each missing layer downloads (3 at a time, as Docker) and unpacks as its bytes arrive, into a directory of its
    // own: a layer's content does not depend on the layers below it. A layer whose blob is already here, or whose
    // download did not stream in one piece, is unpacked from the stored blob instead (2 at a time). The layers are
    // then committed bottom-up. Progress reads as Docker's: a layer shows "Extracting" once it has downloaded.
    const limiter = (limit: number) => {
      let active = 0;
      const queue: (() => void)[] = [];
      return {
        acquire: (onWait?: () => void) =>
          new Promise<void>((r) => {
            if (active < limit) return active++, r();
            onWait?.();
            queue.push(() => (active++, r()));
          }),
        release: () => {
          active--;
          queue.shift()?.();
        },
      };
    };
    const downloadSlots = limiter(this.opts.maxConcurrentDownloads ?? 3);
    const unpackSlots = limiter(this.opts.maxConcurrentUnpacks ?? 2);
    const unpackOpts = (id: string, desc: Descriptor) => {
      const progress = { downloaded: false, bytes: 0 };
      const report = () => emit({ id, status: "Extracting", progressDetail: { current: progress.bytes, total: desc.size } });
      return {
        progress,
        report,
        opts: {
          allowDevices: this.opts.allowDevices,
          onProgress: (bytes: number) => {
            progress.bytes = bytes;
            if (progress.downloaded) report();
          },
        },
      };
    };
    const fromBlob = async (i: number, desc: Descriptor, onProgress: { allowDevices?: boolean; onProgress: (bytes: number) => void }) => {
      await unpackSlots.acquire();
      try {
        return await this.store.prepareLayer(diffIds[i], desc, this.store.openBlob(desc.digest), onProgress);
      } finally {
        unpackSlots.release();
      }
    };
    const prepared = new Map<number, Promise<PreparedLayer>>();
    for (let i = 0; i < layerDescs.length; i++) {
      if (present[i]) continue;
      const desc = layerDescs[i];
      const id = shortId(desc.digest);
      const u = unpackOpts(id, desc);
      const p = (async (): Promise<PreparedLayer> => {
        if (await this.store.hasBlob(desc.digest)) {
          emit({ id, status: "Download complete" });
          u.progress.downloaded = true;
          return fromBlob(i, desc, u.opts);
        }
        await downloadSlots.acquire(() => emit({ id, status: "Waiting" }));
        const tap = new PassThrough({ highWaterMark: 1 << 20 });
        const streamed = this.store.prepareLayer(diffIds[i], desc, tap, u.opts).then(
          (layer) => ({ layer }),
          (error: unknown) => ({ error }),
        );
        try {
          await this.store.ingest(desc.digest, (partial) =>
            client.downloadBlob(repo, desc, partial, (current, total) => emit({ id, status: "Downloading", progressDetail: { current, total } }), opts.signal, tap),
          );
        } catch (e) {
          tap.destroy(e as Error);
          const s = await streamed;
          if ("layer" in s) await s.layer.discard();
          throw e;
        } finally {
          downloadSlots.release();
          // Another pull (or process) fetched the blob: this download never started, nor the tap.
          if (!tap.writableEnded) tap.destroy(new TapNotFed("another pull fetched the blob"));
        }
        emit({ id, status: "Verifying Checksum" });
        emit({ id, status: "Download complete" });
        u.progress.downloaded = true;
        if (u.progress.bytes > 0) u.report();
        const s = await streamed;
        if ("layer" in s) return s.layer;
        if (s.error instanceof TapNotFed) return fromBlob(i, desc, u.opts);
        throw s.error;
      })();
      p.catch(() => {});
      prepared.set(i, p);
    }
    let parent: string | null = null;
    const layers: LayerRecord[] = [];
    try {
      for (let i = 0; i < layerDescs.length; i++) {
        const desc = layerDescs[i];
        let rec: LayerRecord;
        if (present[i]) {
          rec = await this.store.ensureLayer(parent, diffIds[i], desc, { allowDevices: this.opts.allowDevices });
        } else {
          rec = await this.store.commitLayer(parent, await prepared.get(i)!);
          emit({ id: shortId(desc.digest), status: "Pull complete" });
        }
        layers.push(rec);
        parent = rec.chainId;
      }
    } finally {
      // A layer not committed (this pull failed half-way) leaves nothing behind.
      for (const r of await Promise.allSettled(prepared.values())) if (r.status === "fulfilled") await r.value.discard();
    }

    // Everything is on disk: the manifest (and index), then the record, then the names — the index last.
    await this.store.putBlob(fetched.body, fetched.digest);
    if (indexBody) await this.store.putBlob(indexBody, indexDigest);
    const record: ImageRecord = {
      id: imageId,
      configDigest: configDesc.digest,
      manifestDigest: existing?.manifestDigest ?? fetched.digest,
      manifestMediaType: existing?.manifestMediaType ?? fetched.mediaType,
      ...(existing?.indexDigest || indexDigest ? { indexDigest: existing?.indexDigest ?? indexDigest } : {}),
      layers: existing?.layers ?? layers,
      parentId: existing?.parentId ?? "",
      stored: existing?.stored ?? new Date().toISOString(),
    };
    if (!existing) await this.store.putImage(record);
    const source = `${registryKey(ref.registry)}/${repo}`;
    await this.store.updateIndex((index) => {
      if (ref.tag && !ref.digest) index.refs[ref.toString()] = imageId;
      index.refs[`${ref.name}@${pulledDigest}`] = imageId;
      for (const d of [configDesc.digest, fetched.digest, ...layerDescs.map((l) => l.digest)]) {
        const list = (index.sources[d] ??= []);
        if (!list.includes(source)) list.push(source);
      }
    });
    emit({ status: `Digest: ${pulledDigest}` });
    emit({ status: complete ? `Status: Image is up to date for ${ref.familiar()}` : `Status: Downloaded newer image for ${ref.familiar()}` });
    return { image: await this.inspect(imageId), digest: pulledDigest, downloaded: !complete };
  }

  // ---------------------------------------------------------------- push

  async push(refInput: string, opts: PushOptions = {}): Promise<PushResult> {
    await this.ready;
    return this.store.gate.shared(() => this.pushNow(refInput, opts));
  }

  private async pushNow(refInput: string, opts: PushOptions): Promise<PushResult> {
    const ref = ImageReference.parse(refInput);
    const id = await this.resolve(refInput);
    const rec = (await this.store.getImage(id))!;
    const emit = throttled(opts.onProgress);
    const client = await this.client(ref.registry, opts.auth);
    const repo = ref.repository;
    const registry = registryKey(ref.registry);
    emit({ status: `The push refers to repository [${ref.familiarName}]` });

    // Docker lists layers top-most first.
    const layers = [...rec.layers].reverse();
    for (const l of layers) emit({ id: shortId(l.blobDigest), status: "Preparing" });
    await mapLimit(layers, this.opts.maxConcurrentUploads ?? 5, async (l) => {
      const sid = shortId(l.blobDigest);
      const mountFrom = (await this.store.sources(l.blobDigest)).filter((s) => s.startsWith(`${registry}/`)).map((s) => s.slice(registry.length + 1));
      const r = await client.pushBlob(repo, { mediaType: l.blobMediaType, digest: l.blobDigest, size: l.blobSize }, () => this.store.openBlob(l.blobDigest), {
        mountFrom,
        signal: opts.signal,
        onProgress: (current, total) => emit({ id: sid, status: "Pushing", progressDetail: { current, total } }),
      });
      emit({ id: sid, status: r.result === "exists" ? "Layer already exists" : r.result === "mounted" ? `Mounted from ${r.from}` : "Pushed" });
    });
    const configBody = await this.store.readBlob(rec.configDigest);
    await client.pushBlob(repo, { mediaType: MediaTypes.ociConfig, digest: rec.configDigest, size: configBody.length }, () => this.store.openBlob(rec.configDigest), {
      mountFrom: (await this.store.sources(rec.configDigest)).filter((s) => s.startsWith(`${registry}/`)).map((s) => s.slice(registry.length + 1)),
    });
    const manifestBody = await this.store.readBlob(rec.manifestDigest);
    const digest = await client.putManifest(repo, ref.digest ?? ref.tag ?? "latest", rec.manifestMediaType, manifestBody);
    const source = `${registry}/${repo}`;
    await this.store.updateIndex((index) => {
      index.refs[`${ref.name}@${digest}`] = id;
      for (const d of [rec.configDigest, rec.manifestDigest, ...rec.layers.map((l) => l.blobDigest)]) {
        const list = (index.sources[d] ??= []);
        if (!list.includes(source)) list.push(source);
      }
    });
    emit({ status: `${ref.tag ?? ref.digest}: digest: ${digest} size: ${manifestBody.length}` });
    return { digest, size: manifestBody.length, tag: ref.tag };
  }

  async distribution(refInput: string, opts: { auth?: RegistryAuth } = {}): Promise<DistributionInfo> {
    await this.ready;
    const ref = ImageReference.parse(refInput);
    const client = await this.client(ref.registry, opts.auth);
    const fetched = await client.getManifest(ref.repository, ref.manifestReference);
    const descriptor: Descriptor = { mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.body.length };
    if (fetched.mediaType === MediaTypes.ociIndex || fetched.mediaType === MediaTypes.dockerManifestList) {
      const index = parseJson<ImageIndex>(fetched.body, `index ${ref}`);
      const platforms = (index.manifests ?? []).flatMap((m) => (m.platform ? [m.platform] : []));
      return { descriptor, platforms };
    }
    const manifest = parseJson<ImageManifest>(fetched.body, `manifest of ${ref}`);
    const configDesc = checkDescriptor(manifest.config, `config descriptor of ${ref}`);
    const config = parseJson<ImageConfig>(await client.getSmallBlob(ref.repository, configDesc, 8 * 1024 * 1024), `config of ${ref}`);
    const platform: Platform | null = config.os || config.architecture ? { architecture: config.architecture, os: config.os, ...(config.variant ? { variant: config.variant } : {}) } : null;
    return { descriptor, platforms: platform ? [platform] : [] };
  }

  async login(registry: string, auth: RegistryAuth): Promise<{ status: string; identityToken?: string }> {
    const key = registryKey(registry);
    const client = new RegistryClient(key, { auth, insecure: this.opts.insecureRegistries ?? insecureFromEnv() });
    await client.ping();
    await this.credentials.set(key, auth);
    for (const k of [...this.clients.keys()]) if (k.startsWith(`${key}\n`)) this.clients.delete(k);
    return { status: "Login Succeeded" };
  }

  async logout(registry: string): Promise<void> {
    const key = registryKey(registry);
    await this.credentials.remove(key);
    for (const k of [...this.clients.keys()]) if (k.startsWith(`${key}\n`)) this.clients.delete(k);
  }

  // ---------------------------------------------------------------- local images

  async resolve(refOrId: string): Promise<string> {
    await this.ready;
    if (typeof refOrId !== "string" || refOrId.length === 0) throw new ImageNotFoundError(String(refOrId));
    const refs = await this.store.refs();
    const ref = ImageReference.tryParse(refOrId);
    if (ref) {
      const byName = ref.digest ? refs[`${ref.name}@${ref.digest}`] : refs[ref.toString()];
      if (byName && (await this.store.getImage(byName))) return byName;
      // name@digest may also name an image by its config digest (= id) or its manifest digest.
      if (ref.digest) {
        for (const img of await this.store.listImages()) if (img.manifestDigest === ref.digest || img.indexDigest === ref.digest || img.id === ref.digest) {
          if (Object.entries(refs).some(([n, id]) => id === img.id && n.startsWith(ref.name))) return img.id;
        }
      }
    }
    const idMatch = /^(?:sha256:)?([a-f0-9]{4,64})$/.exec(refOrId);
    if (idMatch) {
      const hits = (await this.store.listImages()).filter((img) => img.id.slice(7).startsWith(idMatch[1]));
      if (hits.length === 1) return hits[0].id;
      if (hits.length > 1) throw new ImageError("conflict", `image id prefix "${refOrId}" is ambiguous (${hits.length} images match)`);
    }
    if (!ref && !idMatch) ImageReference.parse(refOrId); // throws the precise reference error
    throw new ImageNotFoundError(refOrId);
  }

  private async namesOf(id: string): Promise<{ tags: string[]; digests: string[]; all: string[] }> {
    const refs = await this.store.refs();
    const all = Object.entries(refs)
      .filter(([, v]) => v === id)
      .map(([k]) => k)
      .sort();
    const tags: string[] = [];
    const digests: string[] = [];
    for (const n of all) {
      const r = ImageReference.tryParse(n);
      if (!r) continue;
      if (r.digest) digests.push(r.familiar());
      else tags.push(r.familiar());
    }
    return { tags, digests, all };
  }

  private async detail(rec: ImageRecord): Promise<ImageDetail> {
    const config = parseJson<ImageConfig>(await this.store.readBlob(rec.configDigest), `config of ${rec.id}`);
    const names = await this.namesOf(rec.id);
    const created = config.created ? Math.floor(Date.parse(config.created) / 1000) || 0 : 0;
    return {
      id: rec.id,
      repoTags: names.tags,
      repoDigests: names.digests,
      created,
      size: rec.layers.reduce((n, l) => n + l.size, 0),
      labels: config.config?.Labels ?? {},
      parentId: rec.parentId,
      architecture: config.architecture,
      os: config.os,
      ...(config.variant ? { variant: config.variant } : {}),
      author: config.author ?? "",
      comment: (config.comment as string | undefined) ?? "",
      config,
      manifestDigest: rec.manifestDigest,
      manifestMediaType: rec.manifestMediaType,
      layers: rec.layers.map((l) => this.store.toLayerInfo(l)),
    };
  }

  async list(): Promise<ImageSummary[]> {
    await this.ready;
    const out: ImageSummary[] = [];
    for (const rec of await this.store.listImages()) {
      const d = await this.detail(rec);
      out.push({ id: d.id, repoTags: d.repoTags, repoDigests: d.repoDigests, created: d.created, size: d.size, labels: d.labels, parentId: d.parentId });
    }
    return out.sort((a, b) => b.created - a.created || (a.id < b.id ? -1 : 1));
  }

  async inspect(refOrId: string): Promise<ImageDetail> {
    const id = await this.resolve(refOrId);
    const rec = await this.store.getImage(id);
    if (!rec) throw new ImageNotFoundError(refOrId);
    return this.detail(rec);
  }

  async history(refOrId: string): Promise<HistoryEntry[]> {
    const d = await this.inspect(refOrId);
    const hist = d.config.history ?? [];
    const rows: HistoryEntry[] = [];
    let layer = 0;
    if (hist.length === 0) {
      d.layers.forEach((l) => rows.push({ id: "<missing>", created: d.created, createdBy: "", tags: [], size: l.size, comment: "" }));
    } else {
      for (const h of hist) {
        const size = h.empty_layer ? 0 : (d.layers[layer++]?.size ?? 0);
        rows.push({
          id: "<missing>",
          created: h.created ? Math.floor(Date.parse(h.created) / 1000) || 0 : 0,
          createdBy: h.created_by ?? "",
          tags: [],
          size,
          comment: h.comment ?? "",
        });
      }
    }
    rows.reverse();
    if (rows.length === 0) rows.push({ id: d.id, created: d.created, createdBy: "", tags: d.repoTags, size: 0, comment: "" });
    rows[0].id = d.id;
    rows[0].tags = d.repoTags;
    return rows;
  }

  async tag(src: string, target: string): Promise<void> {
    const id = await this.resolve(src);
    const ref = ImageReference.parse(target);
    if (ref.digest) throw new ImageError("invalid_reference", `refusing to create a tag with a digest reference: "${target}"`);
    await this.store.updateIndex((index) => {
      index.refs[ref.toString()] = id;
    });
  }

  async remove(refOrId: string, opts: RemoveOptions = {}): Promise<RemoveResult> {
    const id = await this.resolve(refOrId);
    const names = await this.namesOf(id);
    const inUse = await this.inUse();
    const ref = ImageReference.tryParse(refOrId);
    const refKey = ref ? (ref.digest ? `${ref.name}@${ref.digest}` : ref.toString()) : null;
    const byName = refKey !== null && names.all.includes(refKey);
    const result: RemoveResult = { untagged: [], deleted: [] };

    let untag: string[];
    if (byName) {
      const remainingTags = names.all.filter((n) => n !== refKey && !ImageReference.tryParse(n)?.digest);
      // The last tag takes the digest names of its image along (Docker's behaviour).
      untag = remainingTags.length === 0 ? names.all : [refKey!];
    } else {
      const repos = new Set(names.all.map((n) => ImageReference.tryParse(n)?.name));
      if (repos.size > 1 && !opts.force) {
        throw new ImageError("conflict", `conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`);
      }
      untag = names.all;
    }
    const deleting = untag.length === names.all.length;
    if (deleting && inUse.imageIds.has(id)) {
      if (!opts.force) throw new ImageError("conflict", `conflict: unable to ${byName ? `remove repository reference "${refOrId}"` : `delete ${shortId(id)}`} (must force) - image is being used by a container`);
      untag = names.all;
    }
    const children = (await this.store.listImages()).filter((img) => img.parentId === id);
    if (deleting && children.length && !byName && !opts.force) {
      throw new ImageError("conflict", `conflict: unable to delete ${shortId(id)} (cannot be forced) - image has dependent child images`);
    }
    await this.store.updateIndex((index) => {
      for (const n of untag) delete index.refs[n];
    });
    result.untagged = untag.map((n) => ImageReference.tryParse(n)?.familiar() ?? n);
    if (deleting && !inUse.imageIds.has(id) && children.length === 0) {
      await this.store.deleteImage(id);
      result.deleted.push(id);
      await this.store.collect(inUse.chainIds);
    }
    return result;
  }

  async prune(opts: PruneOptions = {}): Promise<PruneResult> {
    await this.ready;
    const inUse = await this.inUse();
    const refs = await this.store.refs();
    // Dangling, as dockerd's prune has it: no tag. A digest reference alone (what a pull leaves on the image its tag
    // moved away from: repo@sha256:…, shown as <none>) does not keep an image; it is removed with the image.
    const tagged = new Set(Object.entries(refs).filter(([name]) => !ImageReference.tryParse(name)?.digest).map(([, id]) => id));
    const result: PruneResult = { untagged: [], deleted: [], spaceReclaimed: 0 };
    let images = await this.store.listImages();
    // Repeat: deleting a child can free its parent.
    for (let changed = true; changed; ) {
      changed = false;
      const parents = new Set(images.map((i) => i.parentId).filter(Boolean));
      for (const img of images) {
        if (inUse.imageIds.has(img.id) || parents.has(img.id)) continue;
        if (opts.only && !opts.only.has(img.id)) continue;
        if (tagged.has(img.id) && !opts.all) continue;
        const names = Object.entries(refs).filter(([, v]) => v === img.id).map(([k]) => k);
        if (names.length) {
          await this.store.updateIndex((index) => {
            for (const n of names) delete index.refs[n];
          });
          result.untagged.push(...names.map((n) => ImageReference.tryParse(n)?.familiar() ?? n));
        }
        await this.store.deleteImage(img.id);
        result.deleted.push(img.id);
        changed = true;
      }
      images = await this.store.listImages();
    }
    result.spaceReclaimed = await this.store.collect(inUse.chainIds);
    return result;
  }

  // ---------------------------------------------------------------- store primitives

  async importLayer(tar: Readable, opts: ImportLayerOptions): Promise<LayerInfo> {
    await this.ready;
    if (opts.parentChainId && !(await this.store.getLayer(opts.parentChainId))) {
      throw new ImageError("not_found", `parent layer ${opts.parentChainId} is not in the store`);
    }
    const rec = await this.store.gate.shared(() => this.store.importLayer(tar, opts.parentChainId, opts.compression ?? "gzip", opts.allowDevices ?? false));
    // Not part of any image yet: kept from prune until createImage uses it (or IMPORT_LEASE_MS pass).
    this.store.lease([rec.chainId, rec.blobDigest], IMPORT_LEASE_MS);
    return this.store.toLayerInfo(rec);
  }

  async createImage(opts: CreateImageOptions): Promise<ImageDetail> {
    await this.ready;
    const detail = await this.store.gate.shared(() => this.createImageNow(opts));
    this.store.release(detail.layers.flatMap((l) => [l.chainId, l.blobDigest]));
    return detail;
  }

  private async createImageNow(opts: CreateImageOptions): Promise<ImageDetail> {
    let parent: string | null = null;
    const records: LayerRecord[] = [];
    for (const l of opts.layers) {
      const expected = chainIdOf(parent, l.diffId);
      if (l.chainId !== expected) throw new ImageError("store", `layer ${l.diffId} has ChainID ${l.chainId} but sits where ${expected} belongs (layers out of order?)`);
      const rec = await this.store.getLayer(l.chainId);
      if (!rec) throw new ImageError("not_found", `layer ${l.chainId} is not in the store`);
      if (!(await this.store.hasBlob(rec.blobDigest))) throw new ImageError("not_found", `blob ${rec.blobDigest} of layer ${l.chainId} is not in the store`);
      records.push(rec);
      parent = l.chainId;
    }
    const diffIds = records.map((r) => r.diffId);
    if (opts.config.rootfs && JSON.stringify(opts.config.rootfs.diff_ids) !== JSON.stringify(diffIds)) {
      throw new ImageError("store", "config rootfs.diff_ids do not match the layers given");
    }
    if (!opts.config.architecture || !opts.config.os) throw new ImageError("store", "an image config needs architecture and os");
    if (opts.configBytes && !opts.config.rootfs) throw new ImageError("store", "a config given as bytes must list its rootfs.diff_ids");
    const config: ImageConfig = { ...opts.config, created: opts.config.created ?? new Date().toISOString(), rootfs: { type: "layers", diff_ids: diffIds } };
    const configBody = opts.configBytes ?? Buffer.from(JSON.stringify(config));
    const configDigest = await this.store.putBlob(configBody);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: configDigest, size: configBody.length },
      layers: records.map((r) => ({
        mediaType: r.blobMediaType === MediaTypes.dockerLayerGzip ? MediaTypes.ociLayerGzip : r.blobMediaType,
        digest: r.blobDigest,
        size: r.blobSize,
      })),
    };
    const manifestBody = Buffer.from(JSON.stringify(manifest));
    const manifestDigest = await this.store.putBlob(manifestBody);
    const id = configDigest;
    const existing = await this.store.getImage(id);
    if (!existing) {
      await this.store.putImage({
        id,
        configDigest,
        manifestDigest,
        manifestMediaType: MediaTypes.ociManifest,
        layers: records,
        parentId: opts.parentId ?? "",
        stored: new Date().toISOString(),
      });
    }
    const tags = (opts.tags ?? []).map((t) => {
      const r = ImageReference.parse(t);
      if (r.digest) throw new ImageError("invalid_reference", `refusing to create a tag with a digest reference: "${t}"`);
      return r.toString();
    });
    if (tags.length) {
      await this.store.updateIndex((index) => {
        for (const t of tags) index.refs[t] = id;
      });
    }
    return this.inspect(id);
  }

  async getConfig(refOrId: string): Promise<ImageConfig> {
    return (await this.inspect(refOrId)).config;
  }

  async getConfigBytes(refOrId: string): Promise<Buffer> {
    const id = await this.resolve(refOrId);
    const rec = await this.store.getImage(id);
    if (!rec) throw new ImageNotFoundError(refOrId);
    return this.store.readBlob(rec.configDigest);
  }

  async getLayers(refOrId: string): Promise<LayerInfo[]> {
    return (await this.inspect(refOrId)).layers;
  }

  async openLayerTar(diffIdOrChainId: string): Promise<Readable> {
    await this.ready;
    return this.store.openLayerTar(diffIdOrChainId);
  }
}
