// The house's arrows (README "Layout"): app/components → lib; server → lib; agent core ← its adapters; lib never
// imports server/, agent/ or components/; nothing imports app/. This reads every TypeScript file's imports (static,
// re-exports and dynamic) and fails naming the file, the import and the rule it breaks, so the layering cannot rot
// quietly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SOURCE_DIRS = ["app", "components", "lib", "server", "agent", "cli", "bin", "scripts"];

/** Where a repo-relative path lives, for the rules below. */
function layerOf(path: string): string {
  const [top, second] = path.split("/");
  if (top === "agent") {
    // The agent's adapters: the Docker Engine API and the control plane's command handlers. agent/main.ts is the
    // composition root that wires core and adapters together.
    if (second === "docker-api") return "agent-docker-api";
    if (second === "commands") return "agent-commands";
    if (path === "agent/main.ts") return "agent-root";
    return "agent-core";
  }
  if (top === "lib" && second === "generated") return "lib";
  return top;
}

const AGENT_ADAPTERS = ["agent-docker-api", "agent-commands"];

/** [from layer, to layer, why] — an import from the first to the second breaks the rule. */
const FORBIDDEN: Array<[string, string, string]> = [
  ["lib", "server", "lib never imports server/ (the server sets what lib needs at start: an interface lib declares)"],
  ["lib", "agent-core", "lib never imports agent/ (shared code lives in lib/, the agent imports it)"],
  ...AGENT_ADAPTERS.map((a): [string, string, string] => ["lib", a, "lib never imports agent/"]),
  ["lib", "agent-root", "lib never imports agent/"],
  ["lib", "components", "lib never imports components/"],
  ["lib", "cli", "lib never imports cli/"],
  ["components", "server", "the browser's code never imports the server"],
  ["components", "agent-core", "engine code never reaches the browser bundle"],
  ...AGENT_ADAPTERS.map((a): [string, string, string] => ["components", a, "engine code never reaches the browser bundle"]),
  ["server", "components", "the server process does not import UI code"],
  ["server", "agent-core", "the control plane never imports the agent (they speak lib/protocol)"],
  ...AGENT_ADAPTERS.map((a): [string, string, string] => ["server", a, "the control plane never imports the agent"]),
  ...AGENT_ADAPTERS.map((a): [string, string, string] => ["agent-core", a, "agent core never imports its adapters (docker-api, commands): they depend on it"]),
  // Adapters are leaves: what two of them share (an inspect view, a time argument, the error classification) lives in
  // the core or a neutral module, never borrowed from the other adapter.
  ["agent-commands", "agent-docker-api", "the control plane's commands never borrow from the Engine API adapter (shared pieces live in the core)"],
  ["agent-docker-api", "agent-commands", "the Engine API adapter never borrows from the command handlers (shared pieces live in the core)"],
  ["agent-core", "server", "the agent never imports the control plane"],
  ...AGENT_ADAPTERS.map((a): [string, string, string] => [a, "server", "the agent never imports the control plane"]),
  ["agent-core", "cli", "the agent core never imports the CLI"],
  ["agent-core", "components", "the agent never imports UI code"],
  ["cli", "server", "the CLI speaks the REST API, it never imports the server"],
  ["cli", "agent-core", "the CLI speaks the REST API, it never imports the agent"],
];
for (const from of ["lib", "components", "server", "agent-core", ...AGENT_ADAPTERS, "agent-root", "cli", "bin", "scripts"])
  FORBIDDEN.push([from, "app", "nothing imports app/ (routes and pages are the top)"]);
/** The one crossing allowed, with its reason: the `gantry` entry point carries this machine's own commands (join,
 * version), which live with the agent. */
const ALLOWED = new Set(["cli/gantry.ts -> agent/host-commands"]);
/** Within agent core: the image store's lower rooms never import the image service above them. */
const AGENT_ROOMS_BELOW_IMAGES = ["agent/store/", "agent/registry/", "agent/layers/", "agent/snapshots/"];

function sourceFiles(dir: string, out: string[] = []): string[] {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return out;
  for (const e of readdirSync(abs)) {
    if (e === "node_modules" || e === "generated" || e.startsWith(".")) continue;
    const p = join(dir, e);
    if (statSync(join(ROOT, p)).isDirectory()) sourceFiles(p, out);
    else if (/\.(ts|tsx|mts|mjs)$/.test(e) && !e.endsWith(".d.ts") && !e.endsWith(".d.mts")) out.push(p);
  }
  return out;
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']|(?:^|[\s;(=])import\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

/** The repo-relative path an import names, or null for a package. */
function resolveImport(fromFile: string, spec: string): string | null {
  let target: string;
  if (spec.startsWith("@/")) target = spec.slice(2);
  else if (spec.startsWith(".")) target = relative(ROOT, resolve(ROOT, dirname(fromFile), spec));
  else return null;
  return target;
}

function violations(): string[] {
  const found: string[] = [];
  for (const file of SOURCE_DIRS.flatMap((d) => sourceFiles(d))) {
    const text = readFileSync(join(ROOT, file), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    const from = layerOf(file);
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const target = resolveImport(file, spec);
      if (target === null) continue;
      const to = layerOf(target);
      if (ALLOWED.has(`${file} -> ${target.replace(/\.(ts|tsx)$/, "")}`)) continue;
      for (const [a, b, why] of FORBIDDEN) if (from === a && to === b) found.push(`${file} imports "${spec}": ${why}`);
      if (AGENT_ROOMS_BELOW_IMAGES.some((r) => file.startsWith(r)) && target.startsWith("agent/images/"))
        found.push(`${file} imports "${spec}": the image store's rooms (store, registry, layers, snapshots) sit below agent/images/`);
      if (file.startsWith("agent/containers/") && target.startsWith("agent/image-builder/"))
        found.push(`${file} imports "${spec}": containers do not depend on the image builder (shared rootfs helpers live below both)`);
    }
  }
  return found;
}

test("imports follow the layers: no arrow runs back up", () => {
  const found = violations();
  assert.deepEqual(found, [], `${found.length} import(s) cross a layer the wrong way:\n  ${found.join("\n  ")}`);
});

test("the check sees real imports (a file known to import lib/ is read as doing so)", () => {
  // Guards the checker itself: if the pattern stopped matching, the test above would pass on anything.
  const text = readFileSync(join(ROOT, "server/server.ts"), "utf8");
  const specs = [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]);
  assert.ok(specs.some((s) => s.startsWith("@/lib/") || s.includes("../lib/")), `no lib import seen in server/server.ts: ${specs}`);
});

test("the agent's adapters are read as such (the rule above would pass on nothing otherwise)", () => {
  assert.equal(layerOf("agent/docker-api/containers.ts"), "agent-docker-api");
  assert.equal(layerOf("agent/commands/run-command.ts"), "agent-commands");
  assert.equal(layerOf("agent/containers/service.ts"), "agent-core");
  assert.equal(layerOf("agent/runtime/runtime.ts"), "agent-core");
  const rule = (from: string, to: string) => FORBIDDEN.some(([a, b]) => a === from && b === to);
  assert.ok(rule("agent-core", "agent-docker-api") && rule("agent-core", "agent-commands") && rule("agent-commands", "agent-docker-api"));
  assert.ok(rule("lib", "server") && rule("lib", "agent-core") && rule("lib", "components"));
});

/** Where the agent may start programs with node:child_process: the runtime room, and the compressors' pipes. */
const CHILD_PROCESS_ALLOWED = new Set(["agent/runtime/runtime.ts", "agent/layers/compression.ts"]);

test("one place speaks gantry-runtime's and gantry-monitor's command lines (agent/runtime/)", () => {
  const found: string[] = [];
  for (const file of sourceFiles("agent")) {
    if (file.startsWith("agent/runtime/")) continue;
    const text = readFileSync(join(ROOT, file), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    // The runtime's and the monitor's flags, as only their one client builds them.
    for (const flag of ['"--root"', '"--bundle"', '"--pid-file"', '"--exit-file"', '"--attach-socket"'])
      if (text.includes(flag)) found.push(`${file} builds a runtime or monitor command line (${flag}): call agent/runtime/ instead`);
    if (/import\s+(?!type\b)[^;]*from\s*["']node:child_process["']/.test(text) && !CHILD_PROCESS_ALLOWED.has(file))
      found.push(`${file} imports node:child_process: run host programs through agent/process.ts, the runtime through agent/runtime/`);
  }
  assert.deepEqual(found, [], found.join("\n"));
});
