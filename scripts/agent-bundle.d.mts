// Types for agent-bundle.mjs (plain Node: set-up and the control plane run it without tsx).
export interface AgentBundleBuild {
  /** The tarball: gantry-agent-<version>-<arch>-<sha256[0:12]>.tar.gz */
  file: string;
  sha256: string;
  /** What VERSION holds and the agent reports: "<package version>+<build id>". */
  version: string;
  bytes: number;
  /** The files it was made from, with their size and mtime when the build read them. */
  inputs: { path: string; size: number; mtimeMs: number }[];
}
export const INSTALL_SCRIPT: string;
export const NATIVE_FILES: string[];
export function buildAgentBundle(opts: { outDir: string; version?: string | null; agent?: string | null }): Promise<AgentBundleBuild>;
export function packagesLeftOut(externals: string[]): string[];
