// The record of each container — containerd's line between the record and the running task: what was created
// (Config, HostConfig, the networks and mounts asked for) and what the monitor last reported (State), kept under
// GANTRY_ROOT/containers/<id>/config.json, written through a temp file and rename. The store holds them in memory,
// finds them as docker does (full id, name with or without "/", unique id prefix), holds who has each name, and
// publishes their events. It knows nothing of running them (agent/containers/lifecycle.ts does).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { badRequest, GantryError } from "../../lib/errors";
import type { EventBus } from "../events";
import { ContainerNames } from "./names";
import type { ContainerRecord, ContainerState } from "./types";

export const noSuchContainer = (ref: string) => new GantryError("not_found", `No such container: ${ref}`);

export function emptyState(): ContainerState {
  return { Status: "created", Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: "", StartedAt: "0001-01-01T00:00:00Z", FinishedAt: "0001-01-01T00:00:00Z" };
}

/** Where a root's containers keep their state: records under the root, sockets and runtime state under /run. */
export function containerPaths(root: string): { dir: string; runtimeRoot: string; socketDir: string } {
  const tag = createHash("sha256").update(root).digest("hex").slice(0, 10);
  // Unix socket paths are limited to 107 bytes: the runtime's state and the attach sockets live under /run.
  return { dir: join(root, "containers"), runtimeRoot: join("/run/gantry", tag, "runtime"), socketDir: join("/run/gantry", tag, "attach") };
}

export class ContainerStore {
  private readonly records = new Map<string, ContainerRecord>();
  /** Who holds each name: checked and taken in one step (a create awaits a lot before its record exists). */
  readonly names = new ContainerNames();

  constructor(
    readonly dir: string,
    private readonly socketDir: string,
    private readonly events: EventBus,
    private readonly log: (msg: string) => void,
  ) {}

  has(id: string): boolean {
    return this.records.has(id);
  }

  /** By full id only (no name or prefix lookup). */
  byId(id: string): ContainerRecord | undefined {
    return this.records.get(id);
  }

  list(): ContainerRecord[] {
    return [...this.records.values()].sort((a, b) => (a.Created < b.Created ? 1 : -1));
  }

  /** By full id, name (with or without "/"), or unique id prefix. */
  get(ref: string): ContainerRecord {
    const direct = this.records.get(ref);
    if (direct) return direct;
    const name = ref.startsWith("/") ? ref : `/${ref}`;
    const named = this.byName(name);
    if (named) return named;
    if (/^[0-9a-f]{1,64}$/.test(ref)) {
      const hits = [...this.records.values()].filter((r) => r.Id.startsWith(ref));
      if (hits.length === 1) return hits[0]!;
      if (hits.length > 1) throw badRequest(`multiple IDs found with provided prefix: ${ref}`);
    }
    throw noSuchContainer(ref);
  }

  /** By its "/name". */
  byName(name: string): ContainerRecord | undefined {
    for (const r of this.records.values()) if (r.Name === name) return r;
    return undefined;
  }

  /** Containers created from image `imageId` (for `docker system df` and image removal checks). */
  usingImage(imageId: string): ContainerRecord[] {
    return [...this.records.values()].filter((r) => r.Image === imageId);
  }

  pathOf(id: string, file = ""): string {
    return join(this.dir, id, file);
  }

  logPath(id: string) {
    return this.pathOf(id, "container.log");
  }

  attachSocketPath(id: string) {
    return join(this.socketDir, `${id.slice(0, 24)}.sock`);
  }

  /** Makes the container's directory (before its record exists: the snapshot and mounts are prepared first). */
  makeDir(id: string) {
    mkdirSync(this.pathOf(id), { recursive: true, mode: 0o710 });
  }

  /** Keeps a new record (its name is already claimed) and writes it. */
  add(rec: ContainerRecord) {
    this.records.set(rec.Id, rec);
    this.save(rec);
  }

  save(rec: ContainerRecord) {
    const path = this.pathOf(rec.Id, "config.json");
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, JSON.stringify(rec));
    renameSync(tmp, path);
  }

  /** Writes a record changed outside the lifecycle (network connect/disconnect, update), if it is still kept. */
  persist(rec: ContainerRecord) {
    if (this.records.has(rec.Id)) this.save(rec);
  }

  setState(rec: ContainerRecord, patch: Partial<ContainerState>) {
    Object.assign(rec.State, patch);
    this.persist(rec);
  }

  /**
   * Forgets the container: its record, name and directory (renamed out of the way at once, removed in the
   * background: a renamed directory is no longer a container) and attach socket.
   */
  forget(rec: ContainerRecord) {
    this.records.delete(rec.Id);
    this.names.release(rec.Name, rec.Id);
    const trash = join(this.dir, `.removed-${rec.Id}`);
    try {
      renameSync(this.pathOf(rec.Id), trash);
      void rm(trash, { recursive: true, force: true });
    } catch {
      rmSync(this.pathOf(rec.Id), { recursive: true, force: true });
    }
    rmSync(this.attachSocketPath(rec.Id), { force: true });
  }

  /** Drops a create that did not finish (no record kept, its directory removed). */
  discard(id: string) {
    this.records.delete(id);
    rmSync(this.pathOf(id), { recursive: true, force: true });
  }

  /** Publishes a container event (its labels, image and name as attributes). */
  emit(rec: ContainerRecord, action: string, extra: Record<string, string> = {}) {
    this.events.publish("container", action, rec.Id, { ...rec.Config.Labels, image: rec.Config.Image, name: rec.Name.slice(1), ...extra });
  }

  /** Reads every record on disk (and removes what removals left behind); unreadable records are logged and left. */
  load(): ContainerRecord[] {
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(this.socketDir, { recursive: true });
    for (const id of readdirSync(this.dir)) {
      if (id.startsWith(".removed-")) {
        rmSync(join(this.dir, id), { recursive: true, force: true });
        continue;
      }
      const path = this.pathOf(id, "config.json");
      if (!existsSync(path)) continue;
      try {
        const rec = JSON.parse(readFileSync(path, "utf8")) as ContainerRecord;
        this.records.set(rec.Id, rec);
        this.names.claim(rec.Name, rec.Id);
      } catch (e) {
        this.log(`container ${id}: unreadable record (${(e as Error).message}); left as it is`);
      }
    }
    return [...this.records.values()];
  }
}
