// Overlay root filesystems for containers, under GANTRY_ROOT/snapshots/<id>/:
//   snapshot.json   what it was made from (image id, layer ChainIDs top-most first, labels), written by rename
//   upper/ work/    the container's writable layer and overlay's scratch dir
//   rootfs/         the merged mount point
// lowerdirs are the image's unpacked layers in the content store, shared read-only. The mount is made through
// native/'s addon (no mount(8) to spawn) from a thread whose cwd is the store's layers directory, so lowerdir holds
// short relative paths (the option string is limited to a page).
// redirect_dir and metacopy are off so the upper dir alone describes the changes (what `diff` archives).
import { existsSync, mkdirSync, promises as fsp, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { ImageError } from "../../lib/oci/errors";
import type { ContentStore } from "../store/content-store";
import type { LayerInfo } from "../../lib/oci/types";
import { hostSys } from "../../native/node/sys";
import { packDirectory } from "../layers/pack";
import type { PrepareOptions, Snapshot, SnapshotService } from "./types";

/** What snapshots need of the image service (which sits above this room and implements it): the content store's
 * unpacked layers, and an image's layers by reference or id. */
export interface SnapshotImages {
  readonly store: ContentStore;
  resolve(refOrId: string): Promise<string>;
  getLayers(refOrId: string): Promise<LayerInfo[]>;
}

const SNAPSHOT_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const MAX_MOUNT_DATA = 4000;

interface SnapshotRecord {
  id: string;
  imageId: string;
  chainIds: string[]; // top-most first
  labels: Record<string, string>;
  created: string;
}

function unescapeMountPath(s: string) {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
}

/** Whether PATH is a mount point: another device than its parent (an overlay always is). */
async function isMountPoint(path: string): Promise<boolean> {
  try {
    const [a, b] = await Promise.all([fsp.stat(path), fsp.stat(join(path, ".."))]);
    return a.dev !== b.dev;
  } catch {
    return false;
  }
}

export async function mountedPaths(): Promise<Set<string>> {
  const text = await fsp.readFile("/proc/self/mountinfo", "utf8");
  return new Set(text.split("\n").filter(Boolean).map((l) => unescapeMountPath(l.split(" ")[4])));
}

export class OverlaySnapshotService implements SnapshotService {
  readonly root: string;
  /** Whether removal has looked for trash an earlier run left. */
  private swept = false;
  constructor(
    gantryRoot: string,
    private readonly images: SnapshotImages,
  ) {
    this.root = join(gantryRoot, "snapshots");
  }

  private dir(id: string) {
    if (typeof id !== "string" || !SNAPSHOT_ID.test(id)) {
      throw new ImageError("invalid_reference", `snapshot id "${id}" is invalid (letters, digits, "_", "." and "-", at most 128, starting with a letter or digit)`);
    }
    return join(this.root, id);
  }

  private async read(id: string): Promise<SnapshotRecord | null> {
    try {
      return JSON.parse(await fsp.readFile(join(this.dir(id), "snapshot.json"), "utf8")) as SnapshotRecord;
    } catch (e) {
      if (e instanceof ImageError) throw e;
      return null;
    }
  }

  private toSnapshot(rec: SnapshotRecord, mounted: Set<string>): Snapshot {
    const d = this.dir(rec.id);
    return {
      id: rec.id,
      imageId: rec.imageId,
      chainId: rec.chainIds[0] ?? null,
      rootfs: join(d, "rootfs"),
      upper: join(d, "upper"),
      work: join(d, "work"),
      lowerdirs: rec.chainIds.length ? rec.chainIds.map((c) => this.images.store.layerPath(c)) : [join(d, "empty")],
      mounted: mounted.has(join(d, "rootfs")),
      created: rec.created,
      labels: rec.labels ?? {},
    };
  }

  async prepare(id: string, image: string, opts: PrepareOptions = {}): Promise<Snapshot> {
    const d = this.dir(id);
    if (existsSync(join(d, "snapshot.json"))) throw new ImageError("conflict", `snapshot "${id}" already exists`);
    const imageId = image === "" ? "" : opts.layers ? image : await this.images.resolve(image);
    const layers = opts.layers ?? (imageId ? await this.images.getLayers(imageId) : []);
    const rec: SnapshotRecord = {
      id,
      imageId,
      chainIds: layers.map((l) => l.chainId).reverse(),
      labels: opts.labels ?? {},
      created: new Date().toISOString(),
    };
    // A handful of small directory operations: done synchronously, they take microseconds (each a trip through
    // the thread pool otherwise). The snapshot appears whole, by rename.
    const tmp = join(this.root, `.${id}.${randomBytes(4).toString("hex")}.tmp`);
    try {
      mkdirSync(this.root, { recursive: true, mode: 0o700 });
      mkdirSync(tmp, { mode: 0o700 });
      for (const sub of ["upper", "work", "rootfs", "empty"]) mkdirSync(join(tmp, sub), { mode: 0o755 });
      writeFileSync(join(tmp, "snapshot.json"), JSON.stringify(rec, null, 1));
      renameSync(tmp, d);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      if ((e as NodeJS.ErrnoException).code === "ENOTEMPTY" || (e as NodeJS.ErrnoException).code === "EEXIST") {
        throw new ImageError("conflict", `snapshot "${id}" already exists`);
      }
      throw e;
    }
    if (opts.mount === false) return this.toSnapshot(rec, new Set());
    try {
      // Made just now: certainly not mounted yet.
      return await this.mountRecord(rec, this.toSnapshot(rec, new Set()));
    } catch (e) {
      await fsp.rm(d, { recursive: true, force: true });
      throw e;
    }
  }

  async get(id: string): Promise<Snapshot | null> {
    const rec = await this.read(id);
    return rec ? this.toSnapshot(rec, await mountedPaths()) : null;
  }

  async list(): Promise<Snapshot[]> {
    let names: string[] = [];
    try {
      names = await fsp.readdir(this.root);
    } catch {
      return [];
    }
    const mounted = await mountedPaths();
    const out: Snapshot[] = [];
    for (const n of names) {
      if (!SNAPSHOT_ID.test(n)) continue;
      const rec = await this.read(n);
      if (rec) out.push(this.toSnapshot(rec, mounted));
    }
    return out;
  }

  async mount(id: string): Promise<Snapshot> {
    const rec = await this.read(id);
    if (!rec) throw new ImageError("not_found", `no such snapshot: ${id}`);
    const snap = this.toSnapshot(rec, await mountedPaths());
    if (snap.mounted) return snap;
    return this.mountRecord(rec, snap);
  }

  private async mountRecord(rec: SnapshotRecord, snap: Snapshot): Promise<Snapshot> {
    const layersRoot = join(this.images.store.root, "layers");
    for (const c of rec.chainIds) {
      if (!(await this.images.store.getLayer(c))) throw new ImageError("not_found", `snapshot ${rec.id} needs layer ${c}, which is no longer in the store`);
    }
    const lower = snap.lowerdirs.map((p) => (p.startsWith(layersRoot + "/") ? relative(layersRoot, p) : p)).join(":");
    const data = `lowerdir=${lower},upperdir=${snap.upper},workdir=${snap.work},index=off,redirect_dir=off,metacopy=off`;
    if (data.length > MAX_MOUNT_DATA) {
      throw new ImageError("unsupported", `image has too many layers (${rec.chainIds.length}) for one overlay mount`);
    }
    try {
      await hostSys().mountOverlay(snap.rootfs, layersRoot, data);
    } catch (e) {
      throw new ImageError("store", `mounting the overlay for snapshot ${rec.id} failed: ${(e as Error).message}`);
    }
    return { ...snap, mounted: true };
  }

  /** Unmounts the snapshot's rootfs; false when it was not mounted. */
  private async unmountPath(rootfs: string): Promise<boolean> {
    try {
      await hostSys().unmount(rootfs);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EINVAL" || code === "ENOENT") return false; // not a mount point (or no such directory)
      throw new ImageError("store", `unmounting ${rootfs} failed: ${(e as Error).message}`);
    }
  }

  async unmount(id: string): Promise<void> {
    await this.unmountPath(join(this.dir(id), "rootfs"));
  }

  async remove(id: string): Promise<void> {
    const d = this.dir(id);
    const rootfs = join(d, "rootfs");
    // Until nothing is mounted there (an overlay may have been mounted twice): rm must never reach into the layers.
    for (let i = 0; i < 8 && (await this.unmountPath(rootfs)); i++);
    if (await isMountPoint(rootfs)) throw new ImageError("store", `snapshot ${id} is still mounted`);
    // Out of the way at once by rename (a name no snapshot can have), deleted in the background; what a crash
    // left behind goes with the next removal.
    const trash = join(this.root, `.removed-${id}`);
    try {
      renameSync(d, trash);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      await fsp.rm(d, { recursive: true, force: true });
      return;
    }
    void fsp.rm(trash, { recursive: true, force: true }).catch(() => {});
    if (!this.swept) {
      this.swept = true;
      for (const n of readdirSync(this.root)) {
        if (n.startsWith(".removed-") && n !== `.removed-${id}`) void fsp.rm(join(this.root, n), { recursive: true, force: true }).catch(() => {});
      }
    }
  }

  diff(id: string): Readable {
    return packDirectory(join(this.dir(id), "upper"), { overlay: true });
  }

  /** Image ids and layer ChainIDs the snapshots stand on (kept from image removal and prune). */
  async inUse(): Promise<{ imageIds: Set<string>; chainIds: Set<string> }> {
    const imageIds = new Set<string>();
    const chainIds = new Set<string>();
    for (const s of await this.list()) {
      if (s.imageId) imageIds.add(s.imageId);
      const rec = await this.read(s.id);
      for (const c of rec?.chainIds ?? []) chainIds.add(c);
    }
    return { imageIds, chainIds };
  }
}
