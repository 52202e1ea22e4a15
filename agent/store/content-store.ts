// The content store under GANTRY_ROOT/images:
//   blobs/sha256/<hex>           every blob by digest (manifests, configs, compressed layers), immutable
//   ingest/<hex>.partial|.lock   downloads in progress (kept across crashes so they resume), one owner each
//   layers/<chainhex>/diff       a layer unpacked once per ChainID, shared by every image and container above it
//   layers/<chainhex>/layer.json its identity (diffID, parent, blob, size), written inside the temp dir before rename
//   images/<confighex>.json      one record per image (manifest, config, layers)
//   repositories.json            names → image ids (tags and digests), the index, always written last
// Every file appears by rename() of a complete temp file, so a crash leaves either nothing or a whole thing;
// leftovers (temp dirs, dead locks) are swept by prune and ignored by readers.
// Why one file of ~570 lines: one on-disk layout whose invariants (complete temp files renamed into place, one owner
// per ingest, the index written last) are checked together.
import { createReadStream, createWriteStream, promises as fsp } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { PassThrough, Readable, Transform } from "node:stream";
import { DigestMismatchError, ImageError } from "../../lib/oci/errors";
import type { LayerInfo } from "../../lib/oci/types";
import { decompress, gzipStream } from "../layers/compression";
import { unpackLayer } from "../layers/unpack";
import { chainIdOf, digestHex, sha256File } from "./digest";
import { ownerAlive, processAlive, SharedLock, SingleFlight, withFileLock } from "./locks";
import { systemClock, type Clock } from "../clock";

export interface LayerRecord {
  diffId: string;
  chainId: string;
  blobDigest: string;
  blobSize: number;
  blobMediaType: string;
  size: number;
  /** ChainID of the layer below, null for a base layer. */
  parent: string | null;
}

/** A layer unpacked by prepareLayer(), waiting for commitLayer() (or discard()). */
export interface PreparedLayer {
  /** The directory holding diff/ (removed by discard(), or renamed into the store by commitLayer()). */
  dir: string;
  diffId: string;
  blob: { digest: string; size: number; mediaType: string };
  /** Bytes of the uncompressed tar. */
  size: number;
  discard(): Promise<void>;
}

export interface ImageRecord {
  /** "sha256:<config digest hex>". */
  id: string;
  configDigest: string;
  manifestDigest: string;
  manifestMediaType: string;
  /** Digest of the index/list the manifest was chosen from, when pulled through one. */
  indexDigest?: string;
  layers: LayerRecord[];
  parentId: string;
  /** ISO time the record was written. */
  stored: string;
}

interface RefIndex {
  refs: Record<string, string>;
  /** Where blobs came from or went to ("registry/repository"), for cross-repository mounts on push. */
  sources: Record<string, string[]>;
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function writeAtomic(path: string, data: Buffer | string, mode = 0o644) {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const fh = await fsp.open(tmp, "w", mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, path);
}

async function duBytes(path: string): Promise<number> {
  let total = 0;
  let st;
  try {
    st = await fsp.lstat(path);
  } catch {
    return 0;
  }
  total += st.blocks * 512;
  if (st.isDirectory()) for (const e of await fsp.readdir(path)) total += await duBytes(join(path, e));
  return total;
}

export class ContentStore {
  readonly root: string;
  private blobFlights = new SingleFlight<void>();
  private layerFlights = new SingleFlight<LayerRecord>();
  private indexQueue: Promise<unknown> = Promise.resolve();
  /** Pulls, pushes and imports hold it shared; garbage collection holds it alone. */
  readonly gate = new SharedLock();
  /** Blobs and layers made but not yet part of an image (importLayer before createImage): kept until expiry. */
  private leases = new Map<string, number>();
  private readonly clock: Clock;

  constructor(root: string, clock: Clock = systemClock) {
    this.root = root;
    this.clock = clock;
  }

  /** Keeps `keys` (digests, ChainIDs) from garbage collection for `ms`, or until released. */
  lease(keys: string[], ms: number) {
    const until = this.clock.now() + ms;
    for (const k of keys) this.leases.set(k, Math.max(until, this.leases.get(k) ?? 0));
  }

  release(keys: string[]) {
    for (const k of keys) this.leases.delete(k);
  }

  private leased(): Set<string> {
    const now = this.clock.now();
    for (const [k, until] of this.leases) if (until <= now) this.leases.delete(k);
    return new Set(this.leases.keys());
  }

  async init() {
    for (const d of ["blobs/sha256", "ingest", "layers", "images", "tmp"]) await fsp.mkdir(join(this.root, d), { recursive: true, mode: 0o700 });
    await this.sweep();
  }

  /**
   * Reaps what a crashed process left: temp dirs and temp files ("<name>.<pid>.<rand>.tmp") of dead processes,
   * and lock files whose owner is gone. Partial downloads stay: the next pull resumes them.
   */
  async sweep() {
    const deadTmp = (name: string) => {
      const pid = Number(/^(?:import|layer)-(\d+)-/.exec(name)?.[1] ?? /\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name)?.[1]);
      return Number.isInteger(pid) && pid > 0 && !processAlive(pid);
    };
    for (const dir of ["tmp", "images", "blobs/sha256", "layers", "ingest", "."]) {
      for (const f of await fsp.readdir(join(this.root, dir)).catch(() => [] as string[])) {
        const p = join(this.root, dir, f);
        if (deadTmp(f)) await fsp.rm(p, { recursive: true, force: true });
        else if (f.endsWith(".lock") && !ownerAlive(await fsp.readFile(p, "utf8").catch(() => ""))) await fsp.rm(p, { force: true });
      }
    }
  }

  // ---------------------------------------------------------------- blobs

  blobPath(digest: string) {
    return join(this.root, "blobs/sha256", digestHex(digest));
  }

  hasBlob(digest: string) {
    return exists(this.blobPath(digest));
  }

  async readBlob(digest: string): Promise<Buffer> {
    try {
      return await fsp.readFile(this.blobPath(digest));
    } catch {
      throw new ImageError("not_found", `blob ${digest} is not in the content store`);
    }
  }

  openBlob(digest: string): Readable {
    return createReadStream(this.blobPath(digest));
  }

  /** Stores a small blob held in memory (manifest, config), verifying it against `expected` when given. */
  async putBlob(data: Buffer, expected?: string): Promise<string> {
    const digest = `sha256:${createHash("sha256").update(data).digest("hex")}`;
    if (expected && expected !== digest) throw new DigestMismatchError(expected, digest);
    if (!(await this.hasBlob(digest))) await writeAtomic(this.blobPath(digest), data, 0o644);
    return digest;
  }

  partialPath(digest: string) {
    return join(this.root, "ingest", `${digestHex(digest)}.partial`);
  }

  /**
   * Makes sure blob `digest` is in the store. `fetch(partialPath)` appends to the partial file (which may already
   * hold a prefix from an interrupted attempt, in this or a dead process); the result is then verified and
   * renamed into place. Concurrent callers — in this process or another — share one fetch.
   */
  ingest(digest: string, fetch: (partialPath: string) => Promise<string | void>): Promise<void> {
    const hex = digestHex(digest);
    return this.blobFlights.run(digest, async () => {
      if (await this.hasBlob(digest)) return;
      await withFileLock(
        join(this.root, "ingest", `${hex}.lock`),
        async () => {
          const partial = this.partialPath(digest);
          const resumed = await exists(partial);
          // The fetcher may report the digest it hashed while writing; otherwise the file is read back.
          const hashOf = async (reported: string | void) => reported || (await sha256File(partial)).digest;
          let got = await hashOf(await fetch(partial));
          if (got !== digest && resumed) {
            // The kept prefix came from an earlier attempt (another process, maybe killed): distrust it, start over.
            await fsp.rm(partial, { force: true });
            got = await hashOf(await fetch(partial));
          }
          if (got !== digest) {
            await fsp.rm(partial, { force: true });
            throw new DigestMismatchError(digest, got);
          }
          await fsp.chmod(partial, 0o644);
          await fsp.rename(partial, this.blobPath(digest));
        },
        async () => ((await this.hasBlob(digest)) ? undefined : null),
      );
    });
  }

  // ---------------------------------------------------------------- layers

  layerDir(chainId: string) {
    return join(this.root, "layers", digestHex(chainId));
  }

  /** The unpacked directory overlay uses as a lowerdir. */
  layerPath(chainId: string) {
    return join(this.layerDir(chainId), "diff");
  }

  async getLayer(chainId: string): Promise<LayerRecord | null> {
    try {
      return JSON.parse(await fsp.readFile(join(this.layerDir(chainId), "layer.json"), "utf8")) as LayerRecord;
    } catch {
      return null;
    }
  }

  toLayerInfo(r: LayerRecord): LayerInfo {
    return { diffId: r.diffId, chainId: r.chainId, blobDigest: r.blobDigest, blobSize: r.blobSize, blobMediaType: r.blobMediaType, size: r.size, path: this.layerPath(r.chainId) };
  }

  /**
   * Unpacks blob `blobDigest` as the layer above `parentChainId`, once per ChainID. The unpacked content must hash
   * to `diffId` (the config's promise); otherwise nothing is kept.
   */
  ensureLayer(
    parentChainId: string | null,
    diffId: string,
    blob: { digest: string; size: number; mediaType: string },
    opts: { allowDevices?: boolean; onProgress?: (bytes: number) => void } = {},
  ): Promise<LayerRecord> {
    const chainId = chainIdOf(parentChainId, diffId);
    return this.layerFlights.run(chainId, async () => {
      const have = await this.getLayer(chainId);
      if (have) return have;
      if (parentChainId && !(await this.getLayer(parentChainId))) {
        throw new ImageError("store", `layer ${chainId} needs parent layer ${parentChainId}, which is not unpacked`);
      }
      const prepared = await this.prepareLayer(diffId, blob, this.openBlob(blob.digest), opts);
      return this.commitLayer(parentChainId, prepared);
    });
  }

  /**
   * Unpacks a layer from `source` (its blob's bytes, compressed or not) into a directory of its own, not yet in the
   * store: a layer's content does not depend on the layers below it, so the layers of an image unpack side by side
   * (and while they download) and are committed bottom-up. The content must hash to `diffId`; otherwise nothing
   * is kept and this rejects. commitLayer() or discard() must follow.
   */
  async prepareLayer(
    diffId: string,
    blob: { digest: string; size: number; mediaType: string },
    source: Readable,
    opts: { allowDevices?: boolean; onProgress?: (bytes: number) => void } = {},
  ): Promise<PreparedLayer> {
    const tmp = join(this.root, "tmp", `layer-${process.pid}-${digestHex(diffId)}-${randomBytes(4).toString("hex")}`);
    const discard = () => fsp.rm(tmp, { recursive: true, force: true });
    try {
      await fsp.mkdir(join(tmp, "diff"), { recursive: true, mode: 0o755 });
      const result = await unpackLayer(source, join(tmp, "diff"), { ...opts, blobSize: blob.size });
      if (result.diffId !== diffId) throw new DigestMismatchError(diffId, result.diffId, `layer ${blob.digest} (uncompressed content)`);
      return { dir: tmp, diffId, blob, size: result.size, discard };
    } catch (e) {
      source.destroy();
      await discard();
      throw e;
    }
  }

  /**
   * Puts a prepared layer into the store as the layer above `parentChainId` (which must be there), once per ChainID:
   * when another pull got there first, its layer is kept and this one discarded.
   */
  commitLayer(parentChainId: string | null, prepared: PreparedLayer): Promise<LayerRecord> {
    const { diffId, blob } = prepared;
    const chainId = chainIdOf(parentChainId, diffId);
    const hex = digestHex(chainId);
    return withFileLock(
      join(this.root, "layers", `.${hex}.lock`),
      async () => {
        if (parentChainId && !(await this.getLayer(parentChainId))) {
          throw new ImageError("store", `layer ${chainId} needs parent layer ${parentChainId}, which is not unpacked`);
        }
        const record: LayerRecord = {
          diffId,
          chainId,
          blobDigest: blob.digest,
          blobSize: blob.size,
          blobMediaType: blob.mediaType,
          size: prepared.size,
          parent: parentChainId,
        };
        await writeAtomic(join(prepared.dir, "layer.json"), JSON.stringify(record));
        try {
          await fsp.rename(prepared.dir, this.layerDir(chainId));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
        }
        return record;
      },
      () => this.getLayer(chainId),
    ).finally(() => prepared.discard()); // after the rename there is nothing left to remove
  }

  /**
   * Imports a layer from a tar stream (plain, gzip or zstd): stores it as a blob (gzip or plain, as asked) and
   * unpacks it above `parentChainId`.
   */
  async importLayer(tar: Readable, parentChainId: string | null, compression: "gzip" | "none" = "gzip", allowDevices = false): Promise<LayerRecord> {
    const { stream } = await decompress(tar);
    const diffHash = createHash("sha256");
    const blobHash = createHash("sha256");
    let size = 0;
    let blobSize = 0;
    const tmp = join(this.root, "tmp", `import-${process.pid}-${randomBytes(6).toString("hex")}`);
    const countPlain = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        diffHash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    const countBlob = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        blobHash.update(chunk);
        blobSize += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      if (compression === "gzip") await pipeline(stream, countPlain, gzipStream(), countBlob, createWriteStream(tmp, { mode: 0o644 }));
      else await pipeline(stream, countPlain, countBlob, createWriteStream(tmp, { mode: 0o644 }));
      if (size === 0) throw new ImageError("bad_layer", "layer refused: the tar stream is empty");
      const blobDigest = `sha256:${blobHash.digest("hex")}`;
      const diffId = `sha256:${diffHash.digest("hex")}`;
      if (await this.hasBlob(blobDigest)) await fsp.rm(tmp, { force: true });
      else await fsp.rename(tmp, this.blobPath(blobDigest));
      const mediaType = compression === "gzip" ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar";
      return await this.ensureLayer(parentChainId, diffId, { digest: blobDigest, size: blobSize, mediaType }, { allowDevices });
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }

  /** The layer's uncompressed tar, read back from its blob. */
  async openLayerTar(chainOrDiffId: string): Promise<Readable> {
    let rec = await this.getLayer(chainOrDiffId);
    if (!rec) {
      for (const img of await this.listImages()) {
        const hit = img.layers.find((l) => l.diffId === chainOrDiffId);
        if (hit) rec = hit;
      }
    }
    if (!rec) throw new ImageError("not_found", `layer ${chainOrDiffId} is not in the store`);
    const { stream } = await decompress(this.openBlob(rec.blobDigest), rec.blobSize);
    const out = new PassThrough();
    stream.on("error", (e) => out.destroy(e));
    return stream.pipe(out);
  }

  // ---------------------------------------------------------------- image records and names

  private imagePath(id: string) {
    return join(this.root, "images", `${digestHex(id)}.json`);
  }

  async putImage(rec: ImageRecord) {
    for (const l of rec.layers) if (!(await this.getLayer(l.chainId))) throw new ImageError("store", `image ${rec.id} refers to missing layer ${l.chainId}`);
    if (!(await this.hasBlob(rec.configDigest))) throw new ImageError("store", `image ${rec.id} refers to missing config ${rec.configDigest}`);
    await writeAtomic(this.imagePath(rec.id), JSON.stringify(rec, null, 1));
  }

  async getImage(id: string): Promise<ImageRecord | null> {
    try {
      return JSON.parse(await fsp.readFile(this.imagePath(id), "utf8")) as ImageRecord;
    } catch {
      return null;
    }
  }

  async listImages(): Promise<ImageRecord[]> {
    const out: ImageRecord[] = [];
    for (const f of await fsp.readdir(join(this.root, "images"))) {
      if (!/^[a-f0-9]{64}\.json$/.test(f)) continue;
      const rec = await this.getImage(`sha256:${f.slice(0, 64)}`);
      if (rec) out.push(rec);
    }
    return out;
  }

  async deleteImage(id: string) {
    await fsp.rm(this.imagePath(id), { force: true });
  }

  private async readIndex(): Promise<RefIndex> {
    try {
      const parsed = JSON.parse(await fsp.readFile(join(this.root, "repositories.json"), "utf8"));
      return { refs: parsed.refs ?? {}, sources: parsed.sources ?? {} };
    } catch {
      return { refs: {}, sources: {} };
    }
  }

  async refs(): Promise<Record<string, string>> {
    return (await this.readIndex()).refs;
  }

  async sources(digest: string): Promise<string[]> {
    return (await this.readIndex()).sources[digest] ?? [];
  }

  /** Read-modify-write of the index, serialised in-process and locked across processes. */
  updateIndex(change: (index: RefIndex) => void): Promise<void> {
    const run = async () => {
      await withFileLock(
        join(this.root, "repositories.lock"),
        async () => {
          const index = await this.readIndex();
          change(index);
          await writeAtomic(join(this.root, "repositories.json"), JSON.stringify(index, null, 1));
        },
        async () => null,
      );
    };
    const p = this.indexQueue.then(run, run);
    this.indexQueue = p.catch(() => {});
    return p;
  }

  // ---------------------------------------------------------------- garbage collection and checks

  /**
   * How many images (and holders: containers) stand on each unpacked layer, ChainID → count. A layer is counted
   * for every image whose chain includes it, so a shared base layer counts once per image above it.
   */
  async layerReferences(holders: Iterable<string> = []): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const f of await fsp.readdir(join(this.root, "layers"))) if (/^[a-f0-9]{64}$/.test(f)) counts.set(`sha256:${f}`, 0);
    const bump = (c: string) => counts.set(c, (counts.get(c) ?? 0) + 1);
    for (const img of await this.listImages()) for (const l of img.layers) bump(l.chainId);
    for (const c of holders) {
      // A holder (a container) stands on the whole chain below its top layer.
      let rec = await this.getLayer(c);
      while (rec) {
        bump(rec.chainId);
        rec = rec.parent ? await this.getLayer(rec.parent) : null;
      }
    }
    return counts;
  }

  /**
   * Removes blobs and layers no image record references and no holder keeps (`keepChainIds`: layers under
   * containers), plus temp files and dead partial downloads. Returns bytes freed.
   */
  collect(keepChainIds: Set<string>): Promise<number> {
    return this.gate.exclusive(() => this.collectNow(keepChainIds));
  }

  private async collectNow(keepChainIds: Set<string>): Promise<number> {
    const leased = this.leased();
    const blobs = new Set<string>(leased);
    const layers = new Set<string>([...keepChainIds, ...leased]);
    for (const img of await this.listImages()) {
      blobs.add(img.configDigest);
      blobs.add(img.manifestDigest);
      if (img.indexDigest) blobs.add(img.indexDigest);
      for (const l of img.layers) {
        blobs.add(l.blobDigest);
        layers.add(l.chainId);
      }
    }
    // A kept layer keeps its parents (overlay needs the whole chain).
    for (const c of [...layers]) {
      let rec = await this.getLayer(c);
      while (rec) {
        layers.add(rec.chainId);
        blobs.add(rec.blobDigest);
        rec = rec.parent ? await this.getLayer(rec.parent) : null;
      }
    }
    let freed = 0;
    for (const f of await fsp.readdir(join(this.root, "layers"))) {
      if (!/^[a-f0-9]{64}$/.test(f) || layers.has(`sha256:${f}`)) continue;
      const p = join(this.root, "layers", f);
      freed += await duBytes(p);
      await fsp.rm(p, { recursive: true, force: true });
    }
    for (const f of await fsp.readdir(join(this.root, "blobs/sha256"))) {
      if (blobs.has(`sha256:${f}`)) continue;
      if (f.endsWith(".tmp") && processAlive(Number(f.split(".")[1]))) continue; // being written right now
      const p = join(this.root, "blobs/sha256", f);
      freed += await duBytes(p);
      await fsp.rm(p, { force: true });
    }
    for (const f of await fsp.readdir(join(this.root, "tmp"))) {
      // Temp files of a live process (this one included) are work in progress; those of a dead one are debris.
      const pid = Number(/^(?:import|layer)-(\d+)-/.exec(f)?.[1]);
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) continue;
      freed += await duBytes(join(this.root, "tmp", f));
      await fsp.rm(join(this.root, "tmp", f), { recursive: true, force: true });
    }
    // Partial downloads resume a later pull; one nobody holds and nobody touched for a day is abandoned.
    for (const f of await fsp.readdir(join(this.root, "ingest"))) {
      const p = join(this.root, "ingest", f);
      if (f.endsWith(".lock")) {
        if (!ownerAlive(await fsp.readFile(p, "utf8").catch(() => ""))) await fsp.rm(p, { force: true });
        continue;
      }
      const lock = p.replace(/\.partial$/, ".lock");
      if (await exists(lock)) continue;
      const st = await fsp.stat(p).catch(() => null);
      if (st && this.clock.now() - st.mtimeMs > 24 * 3600_000) {
        freed += st.blocks * 512;
        await fsp.rm(p, { force: true });
      }
    }
    return freed;
  }

  /**
   * Checks the store's invariants: every named image has a record, every record's config/manifest/layer blobs
   * and unpacked layers exist, and every blob hashes to its name. Returns the problems found (empty: consistent).
   */
  async check(): Promise<string[]> {
    const problems: string[] = [];
    const index = await this.readIndex();
    for (const [name, id] of Object.entries(index.refs)) if (!(await this.getImage(id))) problems.push(`${name} points at missing image ${id}`);
    for (const img of await this.listImages()) {
      for (const d of [img.configDigest, img.manifestDigest]) if (!(await this.hasBlob(d))) problems.push(`image ${img.id}: blob ${d} missing`);
      for (const l of img.layers) {
        if (!(await this.hasBlob(l.blobDigest))) problems.push(`image ${img.id}: layer blob ${l.blobDigest} missing`);
        if (!(await this.getLayer(l.chainId))) problems.push(`image ${img.id}: unpacked layer ${l.chainId} missing`);
      }
    }
    for (const f of await fsp.readdir(join(this.root, "blobs/sha256"))) {
      const got = await sha256File(join(this.root, "blobs/sha256", f));
      if (got.digest !== `sha256:${f}`) problems.push(`blob sha256:${f} holds content hashing to ${got.digest}`);
    }
    return problems;
  }
}
