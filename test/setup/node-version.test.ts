// The Node.js that README and package.json promise is enough for every installed package: no dependency asks for a
// newer one (npm warned that @prisma/streams-local wants Node 22 while README said 20.9), and this Node is one of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { REPO_ROOT } from "../support/bundle";

const semver = createRequire(join(REPO_ROOT, "package.json"))("semver") as { satisfies(v: string, range: string): boolean; minVersion(range: string): { version: string } };

function installed(dir: string, out: { name: string; version: string; node: string }[] = []) {
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (entry.startsWith("@")) {
      installed(path, out);
      continue;
    }
    const manifest = join(path, "package.json");
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version?: string; engines?: { node?: string } };
      if (typeof pkg.engines?.node === "string") out.push({ name: pkg.name ?? path, version: pkg.version ?? "?", node: pkg.engines.node });
    }
    if (existsSync(join(path, "node_modules"))) installed(join(path, "node_modules"), out);
  }
  return out;
}

test("every installed package runs on the oldest Node.js README and package.json allow, and on this one", () => {
  const range = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
  const oldest = semver.minVersion(range).version;
  const short = oldest.replace(/\.0$/, "");
  assert.match(readFileSync(join(REPO_ROOT, "README.md"), "utf8"), new RegExp(`Node\\.js ≥ ${short.replace(/\./g, "\\.")}\\b`), "README names the same minimum");
  assert.ok(semver.satisfies(process.versions.node, range), `this Node ${process.versions.node} is not ${range}`);
  const tooOld = installed(join(REPO_ROOT, "node_modules")).filter((p) => !semver.satisfies(oldest, p.node));
  assert.deepEqual(tooOld.map((p) => `${p.name}@${p.version} wants node ${p.node}`), [], `packages that need more than Node ${oldest}`);
});
