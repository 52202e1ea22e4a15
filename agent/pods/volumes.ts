// A pod's volumes on the host, under GANTRY_ROOT/pods/<uid>/volumes/<type>/<name>, made before its first container and
// removed with the pod:
//   emptyDir   a directory (medium Memory: a tmpfs, sized by sizeLimit);
//   configMap  the files the control plane projected, written atomically (kubelet's AtomicWriter: a fresh directory,
//              then the `..data` symlink swapped to it, every top-level name a symlink through `..data`), so a running
//              container sees an update whole or not at all;
//   secret     the same on a tmpfs of the pod's own — secret data never touches the disk. The desired pod the agent
//              keeps on disk has no secret data: after an agent restart the tmpfs still holds the files, and a tmpfs lost
//              with a reboot waits for the control plane's next sync;
//   hostPath   the host's path, only when the control plane vouched for the pod's creator (containers.host-access),
//              created per its type (DirectoryOrCreate, FileOrCreate) and checked against this host's bind rules.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative, isAbsolute } from "node:path";
import { hostSys } from "../../native/node/sys";
import type { AgentPod, AgentVolume } from "../../lib/protocol/pods";

/** A volume could not be made: the pod waits in ContainerCreating, saying why. */
export class VolumeError extends Error {}

export interface PreparedVolume {
  /** The directory (or file) on the host. */
  source: string;
  /** Made by the agent under its own state (mounted by the agent's own word), rather than a path of the host's. */
  internal: boolean;
  /** configMap and secret volumes are mounted read-only, whatever the mount asks. */
  readOnly: boolean;
}

export interface PodVolumesOptions {
  /** GANTRY_ROOT/pods. */
  dir: string;
  /** This host's rules for bind sources (agent/commands/bind-rules.ts): the real path to mount, or throws saying why. */
  checkHostPath(path: string, field: string): string;
  log(msg: string): void;
}

/** Marks a pod persisted without its secret data (agent/pods/pod-store.ts): secret volumes keep what their tmpfs holds. */
export const ELIDED = "";

const DATA = "..data";

function isMountPoint(path: string): boolean {
  try {
    return statSync(path).dev !== statSync(dirname(path)).dev;
  } catch {
    return false;
  }
}

async function mountTmpfs(dir: string, options: string): Promise<void> {
  if (isMountPoint(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const r = await hostSys().spawn("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
  if (r.status !== 0) throw new VolumeError(`mounting a tmpfs on ${dir} failed: ${r.stderr.toString().trim() || `exit ${r.status}`}`);
}

export class PodVolumes {
  constructor(private readonly opts: PodVolumesOptions) {}

  podDir(uid: string): string {
    return join(this.opts.dir, uid);
  }

  private volumeDir(uid: string, kind: string, name: string): string {
    return join(this.podDir(uid), "volumes", kind, name);
  }

  /** Makes (or brings up to date) every volume of the pod. Throws VolumeError naming the first that cannot be made. */
  async prepare(pod: AgentPod): Promise<Map<string, PreparedVolume>> {
    const out = new Map<string, PreparedVolume>();
    for (const [i, v] of pod.volumes.entries()) {
      if (v.error) throw new VolumeError(`volume "${v.name}": ${v.error}`);
      out.set(v.name, await this.prepareOne(pod, v, `volumes[${i}]`));
    }
    return out;
  }

  private async prepareOne(pod: AgentPod, v: AgentVolume, field: string): Promise<PreparedVolume> {
    if (v.emptyDir) {
      const dir = this.volumeDir(pod.uid, "empty-dir", v.name);
      mkdirSync(dir, { recursive: true, mode: 0o777 });
      if (v.emptyDir.medium === "Memory") {
        const size = v.emptyDir.sizeLimitBytes ? `,size=${v.emptyDir.sizeLimitBytes}` : "";
        await mountTmpfs(dir, `mode=0777${size}`);
      }
      return { source: dir, internal: true, readOnly: false };
    }
    if (v.configMap) {
      const dir = this.volumeDir(pod.uid, "configmap", v.name);
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      writeAtomically(dir, v.configMap.files);
      return { source: dir, internal: true, readOnly: true };
    }
    if (v.secret) {
      const dir = this.volumeDir(pod.uid, "secret", v.name);
      const bytes = v.secret.files.reduce((n, f) => n + Buffer.byteLength(f.data, "base64"), 0);
      await mountTmpfs(dir, `mode=0755,size=${Math.max(16 << 20, 4 * bytes)}`);
      if (v.secret.files.some((f) => f.data === ELIDED)) {
        // Kept on disk without its data: what the tmpfs holds (since before an agent restart) is the volume.
        if (!existsSync(join(dir, DATA))) throw new VolumeError(`volume "${v.name}": waiting for the control plane to send the secret's data again`);
      } else writeAtomically(dir, v.secret.files);
      return { source: dir, internal: true, readOnly: true };
    }
    if (v.hostPath) {
      if (!pod.hostAccess) {
        throw new VolumeError(`volume "${v.name}": a hostPath volume needs its creator to hold the containers.host-access right (owners and admins)`);
      }
      const path = v.hostPath.path;
      const type = v.hostPath.type;
      try {
        if (type === "DirectoryOrCreate" && !existsSync(path)) mkdirSync(path, { recursive: true, mode: 0o755 });
        if (type === "FileOrCreate" && !existsSync(path)) {
          mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
          writeFileSync(path, "", { mode: 0o644, flag: "a" });
        }
      } catch (e) {
        throw new VolumeError(`volume "${v.name}": cannot create hostPath ${path}: ${(e as Error).message}`);
      }
      if (type) {
        let st;
        try {
          st = statSync(path);
        } catch {
          throw new VolumeError(`volume "${v.name}": hostPath type check failed: ${path} does not exist`);
        }
        const is: Record<string, boolean> = {
          DirectoryOrCreate: st.isDirectory(), Directory: st.isDirectory(), FileOrCreate: st.isFile(), File: st.isFile(),
          Socket: st.isSocket(), CharDevice: st.isCharacterDevice(), BlockDevice: st.isBlockDevice(),
        };
        if (!is[type]) throw new VolumeError(`volume "${v.name}": hostPath type check failed: ${path} is not a ${type.replace(/OrCreate$/, "")}`);
      }
      let real: string;
      try {
        real = this.opts.checkHostPath(path, `${field}.hostPath.path`);
      } catch (e) {
        throw new VolumeError(`volume "${v.name}": ${(e as Error).message}`);
      }
      return { source: real, internal: false, readOnly: false };
    }
    throw new VolumeError(`volume "${v.name}": no source`);
  }

  /** The host path a mount of `volume` at `subPath` binds: made when missing, and never outside the volume. */
  subPathSource(volume: PreparedVolume, subPath: string | undefined, field: string): string {
    if (!subPath) return volume.source;
    const path = join(volume.source, subPath);
    if (!existsSync(path) && !volume.readOnly) mkdirSync(path, { recursive: true, mode: 0o755 });
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      throw new VolumeError(`${field}: subPath ${subPath} does not exist in the volume`);
    }
    const base = realpathSync(volume.source);
    const rel = relative(base, real);
    if (rel === ".." || rel.startsWith("../") || isAbsolute(rel)) throw new VolumeError(`${field}: subPath ${subPath} leads out of the volume`);
    return real;
  }

  /** Unmounts the pod's tmpfs volumes and removes its directory (its containers are gone by then). */
  async remove(uid: string): Promise<void> {
    await removePodDir(this.podDir(uid), this.opts.log);
  }
}

/** A pod's directory gone: its tmpfs volumes unmounted first (a tmpfs is never removed through, nor left mounted). */
export async function removePodDir(podDir: string, log: (msg: string) => void): Promise<void> {
  const volumes = join(podDir, "volumes");
  for (const kind of ["empty-dir", "secret"]) {
    const dir = join(volumes, kind);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (!isMountPoint(path)) continue;
      try {
        await hostSys().unmount(path);
      } catch (e) {
        log(`unmounting ${path}: ${(e as Error).message}`);
      }
    }
  }
  rmSync(podDir, { recursive: true, force: true });
}

/**
 * Writes `files` into `dir` as the kubelet's AtomicWriter does: into a new hidden directory, then `..data` is pointed at
 * it with one rename, the names at the top are symlinks through `..data`, and the previous directory goes.
 */
export function writeAtomically(dir: string, files: { path: string; data: string; mode: number }[]): void {
  if (holds(dir, files)) return;
  const stamp = `..${new Date().toISOString().replace(/[:.]/g, "_")}.${randomBytes(4).toString("hex")}`;
  const fresh = join(dir, stamp);
  mkdirSync(fresh, { mode: 0o755 });
  for (const f of files) {
    const target = join(fresh, f.path);
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    writeFileSync(target, Buffer.from(f.data, "base64"), { mode: f.mode });
    chmodSync(target, f.mode); // exactly the mode asked, whatever the umask
  }
  let previous: string | null = null;
  try {
    previous = readlinkSync(join(dir, DATA));
  } catch {
    /* the first write */
  }
  const link = join(dir, `..data_tmp`);
  rmSync(link, { force: true });
  symlinkSync(stamp, link);
  renameSync(link, join(dir, DATA));
  const top = new Set(files.map((f) => f.path.split("/")[0]!));
  for (const name of top) {
    const p = join(dir, name);
    let kept = false;
    try {
      kept = lstatSync(p).isSymbolicLink() && readlinkSync(p) === join(DATA, name);
    } catch {
      /* missing */
    }
    if (!kept) {
      rmSync(p, { recursive: true, force: true });
      symlinkSync(join(DATA, name), p);
    }
  }
  for (const name of readdirSync(dir)) {
    if (name.startsWith("..") || top.has(name)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
  }
  if (previous && previous !== stamp) rmSync(join(dir, previous), { recursive: true, force: true });
}

/** Whether `dir` already holds exactly these files (same bytes, same modes): nothing to write then. */
function holds(dir: string, files: { path: string; data: string; mode: number }[]): boolean {
  const data = join(dir, DATA);
  try {
    const count = (d: string): number =>
      readdirSync(d, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? count(join(d, e.name)) : 1), 0);
    if (count(data) !== files.length) return false;
    return files.every((f) => {
      const p = join(data, f.path);
      return (statSync(p).mode & 0o777) === f.mode && readFileSync(p).equals(Buffer.from(f.data, "base64"));
    });
  } catch {
    return false;
  }
}
