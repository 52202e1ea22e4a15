// Set-up and another package manager: while a process holds an apt/dpkg lock (an fcntl lock, as apt takes them — here
// perl's, on a file of the test's own rather than the machine's real locks), set-up says who holds it and waits; it
// goes on once the lock is released, and gives up after its timeout with a message naming the holder. (Before, set-up
// ran apt-get at once, which exits 100 on a held lock.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AptError, lockHolders, lockTimeoutFrom, waitForAptLocks } from "../../scripts/apt.mjs";

/** perl holding a write lock on the whole file (F_SETLK, as apt's GetLock) for `seconds`; resolves once it holds it. */
async function holdLock(file: string, seconds: number): Promise<ChildProcess> {
  const script = 'use Fcntl; open(my $fh, "+<", $ARGV[0]) or die "open: $!"; fcntl($fh, F_SETLK, pack("s s x4 q q i x4", F_WRLCK, SEEK_SET, 0, 0, 0)) or die "lock: $!"; $| = 1; print "locked\\n"; sleep $ARGV[1];';
  const child = spawn("perl", ["-e", script, file, String(seconds)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d) => String(d).includes("locked") && resolve());
    child.once("exit", (code) => reject(new Error(`perl exited ${code} before locking`)));
  });
  return child;
}

test("set-up waits for an apt lock another process holds, saying who, and goes on once it is released", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-apt-lock-"));
  const lock = join(dir, "lock-frontend");
  writeFileSync(lock, "");
  const holder = await holdLock(lock, 2);
  try {
    assert.deepEqual(
      lockHolders([lock]).map((h) => h.pid),
      [holder.pid],
    );
    const said: string[] = [];
    const started = Date.now();
    await waitForAptLocks({ paths: [lock], timeoutS: 30, pollMs: 100, log: (m) => said.push(m) });
    assert.ok(Date.now() - started >= 1000, "it waited for the holder");
    assert.match(said[0]!, new RegExp(`waiting for another package manager: ${lock} is held by perl .* \\(pid ${holder.pid}\\) \\(giving up after \\d+ s\\)`));
    assert.match(said.at(-1)!, /free: going on/);
    assert.deepEqual(lockHolders([lock]), []);
  } finally {
    holder.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("set-up gives up after GANTRY_APT_LOCK_TIMEOUT with a message naming the lock and its holder", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-apt-lock-"));
  const lock = join(dir, "lock");
  writeFileSync(lock, "");
  const holder = await holdLock(lock, 60);
  try {
    const timeoutS = lockTimeoutFrom({ GANTRY_APT_LOCK_TIMEOUT: "1" });
    assert.equal(timeoutS, 1);
    const started = Date.now();
    await assert.rejects(waitForAptLocks({ paths: [lock], timeoutS, pollMs: 100 }), (e: Error) => {
      assert.ok(e instanceof AptError);
      assert.match(e.message, new RegExp(`apt is still busy after 1 s: ${lock} is held by perl .* \\(pid ${holder.pid}\\)\\. Let it finish \\(or stop it\\), then run this again`));
      return true;
    });
    assert.ok(Date.now() - started < 5000);
    assert.throws(() => lockTimeoutFrom({ GANTRY_APT_LOCK_TIMEOUT: "soon" }), /GANTRY_APT_LOCK_TIMEOUT must be a whole number of seconds/);
  } finally {
    holder.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});
