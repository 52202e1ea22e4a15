// The gantry-agent command (bin/gantry-agent.mjs) runs the agent from its bundle (scripts/build-agent.mjs), built
// again when a source changed: a standalone agent serves the Docker API from it and holds a fraction of the private
// memory an agent run through tsx holds (tsx's loader thread has a V8 isolate of its own).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync, utimesSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { startAgent, type AgentProcess } from "../support/agent.ts";
import { REPO_ROOT } from "../support/bundle.ts";

const BIN = join(REPO_ROOT, "bin/gantry-agent.mjs");
const BUNDLE = join(REPO_ROOT, ".build/gantry-agent.mjs");
const agents: AgentProcess[] = [];
after(async () => {
  for (const a of agents) await a.destroy();
});

function get(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ socketPath, path }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    }).on("error", reject);
  });
}

const privateKb = (pid: number) => Number(/^RssAnon:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);

test("the command builds its bundle again when a source it was made from changed", () => {
  execFileSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
  const built = statSync(BUNDLE).mtimeMs;
  // A source's mtime moves (as an edit would); the next start sees it and builds again.
  const source = join(REPO_ROOT, "agent/version.ts");
  const before = statSync(source);
  try {
    utimesSync(source, before.atime, new Date(Date.now() + 1000));
    const usage = execFileSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
    assert.match(usage, /^usage: gantry-agent/);
    assert.ok(statSync(BUNDLE).mtimeMs > built, "the bundle was built again");
  } finally {
    utimesSync(source, before.atime, before.mtime);
  }
  // Through tsx when asked.
  assert.match(execFileSync(process.execPath, [BIN, "--help"], { encoding: "utf8", env: { ...process.env, GANTRY_AGENT_TSX: "1" } }), /^usage: gantry-agent/);
});

test("an agent started by the command serves the Docker API from its bundle, with ~15 MB of private memory (tsx: ~60)", async () => {
  const a = startAgent({ viaBin: true });
  agents.push(a);
  await a.waitForOutput("Docker API listening", 60_000);
  const socket = join(a.root, "docker.sock");
  assert.deepEqual(await get(socket, "/_ping"), { status: 200, body: "OK" });
  const version = JSON.parse((await get(socket, "/version")).body);
  assert.equal(version.Version, JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).version);
  // Idle for a moment; what is private to it (its heap, not the node binary it shares) stays small.
  await new Promise((r) => setTimeout(r, 2000));
  const kb = privateKb(a.process.pid!);
  assert.ok(kb < 35_000, `RssAnon of the idle agent: ${kb} kB`);
});
