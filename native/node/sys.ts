// The agent's binding to native/build/gantry-sys.node (src/node/sys.c): mount, unmount and network namespaces
// without spawning mount(8) or ip(8) — a fork of the agent costs its event loop 10-20 ms, these calls microseconds.
// Every call runs off the event loop, except openat2 and xattrs (one per entry of a file walk, microseconds each;
// openat2Async is openat2 off it);
// a failure rejects (those two: throws) an Error whose `code` is the errno name.
import { createRequire } from "node:module";
import { join } from "node:path";

export interface HostSys {
  /** `mount -t overlay overlay -o DATA TARGET` with the working directory CWD (for relative lowerdirs). */
  mountOverlay(target: string, cwd: string, data: string): Promise<void>;
  /** Unmounts TARGET; a busy mount is detached. */
  unmount(target: string): Promise<void>;
  /** `ip netns add`: a new network namespace bind-mounted on PATH (under /run/netns), lo up. */
  createNetns(path: string): Promise<void>;
  /** `ip netns del`: unmounts PATH (detached) and removes it; a PATH already gone is fine. */
  deleteNetns(path: string): Promise<void>;
  /** Sets lo up in the network namespace at NETNS_PATH. */
  loopbackUp(netnsPath: string): Promise<void>;
  /**
   * Runs FILE (looked up in PATH) with ARGS to its end, INPUT on its stdin (else /dev/null), by posix_spawn: no
   * fork of the agent. Throws (synchronously) when it cannot be started.
   */
  spawn(file: string, args: readonly string[], input?: Buffer | null): Promise<SpawnResult>;
  /**
   * openat2(2), synchronous: a descriptor (O_CLOEXEC) for PATH relative to DIRFD (AT_FDCWD is -100), resolved as the
   * RESOLVE_* bits say — RESOLVE_IN_ROOT treats DIRFD as "/" for every symlink and "..", in the kernel.
   */
  openat2(dirfd: number, path: string, flags: number, mode: number, resolve: number): number;
  /** openat2 on the thread pool: for creating files, which can take a millisecond each (inode allocation). */
  openat2Async(dirfd: number, path: string, flags: number, mode: number, resolve: number): Promise<number>;
  /** Every extended attribute of PATH (of a final symlink itself unless FOLLOW), synchronous; none where unsupported. */
  xattrs(path: string, follow: boolean): Record<string, Buffer>;
  /** Whether the peer of the socket FD closed it entirely (POLLHUP), not only its sending half (synchronous). */
  hungUp(fd: number): boolean;
  /** malloc_trim(0), synchronous: the free memory glibc keeps goes back to the kernel. Whether any was released. */
  trimMemory(): boolean;
  readonly O_PATH: number;
  readonly RESOLVE_NO_XDEV: number;
  readonly RESOLVE_NO_MAGICLINKS: number;
  readonly RESOLVE_NO_SYMLINKS: number;
  readonly RESOLVE_BENEATH: number;
  readonly RESOLVE_IN_ROOT: number;
}

export interface SpawnResult {
  /** Exit status, or null when a signal ended it. */
  status: number | null;
  signal: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

export const ADDON_PATH = join(import.meta.dirname, "..", "build", "gantry-sys.node");

let loaded: HostSys | null = null;

/** The addon; a clear error when native/ has not been built. */
export function hostSys(): HostSys {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)(ADDON_PATH) as HostSys;
  } catch (e) {
    throw new Error(`cannot load ${ADDON_PATH} (build it with \`make -C native\`): ${(e as Error).message}`);
  }
  return loaded;
}

/**
 * A path naming what descriptor FD (of this process) refers to, also for the programs the agent runs: opening it
 * reaches that very inode, and `${fdPath(dir)}/name` looks NAME up in that directory and nowhere else — what
 * openat(dir, name) does, for the fs calls Node has no *at() form of.
 */
export function fdPath(fd: number): string {
  return `/proc/${process.pid}/fd/${fd}`;
}
