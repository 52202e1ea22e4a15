#!/usr/bin/env node
// The `gantry-agent` command: runs the agent from its bundle, .build/gantry-agent.mjs (scripts/build-agent.mjs; ~30 MB
// less than through tsx), built again first whenever a source it was made from has changed. GANTRY_AGENT_TSX=1 runs
// agent/main.ts through tsx instead, as does a checkout where the bundle cannot be built.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { AGENT_BUNDLE, agentBundleFresh } from "../scripts/build-agent.mjs";

let bundled = process.env.GANTRY_AGENT_TSX !== "1";
if (bundled && !agentBundleFresh()) {
  try {
    // In a process of its own: esbuild and the build's memory do not stay in the agent.
    execFileSync(process.execPath, [join(import.meta.dirname, "../scripts/build-agent.mjs")], { stdio: ["ignore", "ignore", "inherit"] });
  } catch (e) {
    console.error(`[gantry-agent] cannot build the agent's bundle (${e.message.split("\n")[0]}): running agent/main.ts through tsx`);
    bundled = false;
  }
}
if (bundled) {
  await import(pathToFileURL(AGENT_BUNDLE).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../agent/main.ts");
}
