#!/usr/bin/env node
// Runs the whole suite (or the folders/files given) with Node's test runner; TypeScript through tsx.
//   node scripts/test.mjs                 everything under test/
//   node scripts/test.mjs test/native     one area
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, existsSync } from "node:fs";
import { join, dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { formatHostFeatures } from "./host-features.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const targets = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith("-"));

function collect(p, out) {
  if (!existsSync(p)) return out;
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const e of readdirSync(p).sort()) {
      if (e === "node_modules" || e === "fixtures") continue;
      collect(join(p, e), out);
    }
  } else if (/\.test\.(ts|mts|mjs)$/.test(p)) out.push(relative(root, p));
  return out;
}

const files = (targets.length ? targets : ["test"]).flatMap((t) => collect(join(root, t), []));
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
// What this machine offers the engine, so a failure elsewhere reads from the log (tests assert per feature found).
console.log(`# host features\n${formatHostFeatures().replace(/^/gm, "#   ")}`);
const r = spawnSync(
  process.execPath,
  [
    "--import", "tsx", "--test", "--test-concurrency=1",
    "--test-reporter=spec", "--test-reporter-destination=stdout",
    "--test-reporter=./scripts/test-file-times.mjs", "--test-reporter-destination=stdout",
    ...passthrough, ...files,
  ],
  { stdio: "inherit", cwd: root, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } },
);
process.exit(r.status ?? 1);
