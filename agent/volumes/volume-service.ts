// The agent's volume engine: Docker's named volumes with the "local" driver — a directory per volume under
// GANTRY_ROOT/volumes/<name>/_data, its metadata beside it in volume.json (written through a temp file and rename) —
// with reference tracking by container so a volume in use is not removed or pruned, and the step that turns a
// container's mount requests (-v, --mount, --tmpfs, --volumes-from) into resolved mounts and OCI `mounts` entries.
//
// How the container lifecycle wires it (agent/main.ts builds one instance):
//   const volumes = new VolumeService({ root: config.root });
//   await volumes.start({ containerExists: (id) => containers.has(id) });   // drops references of vanished containers
//   create:  const mounts = await volumes.resolveMounts(id, [...(-v → parseVolumeFlag), ...(--tmpfs → parseTmpfsFlag)],
//                                                    { inherit: volumesFromMounts });   // record `mounts` on the container
//            await volumes.populateFromImage(mounts, rootfs)                         // image content into new volumes
//            config.mounts.push(...toOciMounts(mounts))
//   rm:      await volumes.releaseContainer(id, { removeAnonymous: rmV })            // `docker rm -v` removes anonymous ones
// Errors are GantryError (lib/errors.ts): bad_request 400, not_found 404, conflict 409.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runProgram } from "../process";
import { badRequest, conflict, GantryError } from "../../lib/errors";
import { systemClock, type Clock } from "../clock";
import { Mutex } from "../network/mutex";
import { inheritMounts, validateBindSource, type MountRequest, type ResolvedMount } from "./mounts";

/** Docker marks volumes made for `-v /path` with this label (and prunes only those by default). */
export const ANONYMOUS_LABEL = "com.docker.volume.anonymous";

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

interface VolumeRecord {
  name: string;
  driver: "local";
  createdAt: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** Containers using the volume, in the order they started to. */
  usedBy: string[];
}

export interface VolumeInfo {
  name: string;
  driver: "local";
  mountpoint: string;
  createdAt: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  scope: "local";
  anonymous: boolean;
  /** Containers referencing it (Docker's UsageData.RefCount is its length). */
  usedBy: string[];
}

export interface VolumeFilters {
  /** true: only volumes no container uses; false: only those in use. */
  dangling?: boolean;
  /** Substrings of the name. */
  name?: string[];
  /** "key" or "key=value"; all must match. */
  label?: string[];
  driver?: string[];
}

export interface VolumeServiceOptions {
  root: string;
  clock?: Clock;
  log?: (msg: string) => void;
}

function validateName(name: string) {
  if (typeof name !== "string" || name.length < 2) {
    throw badRequest(`volume name is too short, names should be at least two alphanumeric characters`);
  }
  if (name.length > 255 || !NAME.test(name)) {
    throw badRequest(`"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
  }
}

const noSuchVolume = (name: string) => new GantryError("not_found", `get ${name}: no such volume`);

export class VolumeService {
  readonly root: string;
  readonly dir: string;
  private readonly clock: Clock;
  private readonly log: (msg: string) => void;
  private readonly mutex = new Mutex();
  private readonly volumes = new Map<string, VolumeRecord>();
  private started = false;

  constructor(opts: VolumeServiceOptions) {
    this.root = opts.root;
    this.dir = join(opts.root, "volumes");
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? (() => {});
  }

  /** Loads the records and drops references held by containers the lifecycle no longer knows. */
  async start(opts: { containerExists: (id: string) => boolean | Promise<boolean> }): Promise<{ droppedReferences: string[] }> {
    return this.mutex.run(async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o701 });
      this.volumes.clear();
      const dropped: string[] = [];
      for (const name of await readdir(this.dir)) {
        if (name.startsWith(".removing-")) await rm(join(this.dir, name), { recursive: true, force: true });
        if (!NAME.test(name)) continue;
        const file = join(this.dir, name, "volume.json");
        let rec: VolumeRecord;
        try {
          rec = JSON.parse(await readFile(file, "utf8"));
        } catch (e) {
          if (existsSync(join(this.dir, name, "_data"))) {
            this.log(`volume ${name} had no readable metadata (${(e as Error).message}); recreating it`);
            rec = { name, driver: "local", createdAt: new Date(this.clock.now()).toISOString(), labels: {}, options: {}, usedBy: [] };
            await this.persist(rec);
          } else continue;
        }
        const kept: string[] = [];
        for (const id of rec.usedBy) {
          if (await opts.containerExists(id)) kept.push(id);
          else dropped.push(`${name}:${id}`);
        }
        if (kept.length !== rec.usedBy.length) {
          rec.usedBy = kept;
          await this.persist(rec);
        }
        this.volumes.set(name, rec);
      }
      this.started = true;
      return { droppedReferences: dropped };
    });
  }

  private requireStarted() {
    if (!this.started) throw new GantryError("unavailable", "the volume engine is not started (call start() first)");
  }

  private async persist(rec: VolumeRecord) {
    const file = join(this.dir, rec.name, "volume.json");
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(rec, null, 1) + "\n", { mode: 0o600 });
    await rename(tmp, file);
  }

  mountpoint(name: string) {
    return join(this.dir, name, "_data");
  }

  private info(rec: VolumeRecord): VolumeInfo {
    return {
      name: rec.name,
      driver: rec.driver,
      mountpoint: this.mountpoint(rec.name),
      createdAt: rec.createdAt,
      labels: { ...rec.labels },
      options: { ...rec.options },
      scope: "local",
      anonymous: ANONYMOUS_LABEL in rec.labels,
      usedBy: [...rec.usedBy],
    };
  }

  /**
   * `docker volume create`: a name (none: an anonymous volume with a random 64-hex name), labels, driver "local".
   * Creating a name that exists returns the existing volume, as Docker does.
   */
  async create(name?: string | null, opts: { driver?: string; labels?: Record<string, string>; driverOpts?: Record<string, string> } = {}): Promise<VolumeInfo> {
    this.requireStarted();
    return this.mutex.run(() => this.createLocked(name ?? null, opts));
  }

  private async createLocked(
    name: string | null,
    opts: { driver?: string; labels?: Record<string, string>; driverOpts?: Record<string, string> },
  ): Promise<VolumeInfo> {
    const driver = opts.driver || "local";
    if (driver !== "local") throw badRequest(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    const driverOpts = opts.driverOpts ?? {};
    if (Object.keys(driverOpts).length) {
      throw badRequest(`volume options (${Object.keys(driverOpts).join(", ")}) are not supported by Gantry's local driver: volumes are plain directories`);
    }
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.labels ?? {})) {
      if (k === "" || typeof v !== "string") throw badRequest(`invalid label "${k}": labels are key=value strings`);
      labels[k] = v;
    }
    if (name === null) {
      name = randomBytes(32).toString("hex");
      labels[ANONYMOUS_LABEL] = "";
    }
    validateName(name);
    const existing = this.volumes.get(name);
    if (existing) return this.info(existing);
    const rec: VolumeRecord = { name, driver: "local", createdAt: new Date(this.clock.now()).toISOString(), labels, options: {}, usedBy: [] };
    await mkdir(join(this.dir, name, "_data"), { recursive: true, mode: 0o755 });
    await this.persist(rec);
    this.volumes.set(name, rec);
    return this.info(rec);
  }

  async inspect(name: string): Promise<VolumeInfo> {
    this.requireStarted();
    const rec = this.volumes.get(name);
    if (!rec) throw noSuchVolume(name);
    return this.info(rec);
  }

  async list(filters: VolumeFilters = {}): Promise<VolumeInfo[]> {
    this.requireStarted();
    const labelMatch = (rec: VolumeRecord) =>
      (filters.label ?? []).every((l) => {
        const eq = l.indexOf("=");
        const [k, v] = eq < 0 ? [l, undefined] : [l.slice(0, eq), l.slice(eq + 1)];
        return k in rec.labels && (v === undefined || rec.labels[k] === v);
      });
    return [...this.volumes.values()]
      .filter((r) => filters.dangling === undefined || (r.usedBy.length === 0) === filters.dangling)
      .filter((r) => !filters.name?.length || filters.name.some((n) => r.name.includes(n)))
      .filter((r) => !filters.driver?.length || filters.driver.includes(r.driver))
      .filter(labelMatch)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((r) => this.info(r));
  }

  /** `docker volume rm`: refused while a container uses it, unless `force` (which also forgets those references). */
  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    this.requireStarted();
    await this.mutex.run(async () => {
      const rec = this.volumes.get(name);
      if (!rec) {
        if (opts.force) return;
        throw noSuchVolume(name);
      }
      if (rec.usedBy.length && !opts.force) {
        throw conflict(`remove ${name}: volume is in use - [${rec.usedBy.join(", ")}]`);
      }
      await this.destroy(rec);
    });
  }

  private async destroy(rec: VolumeRecord) {
    this.volumes.delete(rec.name);
    // Rename first so a crash midway leaves no half-deleted volume under its name.
    const doomed = join(this.dir, `.removing-${rec.name}-${randomBytes(4).toString("hex")}`);
    await rename(join(this.dir, rec.name), doomed);
    await rm(doomed, { recursive: true, force: true });
  }

  /**
   * `docker volume prune`: removes volumes no container uses — anonymous ones only unless `all` (Docker ≥ 23) —
   * optionally only those matching label filters. Returns what was removed and the bytes freed.
   */
  async prune(opts: { all?: boolean; label?: string[] } = {}): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    this.requireStarted();
    const candidates = await this.list({ dangling: true, label: opts.label });
    return this.mutex.run(async () => {
      const deleted: string[] = [];
      let space = 0;
      for (const c of candidates) {
        const rec = this.volumes.get(c.name);
        if (!rec || rec.usedBy.length) continue;
        if (!opts.all && !(ANONYMOUS_LABEL in rec.labels)) continue;
        space += await diskUsage(this.mountpoint(rec.name));
        await this.destroy(rec);
        deleted.push(rec.name);
      }
      return { deleted, spaceReclaimed: space };
    });
  }

  /** Bytes used by a volume's data (`docker system df -v`). */
  async usage(name: string): Promise<number> {
    await this.inspect(name);
    return diskUsage(this.mountpoint(name));
  }

  /** Records that a container uses the volume. */
  async addReference(name: string, containerId: string): Promise<void> {
    this.requireStarted();
    await this.mutex.run(async () => {
      const rec = this.volumes.get(name);
      if (!rec) throw noSuchVolume(name);
      if (!rec.usedBy.includes(containerId)) {
        rec.usedBy.push(containerId);
        await this.persist(rec);
      }
    });
  }

  /** Forgets a container's use of every volume (`docker rm`); with removeAnonymous (`rm -v`) its anonymous volumes go too. */
  async releaseContainer(containerId: string, opts: { removeAnonymous?: boolean } = {}): Promise<string[]> {
    this.requireStarted();
    return this.mutex.run(async () => {
      const removed: string[] = [];
      for (const rec of [...this.volumes.values()]) {
        if (!rec.usedBy.includes(containerId)) continue;
        rec.usedBy = rec.usedBy.filter((id) => id !== containerId);
        if (opts.removeAnonymous && ANONYMOUS_LABEL in rec.labels && rec.usedBy.length === 0) {
          await this.destroy(rec);
          removed.push(rec.name);
        } else await this.persist(rec);
      }
      return removed;
    });
  }

  /**
   * A container's mounts: named volumes are created if missing (as `docker run -v name:/x` does), anonymous ones are
   * made, bind sources validated, `inherit` (from --volumes-from, see inheritMounts) added where no explicit mount
   * has the same target. Every volume gets a reference for `containerId`; on any error none is kept.
   */
  async resolveMounts(
    containerId: string,
    requests: MountRequest[],
    opts: { inherit?: ResolvedMount[] } = {},
  ): Promise<ResolvedMount[]> {
    this.requireStarted();
    const targets = new Set<string>();
    for (const r of requests) {
      if (targets.has(r.target)) throw badRequest(`Duplicate mount point: ${r.target}`);
      targets.add(r.target);
    }
    // Validate every bind before anything is created.
    const bindSources = new Map<MountRequest, string>();
    for (const r of requests) if (r.type === "bind") bindSources.set(r, validateBindSource(r.source, { gantryRoot: this.root }));
    const inherited = inheritMounts(opts.inherit ?? [], null).filter((m) => !targets.has(m.target));
    for (const m of inherited) {
      if (m.type === "volume" && (!m.name || !this.volumes.has(m.name))) throw noSuchVolume(m.name ?? "(unnamed)");
    }
    return this.mutex.run(async () => {
      const out: ResolvedMount[] = [];
      const referenced: VolumeRecord[] = [];
      const created: VolumeRecord[] = [];
      try {
        for (const r of requests) {
          if (r.type === "bind") {
            out.push({ type: "bind", name: null, source: bindSources.get(r)!, target: r.target, readOnly: r.readOnly, propagation: r.propagation, options: [] });
          } else if (r.type === "tmpfs") {
            out.push({ type: "tmpfs", name: null, source: "", target: r.target, readOnly: r.options.includes("ro"), propagation: null, options: [...r.options] });
          } else {
            const isNew = r.source === null || !this.volumes.has(r.source);
            // Labels (--mount volume-label) apply when the volume is made here, as with Docker.
            const info = await this.createLocked(r.source, { labels: r.labels });
            const rec = this.volumes.get(info.name)!;
            if (isNew) created.push(rec);
            out.push({ type: "volume", name: rec.name, source: this.mountpoint(rec.name), target: r.target, readOnly: r.readOnly, propagation: null, options: r.noCopy ? ["nocopy"] : [] });
          }
        }
        out.push(...inherited);
        for (const m of out) {
          if (m.type !== "volume") continue;
          const rec = this.volumes.get(m.name!)!;
          if (!rec.usedBy.includes(containerId)) {
            rec.usedBy.push(containerId);
            referenced.push(rec);
            await this.persist(rec);
          }
        }
        return out;
      } catch (e) {
        for (const rec of referenced) {
          rec.usedBy = rec.usedBy.filter((id) => id !== containerId);
          if (this.volumes.has(rec.name)) await this.persist(rec).catch(() => {});
        }
        for (const rec of created) if (this.volumes.has(rec.name)) await this.destroy(rec).catch(() => {});
        throw e;
      }
    });
  }

  /**
   * Docker's copy-up: a volume that is still empty when first mounted over a directory of the image gets that
   * directory's content (owners, modes and all), unless the mount says nocopy. `rootfs` is the container's
   * prepared root filesystem. Returns the volumes filled.
   */
  async populateFromImage(mounts: ResolvedMount[], rootfs: string): Promise<string[]> {
    const filled: string[] = [];
    for (const m of mounts) {
      if (m.type !== "volume" || m.options.includes("nocopy")) continue;
      const from = join(rootfs, m.target);
      let st;
      try {
        st = await lstat(from);
      } catch {
        continue;
      }
      if (!st.isDirectory()) continue;
      if ((await readdir(m.source)).length !== 0 || (await readdir(from)).length === 0) continue;
      await runProgram("cp", ["-a", "--", `${from}/.`, `${m.source}/`]);
      filled.push(m.name!);
    }
    return filled;
  }
}

async function diskUsage(path: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isDirectory()) total += await diskUsage(p);
    else {
      try {
        total += (await lstat(p)).size;
      } catch {
        /* vanished */
      }
    }
  }
  return total;
}
