// The image store's lock files: what keeps two pulls on one store (two agents, or two services in one) from
// downloading or unpacking the same thing twice. A lock is never seen half-made, a dead owner's is taken over, a
// live owner's is waited for.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockOwner, withFileLock } from "../../agent/store/locks";

const dir = mkdtempSync(join(tmpdir(), "gantry-locks-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("many callers racing for one lock run one at a time, and each runs", async () => {
  const path = join(dir, "race.lock");
  let inside = 0;
  let most = 0;
  let ran = 0;
  await Promise.all(
    Array.from({ length: 24 }, () =>
      withFileLock(
        path,
        async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 3));
          inside--;
          ran++;
        },
        async () => null,
      ),
    ),
  );
  assert.equal(most, 1, "two callers held the lock at once");
  assert.equal(ran, 24);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith("race.")), [], "no lock or temp file left");
});

test("a lock whose owner is dead is taken over; a live owner's is waited for until the work is done", async () => {
  const stale = join(dir, "stale.lock");
  writeFileSync(stale, "999999999 12345");
  assert.equal(await withFileLock(stale, async () => "ran", async () => null), "ran");

  const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
  after(() => sleeper.kill("SIGKILL"));
  await new Promise((r) => sleeper.once("spawn", r));
  const held = join(dir, "held.lock");
  writeFileSync(held, lockOwner(sleeper.pid!));
  let finished = false;
  setTimeout(() => (finished = true), 300);
  const started = Date.now();
  const got = await withFileLock(held, async () => "ran too", async () => (finished ? "done by the owner" : null));
  assert.equal(got, "done by the owner", "the work the owner finished is not done again");
  assert.ok(Date.now() - started >= 250, "it waited for the owner");
});
