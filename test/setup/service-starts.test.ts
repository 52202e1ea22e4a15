// Set-up installs openssh-server for the SSH tests without starting the machine's own sshd: while apt runs, a
// policy-rc.d answers 101 (Debian's "action forbidden" to invoke-rc.d), and it is gone afterwards — also when apt
// fails — while one that someone else put there is left alone. (Here on a path of the test's own.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withoutServiceStarts } from "../../scripts/apt.mjs";

test("no service starts while set-up installs packages; the policy is removed afterwards, an existing one is kept", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-policy-rc-"));
  const path = join(dir, "policy-rc.d");
  try {
    const during = await withoutServiceStarts(() => spawnSync(path, ["ssh", "start"]).status, { path });
    assert.equal(during, 101, "invoke-rc.d is told the start is forbidden while apt runs");
    assert.equal(existsSync(path), false, "removed afterwards");

    await assert.rejects(withoutServiceStarts(async () => { assert.ok(existsSync(path)); throw new Error("apt failed"); }, { path }), /apt failed/);
    assert.equal(existsSync(path), false, "removed after a failure too");

    writeFileSync(path, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    await withoutServiceStarts(() => undefined, { path });
    assert.equal(readFileSync(path, "utf8"), "#!/bin/sh\nexit 0\n", "someone else's policy is left as it was");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
