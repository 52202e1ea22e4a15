// Types for host-features.mjs (plain Node so the suite can print it before anything is built).
export interface HostFeatures {
  kernel: string;
  cgroup: "v2" | "v1 hybrid" | "v1";
  /** v1 controller → mount point */
  v1Controllers: Record<string, string>;
  v2Controllers: string[];
  unifiedRoot: string | null;
  blockDevices: Record<string, { scheduler: string; dev?: string }>;
  bfq: boolean;
  cfq: boolean;
  swapAccounting: boolean;
  /** e.g. "2048kB", "1048576kB" */
  hugepageSizes: string[];
  overlayfs: boolean;
  vxlan: boolean | undefined;
}
export function hostFeatures(): HostFeatures;
export function formatHostFeatures(f?: HostFeatures): string;
