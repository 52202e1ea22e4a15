// Every command answers --help without a control plane or a login: gantry-agent (and its uninstall), gantry, and each
// `gantry <command>` the overview lists — exit 0, the usage on stdout. After the first positional of run and exec,
// --help belongs to the container's command.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../support/bundle";

function run(bin: string, args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, "bin", bin), ...args], { cwd: REPO_ROOT, env: { ...process.env, HOME: home, XDG_CONFIG_HOME: "", GANTRY_URL: "", GANTRY_TOKEN: "" }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test("gantry-agent --help, gantry --help and gantry <command> --help print their usage and exit 0", async () => {
  const home = mkdtempSync(join(tmpdir(), "gantry-help-"));
  try {
    for (const args of [["--help"], ["-h"], ["uninstall", "--help"]]) {
      const r = await run("gantry-agent.mjs", args, home);
      assert.equal(r.code, 0, `gantry-agent ${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stdout, /^usage: gantry-agent \[--server URL\]/);
      assert.match(r.stdout, /gantry-agent uninstall \[--root DIR\] \[--purge\]/);
      assert.match(r.stdout, /GANTRY_ROOT/);
    }

    const overview = await run("gantry.mjs", ["--help"], home);
    assert.equal(overview.code, 0, overview.stderr);
    const commands = [...overview.stdout.matchAll(/^ {2}gantry (\w+)/gm)].map((m) => m[1]!);
    assert.deepEqual(commands, ["join", "version", "login", "hosts", "host", "ps", "run", "stop", "rm", "logs", "exec", "pull", "images", "kubeconfig", "apply", "get", "delete", "scale", "rollout", "audit", "team", "group", "role"]);
    // Each start of the CLI takes a second or two (TypeScript through tsx): a few at a time.
    const asked = [...commands.map((c) => [c, "--help"]), ["ps", "-h"], ["join", "-h"], ["rollout", "status", "--help"]];
    for (let i = 0; i < asked.length; i += 4) {
      await Promise.all(
        asked.slice(i, i + 4).map(async (args) => {
          const [command] = args;
          const r = await run("gantry.mjs", args, home);
          assert.equal(r.code, 0, `gantry ${args.join(" ")}: ${r.stderr}`);
          assert.match(r.stdout, new RegExp(`^usage: gantry ${command}\\b`), `gantry ${args.join(" ")}`);
          assert.equal(r.stderr, "", `gantry ${args.join(" ")}`);
        }),
      );
    }
    // Flags after the image (run) or the container (exec) are the command's: here the CLI asks for a login instead.
    const passed = await run("gantry.mjs", ["exec", "1/c", "sh", "--help"], home);
    assert.equal(passed.code, 3, passed.stdout + passed.stderr);
    assert.match(passed.stderr, /not logged in/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
