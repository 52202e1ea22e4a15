// Types for apt.mjs (plain Node: set-up runs it before node_modules exists).
export const APT_LOCKS: string[];
export const DEFAULT_LOCK_TIMEOUT_S: number;
export class AptError extends Error {}
export interface LockHolder {
  path: string;
  pid: number;
  command: string;
}
export function lockHolders(paths?: string[]): LockHolder[];
export function waitForAptLocks(opts?: { paths?: string[]; timeoutS?: number; log?: (msg: string) => void; pollMs?: number; now?: () => number }): Promise<void>;
export function lockTimeoutFrom(env?: Record<string, string | undefined>): number;
export function missingPackages(packages: string[]): string[];
export function aptInstall(packages: string[], opts?: { timeoutS?: number; log?: (msg: string) => void; cwd?: string }): Promise<void>;
export const POLICY_RC_D: string;
export function withoutServiceStarts<T>(fn: () => T | Promise<T>, opts?: { path?: string }): Promise<T>;
