// Container mounts: the `-v`, `--tmpfs` and `--volumes-from` grammars, bind-source validation, and the OCI `mounts`
// entries a bundle gets. Parsed once here into MountRequest values; VolumeService.resolveMounts turns requests into
// ResolvedMounts (host paths known, volumes created and referenced), which is what a container records and what
// `toOciMounts` and `--volumes-from` work from.
import { lstatSync, realpathSync } from "node:fs";
import { isAbsolute, normalize, relative, sep } from "node:path";
import { badRequest } from "../../lib/errors";

export type Propagation = "rprivate" | "private" | "rshared" | "shared" | "rslave" | "slave";
const PROPAGATIONS: readonly string[] = ["rprivate", "private", "rshared", "shared", "rslave", "slave"];

export type MountRequest =
  /** `source` null: an anonymous volume (`-v /data`). */
  | { type: "volume"; source: string | null; target: string; readOnly: boolean; noCopy: boolean; labels?: Record<string, string> }
  | { type: "bind"; source: string; target: string; readOnly: boolean; propagation: Propagation }
  | { type: "tmpfs"; target: string; options: string[] };

/** A mount as a container records it (Docker's MountPoint), with the host path resolved. */
export interface ResolvedMount {
  type: "volume" | "bind" | "tmpfs";
  /** Volume name (volumes only). */
  name: string | null;
  /** Host path: the volume's _data, the bind source; "" for tmpfs. */
  source: string;
  target: string;
  readOnly: boolean;
  propagation: Propagation | null;
  /** tmpfs mount options (size=…, mode=…, flags). */
  options: string[];
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** "/srv//data/" → "/srv/data"; "/" stays "/". */
const cleanPath = (p: string) => normalize(p).replace(/(.)\/+$/, "$1");

function validateTarget(target: string, spec: string): string {
  if (!isAbsolute(target)) throw badRequest(`invalid mount config: mount path "${target}" must be absolute (in "${spec}")`);
  const clean = normalize(target).replace(/\/+$/, "") || "/";
  if (clean === "/") throw badRequest(`invalid mount config: destination can't be '/' (in "${spec}")`);
  return clean;
}

/**
 * `-v` / `--volume`: "/ctr" (anonymous volume), "name:/ctr[:opts]" (named volume), "/host:/ctr[:opts]" (bind).
 * Options, comma-separated: ro, rw, nocopy (volumes), a propagation mode (binds), and z, Z, consistent, cached,
 * delegated, accepted and ignored as Docker does on Linux without SELinux.
 */
export function parseVolumeFlag(spec: string): MountRequest {
  if (typeof spec !== "string" || spec.trim() === "") throw badRequest("invalid volume specification: ''");
  const parts = spec.split(":");
  if (parts.length > 3) throw badRequest(`invalid volume specification: '${spec}'`);
  if (parts.length === 1) {
    return { type: "volume", source: null, target: validateTarget(parts[0], spec), readOnly: false, noCopy: false };
  }
  const [source, targetRaw, mode = ""] = parts;
  const target = validateTarget(targetRaw, spec);
  let readOnly = false;
  let noCopy = false;
  let propagation: Propagation | null = null;
  let rwSeen = false;
  for (const opt of mode === "" ? [] : mode.split(",")) {
    if (opt === "ro" || opt === "rw") {
      if (rwSeen) throw badRequest(`invalid mode: ${mode} (ro and rw both given)`);
      rwSeen = true;
      readOnly = opt === "ro";
    } else if (opt === "nocopy") noCopy = true;
    else if (PROPAGATIONS.includes(opt)) propagation = opt as Propagation;
    else if (!["z", "Z", "consistent", "cached", "delegated"].includes(opt)) throw badRequest(`invalid mode: ${mode} in volume specification '${spec}'`);
  }
  if (isAbsolute(source)) {
    if (noCopy) throw badRequest(`invalid mode: ${mode}: nocopy applies to volumes, not to bind mounts`);
    return { type: "bind", source: cleanPath(source), target, readOnly, propagation: propagation ?? "rprivate" };
  }
  if (propagation) throw badRequest(`invalid mode: ${mode}: propagation applies to bind mounts, not to volumes`);
  if (!VOLUME_NAME.test(source)) {
    throw badRequest(
      `"${source}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
  return { type: "volume", source, target, readOnly, noCopy };
}

const TMPFS_FLAGS = new Set(["ro", "rw", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "atime", "noatime", "relatime", "strictatime", "nodiratime", "diratime"]);

/** "64m" → bytes; k/m/g (either case) multiply by 1024; a percentage of RAM is passed through as "%". */
function parseSize(text: string, spec: string): string {
  const m = /^(\d+)([kKmMgG%]?)$/.exec(text);
  if (!m || Number(m[1]) === 0) throw badRequest(`invalid tmpfs size "${text}" in "${spec}" (a positive number of bytes, optionally with k, m, g or %)`);
  if (m[2] === "%") {
    if (Number(m[1]) > 100) throw badRequest(`invalid tmpfs size "${text}" in "${spec}": more than 100%`);
    return text;
  }
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as "" | "k" | "m" | "g"];
  return String(Number(m[1]) * mult);
}

/**
 * `--tmpfs /run:size=64m,mode=1777,noexec`. Docker's defaults noexec, nosuid, nodev apply unless overridden
 * (exec, suid, dev). size is normalised to bytes, mode must be octal (at most 7777), uid/gid numeric.
 */
export function parseTmpfsFlag(spec: string): MountRequest {
  if (typeof spec !== "string" || spec === "") throw badRequest("invalid tmpfs specification: ''");
  const colon = spec.indexOf(":");
  const target = validateTarget(colon < 0 ? spec : spec.slice(0, colon), spec);
  const given = colon < 0 || spec.slice(colon + 1) === "" ? [] : spec.slice(colon + 1).split(",");
  const options: string[] = [];
  for (const opt of given) {
    const eq = opt.indexOf("=");
    const key = eq < 0 ? opt : opt.slice(0, eq);
    const value = eq < 0 ? "" : opt.slice(eq + 1);
    if (key === "size") options.push(`size=${parseSize(value, spec)}`);
    else if (key === "mode") {
      if (!/^[0-7]{1,4}$/.test(value)) throw badRequest(`invalid tmpfs mode "${value}" in "${spec}" (octal, e.g. 1777)`);
      options.push(`mode=${value}`);
    } else if (key === "uid" || key === "gid") {
      if (!/^\d{1,10}$/.test(value)) throw badRequest(`invalid tmpfs ${key} "${value}" in "${spec}"`);
      options.push(`${key}=${value}`);
    } else if (key === "nr_inodes") {
      if (!/^\d+[kKmMgG]?$/.test(value)) throw badRequest(`invalid tmpfs nr_inodes "${value}" in "${spec}"`);
      options.push(`nr_inodes=${value}`);
    } else if (eq < 0 && TMPFS_FLAGS.has(key)) options.push(key);
    else throw badRequest(`invalid tmpfs option "${opt}" in "${spec}"`);
  }
  const has = (o: string) => options.includes(o);
  const defaults = [["noexec", "exec"], ["nosuid", "suid"], ["nodev", "dev"]].filter(([d, over]) => !has(d) && !has(over)).map(([d]) => d);
  return { type: "tmpfs", target, options: [...defaults, ...options] };
}

/** One entry of the Engine API's HostConfig.Mounts (what `docker run --mount` sends). */
export interface ApiMount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

/** HostConfig.Mounts entry → MountRequest, with Docker's validation messages. */
export function fromApiMount(m: ApiMount): MountRequest {
  if (!m || typeof m !== "object") throw badRequest("invalid mount config: not an object");
  const spec = `--mount type=${m.Type},target=${m.Target}`;
  if (typeof m.Target !== "string" || m.Target === "") throw badRequest(`invalid mount config for type "${m.Type}": field Target must not be empty`);
  const target = validateTarget(m.Target, spec);
  const readOnly = m.ReadOnly === true;
  switch (m.Type) {
    case "bind": {
      if (typeof m.Source !== "string" || m.Source === "") throw badRequest(`invalid mount config for type "bind": field Source must not be empty`);
      if (m.VolumeOptions || m.TmpfsOptions) throw badRequest(`invalid mount config for type "bind": only BindOptions apply to a bind mount`);
      const propagation = m.BindOptions?.Propagation || "rprivate";
      if (!PROPAGATIONS.includes(propagation)) throw badRequest(`invalid mount config for type "bind": invalid propagation "${propagation}"`);
      if (!isAbsolute(m.Source)) throw badRequest(`invalid mount config for type "bind": invalid mount path: '${m.Source}' mount path must be absolute`);
      return { type: "bind", source: cleanPath(m.Source), target, readOnly, propagation: propagation as Propagation };
    }
    case "volume": {
      if (m.BindOptions || m.TmpfsOptions) throw badRequest(`invalid mount config for type "volume": only VolumeOptions apply to a volume`);
      const driver = m.VolumeOptions?.DriverConfig?.Name;
      if (driver && driver !== "local") throw badRequest(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
      const source = m.Source ? m.Source : null;
      if (source !== null && !VOLUME_NAME.test(source)) {
        throw badRequest(`invalid mount config for type "volume": "${source}" includes invalid characters for a local volume name`);
      }
      const labels = m.VolumeOptions?.Labels;
      return { type: "volume", source, target, readOnly, noCopy: m.VolumeOptions?.NoCopy === true, ...(labels ? { labels: { ...labels } } : {}) };
    }
    case "tmpfs": {
      if (m.Source) throw badRequest(`invalid mount config for type "tmpfs": Source must not be specified`);
      if (m.BindOptions || m.VolumeOptions) throw badRequest(`invalid mount config for type "tmpfs": only TmpfsOptions apply to a tmpfs`);
      const opts: string[] = [];
      const size = m.TmpfsOptions?.SizeBytes;
      if (size !== undefined && size !== 0) {
        if (!Number.isInteger(size) || size < 0) throw badRequest(`invalid mount config for type "tmpfs": invalid size ${size}`);
        opts.push(`size=${size}`);
      }
      const mode = m.TmpfsOptions?.Mode;
      if (mode !== undefined && mode !== 0) {
        if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw badRequest(`invalid mount config for type "tmpfs": invalid mode ${mode}`);
        opts.push(`mode=${mode.toString(8)}`);
      }
      if (readOnly) opts.push("ro");
      return parseTmpfsFlag(`${target}${opts.length ? ":" + opts.join(",") : ""}`);
    }
    default:
      throw badRequest(`invalid mount config: mount type "${m.Type}" is not supported (bind, volume or tmpfs)`);
  }
}

/** HostConfig.Tmpfs ({"/run": "size=64m,mode=1777"}) → MountRequests. */
export function fromTmpfsMap(map: Record<string, string>): MountRequest[] {
  return Object.entries(map ?? {}).map(([target, opts]) => parseTmpfsFlag(opts ? `${target}:${opts}` : target));
}

export interface BindPolicy {
  /** GANTRY_ROOT: it and everything under it holds the agent's state and credential, never handed to a container. */
  gantryRoot: string;
}

/**
 * Checks a bind source the way a user should hear about it: it must be absolute and exist (Docker's "bind source
 * path does not exist: /x"), and must not be / nor GANTRY_ROOT or anything inside it (after resolving symlinks).
 * Returns the resolved path the mount will use.
 */
export function validateBindSource(source: string, policy: BindPolicy): string {
  if (!isAbsolute(source)) throw badRequest(`invalid mount config for type "bind": invalid mount path: '${source}' mount path must be absolute`);
  try {
    lstatSync(source);
  } catch {
    throw badRequest(`invalid mount config for type "bind": bind source path does not exist: ${source}`);
  }
  let real: string;
  try {
    real = realpathSync(source);
  } catch {
    throw badRequest(`invalid mount config for type "bind": bind source path does not exist: ${source} (a dangling symlink)`);
  }
  if (real === "/") throw badRequest(`invalid mount config for type "bind": refusing to bind-mount the host's root directory (${source})`);
  let root: string;
  try {
    root = realpathSync(policy.gantryRoot);
  } catch {
    root = normalize(policy.gantryRoot);
  }
  const rel = relative(root, real);
  const inside = rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
  if (inside) {
    throw badRequest(`invalid mount config for type "bind": ${source} is ${rel === "" ? "" : "inside "}Gantry's state directory (${root}) and cannot be mounted into a container`);
  }
  return real;
}

/** `--volumes-from CONTAINER[:ro|:rw]` → the container reference and the mode to apply (null: keep each mount's). */
export function parseVolumesFrom(spec: string): { container: string; mode: "ro" | "rw" | null } {
  const [container, mode, extra] = spec.split(":");
  if (!container || extra !== undefined) throw badRequest(`invalid --volumes-from specification "${spec}"`);
  if (mode !== undefined && mode !== "ro" && mode !== "rw") throw badRequest(`invalid mode: ${mode} in --volumes-from "${spec}" (ro or rw)`);
  return { container, mode: (mode as "ro" | "rw" | undefined) ?? null };
}

/** The other container's volumes and binds with the `--volumes-from` mode applied; its tmpfs mounts are not shared. */
export function inheritMounts(from: ResolvedMount[], mode: "ro" | "rw" | null): ResolvedMount[] {
  return from
    .filter((m) => m.type !== "tmpfs")
    .map((m) => ({ ...m, options: [...m.options], readOnly: mode === null ? m.readOnly : mode === "ro" }));
}

/** OCI `mounts` entries, parents before children (a mount under another must come after it). */
export function toOciMounts(mounts: ResolvedMount[]): OciMount[] {
  const seen = new Set<string>();
  for (const m of mounts) {
    if (seen.has(m.target)) throw badRequest(`Duplicate mount point: ${m.target}`);
    seen.add(m.target);
  }
  const depth = (p: string) => p.split("/").filter(Boolean).length;
  return [...mounts]
    .sort((a, b) => depth(a.target) - depth(b.target))
    .map((m) =>
      m.type === "tmpfs"
        ? { destination: m.target, type: "tmpfs", source: "tmpfs", options: [...m.options] }
        : { destination: m.target, type: "bind", source: m.source, options: ["rbind", m.readOnly ? "ro" : "rw", m.propagation ?? "rprivate"] },
    );
}
