// `gantry` and `gantry-agent` on PATH: set-up (scripts/setup.mjs) writes a small wrapper for each in /usr/local/bin
// (GANTRY_BIN_DIR) that runs this clone's bin/*.mjs with the Node that ran set-up. Written only when missing or
// different (a clone that moved, another Node), never over a file that set-up did not write. Plain Node.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const COMMANDS = ["gantry", "gantry-agent"];
const MARK = "written by Gantry's set-up";

const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

export function wrapperText(command, root, node) {
  return [
    "#!/bin/sh",
    `# ${command}: ${MARK} (scripts/setup.mjs) for the clone in ${root}; set-up rewrites it when the clone moves.`,
    `exec ${quote(node)} ${quote(join(root, "bin", `${command}.mjs`))} "$@"`,
    "",
  ].join("\n");
}

/**
 * Writes the wrappers into `binDir`. Returns, per command, "installed", "updated", "unchanged" or "kept" (a file
 * there that set-up did not write is left alone and reported).
 */
export function installCommands({ root, binDir, node = process.execPath, log = () => {} }) {
  mkdirSync(binDir, { recursive: true });
  const result = {};
  for (const command of COMMANDS) {
    const path = join(binDir, command);
    const text = wrapperText(command, root, node);
    const current = existsSync(path) ? readFileSync(path, "utf8") : null;
    if (current === text) {
      result[command] = "unchanged";
      continue;
    }
    if (current !== null && !current.includes(MARK)) {
      log(`${path} exists and was not written by Gantry's set-up: left as it is (run ${join(root, "bin", `${command}.mjs`)} directly)`);
      result[command] = "kept";
      continue;
    }
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o755 });
    renameSync(tmp, path);
    result[command] = current === null ? "installed" : "updated";
    log(`${current === null ? "installed" : "updated"} ${path} → ${join(root, "bin", `${command}.mjs`)}`);
  }
  return result;
}
