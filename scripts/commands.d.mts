// Types for commands.mjs (plain Node: set-up runs it before node_modules exists).
export const COMMANDS: string[];
export function wrapperText(command: string, root: string, node: string): string;
export function installCommands(opts: { root: string; binDir: string; node?: string; log?: (msg: string) => void }): Record<string, "installed" | "updated" | "unchanged" | "kept">;
