// `gantry` and `gantry-agent` on PATH: set-up's wrappers run this clone's commands from anywhere (a path with a space
// and a quote included), are rewritten only when something changed (the clone moved), and never replace a file of
// the same name that set-up did not write.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../support/bundle";
import { installCommands } from "../../scripts/commands.mjs";

const exec = (file: string, args: string[], cwd: string) =>
  new Promise<{ code: number; stdout: string }>((resolve) =>
    execFile(file, args, { cwd, env: { ...process.env, PATH: "/usr/bin:/bin" }, timeout: 30_000 }, (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout })),
  );

test("set-up's wrappers run gantry and gantry-agent from anywhere; idempotent, replaced when the clone moves, never over another file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-commands-"));
  try {
    const bin = join(dir, "bin");
    const clone = join(dir, "my clone's copy");
    symlinkSync(REPO_ROOT, clone);
    assert.deepEqual(installCommands({ root: clone, binDir: bin }), { gantry: "installed", "gantry-agent": "installed" });
    assert.equal(statSync(join(bin, "gantry")).mode & 0o777, 0o755);
    // Run from an unrelated directory with a PATH that has no node: the wrapper names the Node that ran set-up.
    const [agent, cli] = await Promise.all([exec(join(bin, "gantry-agent"), ["--help"], dir), exec(join(bin, "gantry"), ["--help"], dir)]);
    assert.equal(agent.code, 0);
    assert.match(agent.stdout, /^usage: gantry-agent/);
    assert.equal(cli.code, 0);
    assert.match(cli.stdout, /gantry login <url>/);

    assert.deepEqual(installCommands({ root: clone, binDir: bin }), { gantry: "unchanged", "gantry-agent": "unchanged" });
    assert.deepEqual(installCommands({ root: REPO_ROOT, binDir: bin }), { gantry: "updated", "gantry-agent": "updated" });
    assert.match(readFileSync(join(bin, "gantry"), "utf8"), new RegExp(`'${REPO_ROOT}/bin/gantry\\.mjs'`));

    writeFileSync(join(bin, "gantry"), "#!/bin/sh\necho someone else's gantry\n");
    const said: string[] = [];
    assert.deepEqual(installCommands({ root: clone, binDir: bin, log: (m) => said.push(m) }), { gantry: "kept", "gantry-agent": "updated" });
    assert.equal(readFileSync(join(bin, "gantry"), "utf8"), "#!/bin/sh\necho someone else's gantry\n");
    assert.match(said.join("\n"), /gantry exists and was not written by Gantry's set-up: left as it is/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
