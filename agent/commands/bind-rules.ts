// The host's own word on bind mounts the control plane asks for (container.run): the agent is the last line, whatever
// the control plane decided (lib/containers/run-container.ts asks for the containers.host-access right first). Each
// source is resolved to its real path — symlinks followed, so /tmp/x -> /etc is /etc — and refused when it is:
//   - the host's root directory;
//   - guarded: the agent's state (GANTRY_ROOT, with its credential), the control plane's data (GANTRY_DATA and its
//     default, holding the session signing key), the Docker API sockets (the agent's and dockerd's) — the path itself,
//     anything inside it, or any directory holding it (binding /var/lib exposes /var/lib/gantry). Never allowed;
//   - a system directory or anything below it (/etc, /proc, /sys, /dev, /boot, /root, and where root's programs live:
//     /usr, /bin, /sbin, /lib*), unless the host's owner listed paths in GANTRY_ALLOWED_BIND_PATHS that hold it;
//   - when GANTRY_ALLOWED_BIND_PATHS is set, anything outside the paths it lists.
// The engine then mounts the real path checked here (it resolves and checks GANTRY_ROOT again on its own).
// Not covered here: a path swapped for a symlink between this check and the runtime's mount (it takes write access
// to a directory on the way, which binds from here do not hand out inside guarded or system directories).
// The agent's local Docker API socket does not come through here: whoever can open it is root on this host already
// (it is root-only, like dockerd's), so its binds are the engine's own rules (agent/volumes/mounts.ts) and nothing more.
import { existsSync, realpathSync } from "node:fs";
import { isAbsolute, normalize, relative } from "node:path";
import { badRequest } from "../../lib/errors";
import type { RunSpec } from "../../lib/protocol/commands";

export interface GuardedPath {
  path: string;
  /** What it is, for the error message ("the agent's state (GANTRY_ROOT)"). */
  what: string;
}

export interface BindRules {
  guarded: GuardedPath[];
  /** System directories refused with everything below them, unless `allowed` holds the path. */
  system: readonly string[];
  /** GANTRY_ALLOWED_BIND_PATHS: null when unset; set, the only places binds may come from. */
  allowed: readonly string[] | null;
}

export const SYSTEM_PATHS: readonly string[] = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/root", "/sbin", "/sys", "/usr"];

/** dockerd's and containerd's sockets: whoever holds one is root on the host. */
const RUNTIME_SOCKETS = ["/run/docker.sock", "/var/run/docker.sock", "/run/containerd/containerd.sock", "/run/gantry/docker.sock"];

export function bindRulesFor(config: {
  root: string;
  dockerSocket: string;
  controlPlaneData: readonly string[];
  allowedBindPaths: readonly string[] | null;
}): BindRules {
  return {
    guarded: [
      { path: config.root, what: "the agent's state (GANTRY_ROOT)" },
      ...(config.root !== "/var/lib/gantry" ? [{ path: "/var/lib/gantry", what: "the agent's default state directory" }] : []),
      ...config.controlPlaneData.map((path) => ({ path, what: "the control plane's data (GANTRY_DATA)" })),
      { path: config.dockerSocket, what: "the agent's Docker API socket" },
      ...RUNTIME_SOCKETS.filter((p) => p !== config.dockerSocket).map((path) => ({ path, what: "a container engine's API socket" })),
    ],
    system: SYSTEM_PATHS,
    allowed: config.allowedBindPaths,
  };
}

/** The path with symlinks resolved when it exists (and as written, cleaned, when it does not). */
function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return normalize(p);
  }
}

/** Whether `p` is `dir` or below it (both real, absolute paths). */
function within(p: string, dir: string): boolean {
  const rel = relative(dir, p);
  return rel === "" || (rel !== ".." && !rel.startsWith("../") && !isAbsolute(rel));
}

/**
 * Checks one bind source against the rules; `field` names it in the error ("volumes.0.source"). Returns the real path,
 * which is what should be mounted.
 */
export function checkBindSource(source: string, rules: BindRules, field: string): string {
  if (!isAbsolute(source)) throw badRequest(`${field}: a bind source must be an absolute path, got "${source}"`);
  if (!existsSync(source)) throw badRequest(`${field}: bind source path does not exist: ${source}`);
  let path: string;
  try {
    path = realpathSync(source);
  } catch (e) {
    throw badRequest(`${field}: cannot resolve bind source ${source}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const named = path === source ? `"${source}"` : `"${source}" (which resolves to ${path})`;
  const refuse = (why: string) => badRequest(`${field}: this host refuses to bind ${named} into a container: ${why}`);
  if (path === "/") throw refuse("it is the host's root directory");
  for (const g of rules.guarded) {
    const gp = real(g.path);
    if (within(path, gp)) throw refuse(`it is ${path === gp ? "" : "inside "}${g.what}, ${gp}`);
    if (within(gp, path)) throw refuse(`it holds ${g.what}, ${gp}`);
  }
  if (rules.allowed) {
    const allowed = rules.allowed.map(real);
    if (!allowed.some((a) => within(path, a))) {
      throw refuse(`it is outside the paths this host allows binds from (GANTRY_ALLOWED_BIND_PATHS: ${allowed.join(", ") || "none"})`);
    }
    return path;
  }
  for (const s of rules.system) {
    const sp = real(s);
    if (within(path, s) || within(path, sp)) {
      throw refuse(`it is ${path === sp || path === s ? "" : "inside "}the system directory ${s} (the host's owner can allow paths with GANTRY_ALLOWED_BIND_PATHS)`);
    }
  }
  return path;
}

/** The spec with each bind source checked and replaced by its real path; volume names pass as they are. */
export function applyBindRules(spec: RunSpec, rules: BindRules): RunSpec {
  if (!spec.volumes?.length) return spec;
  return {
    ...spec,
    volumes: spec.volumes.map((v, i) => (v.source.startsWith("/") ? { ...v, source: checkBindSource(v.source, rules, `volumes.${i}.source`) } : v)),
  };
}
