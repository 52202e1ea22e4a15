// The sign-in back-off schedule, as a pure function of consecutive failures, and the (address, account) key it is
// counted under.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lockoutMs, describeWait, throttleKey, LOCKOUT_THRESHOLD } from "@/lib/auth/lockout";

test("no lock below the threshold, then 30 s doubling per failure, capped at 15 minutes", () => {
  for (let n = 0; n < LOCKOUT_THRESHOLD; n++) assert.equal(lockoutMs(n), 0);
  assert.equal(LOCKOUT_THRESHOLD, 5);
  assert.deepEqual([5, 6, 7, 8, 9, 10].map(lockoutMs), [30_000, 60_000, 120_000, 240_000, 480_000, 900_000]);
  assert.equal(lockoutMs(11), 900_000);
  assert.equal(lockoutMs(10_000), 900_000);
});

test("failures are counted per source address and account: another address is another count", () => {
  const attacker = throttleKey("203.0.113.5", "Owner@Example.test ");
  const owner = throttleKey("198.51.100.7", "owner@example.test");
  assert.equal(attacker.account, owner.account, "the same account, however the email was typed");
  assert.notEqual(attacker.address, owner.address);
  assert.match(attacker.account, /^[0-9a-f]{64}$/, "the email itself is not stored");
  assert.notEqual(throttleKey("203.0.113.5", "other@example.test").account, attacker.account);
  assert.equal(throttleKey(null, "a@b").address, "unknown");
});

test("waits read naturally", () => {
  assert.equal(describeWait(30_000), "30 seconds");
  assert.equal(describeWait(400), "1 second");
  assert.equal(describeWait(240_000), "4 minutes");
  assert.equal(describeWait(900_000), "15 minutes");
});
