// The sign-in back-off schedule, as a pure function of consecutive failures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lockoutMs, describeWait, LOCKOUT_THRESHOLD } from "@/lib/auth/lockout";

test("no lock below the threshold, then 30 s doubling per failure, capped at 15 minutes", () => {
  for (let n = 0; n < LOCKOUT_THRESHOLD; n++) assert.equal(lockoutMs(n), 0);
  assert.equal(LOCKOUT_THRESHOLD, 5);
  assert.deepEqual([5, 6, 7, 8, 9, 10].map(lockoutMs), [30_000, 60_000, 120_000, 240_000, 480_000, 900_000]);
  assert.equal(lockoutMs(11), 900_000);
  assert.equal(lockoutMs(10_000), 900_000);
});

test("waits read naturally", () => {
  assert.equal(describeWait(30_000), "30 seconds");
  assert.equal(describeWait(400), "1 second");
  assert.equal(describeWait(240_000), "4 minutes");
  assert.equal(describeWait(900_000), "15 minutes");
});
