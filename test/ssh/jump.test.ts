// A target reached through a jump host (server/ssh): the target's only link goes to the bastion's namespace, so the
// connection can only be a forward through the bastion. Each has its own host key, checked on its own.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startSshd, type TestSshd } from "../support/sshd";
import { connectSsh } from "../../server/ssh/connect";
import { SshError } from "../../server/ssh/errors";
import type { SshTarget } from "../../lib/hosts/ssh-target";

let bastion: Awaited<ReturnType<typeof startSshd>>;
let inner: TestSshd;

before(async () => {
  bastion = await startSshd();
  inner = await startSshd({ behind: bastion });
});
after(() => {
  inner?.stop();
  bastion?.stop();
});

const target = (over: Partial<SshTarget> = {}, jumpOver: Partial<SshTarget> = {}): SshTarget => ({
  host: inner.host,
  port: 22,
  username: "gsudo",
  privateKey: inner.keys.plain,
  hostKey: inner.fingerprint,
  jump: { host: bastion.host, port: 22, username: "gsudo", privateKey: bastion.keys.plain, hostKey: bastion.fingerprint, ...jumpOver },
  ...over,
});

test("through the jump host (its key passphrase-protected): the target runs commands (with sudo), and its routes lead only to the bastion", async () => {
  const session = await connectSsh(target({}, { privateKey: bastion.keys.encrypted, passphrase: bastion.keys.passphrase }));
  try {
    const r = await session.run(["ip", "-4", "-o", "addr", "show", "eth0"]);
    assert.match(r.stdout, new RegExp(`inet ${inner.host.replace(/\./g, "\\.")}/24`));
    assert.equal((await session.run(["id", "-un"])).stdout.trim(), "root");
    const routes = inner.exec("ip", ["-4", "route"]).stdout.trim().split("\n");
    assert.deepEqual(routes.length, 1, `one link, to the bastion: ${routes.join("; ")}`);
  } finally {
    session.close();
  }
  assert.match(bastion.log(), new RegExp(`Accepted publickey for gsudo`));
  assert.match(inner.log(), new RegExp(`Connection from ${bastion.linkPrefix.replace(/\./g, "\\.").replace(/0$/, "")}`));
});

test("the jump host's and the target's host keys are each checked: unknown ones are returned, a changed one refused", async () => {
  const jumpUnknown = await connectSsh(target({}, { hostKey: undefined })).then(() => null, (e: unknown) => e);
  assert.ok(jumpUnknown instanceof SshError);
  assert.equal(jumpUnknown.reason, "host-key-unknown");
  assert.deepEqual(jumpUnknown.hostKey, { host: bastion.host, fingerprint: bastion.fingerprint });
  assert.match(jumpUnknown.message, /^the jump host /);

  const targetUnknown = await connectSsh(target({ hostKey: undefined })).then(() => null, (e: unknown) => e);
  assert.ok(targetUnknown instanceof SshError);
  assert.equal(targetUnknown.reason, "host-key-unknown");
  assert.deepEqual(targetUnknown.hostKey, { host: inner.host, fingerprint: inner.fingerprint });

  const changed = await connectSsh(target({ hostKey: bastion.fingerprint })).then(() => null, (e: unknown) => e);
  assert.ok(changed instanceof SshError);
  assert.equal(changed.reason, "host-key-changed");
  assert.match(changed.message, new RegExp(`^the host key of the host ${inner.host.replace(/\./g, "\\.")}:22 has changed`));
});

test("a wrong key for the jump host is refused naming the jump host; an address the bastion cannot reach says so", async () => {
  const wrong = await connectSsh(target({}, { privateKey: bastion.keys.stranger })).then(() => null, (e: unknown) => e);
  assert.ok(wrong instanceof SshError);
  assert.equal(wrong.reason, "auth-failed");
  assert.equal(wrong.message, `the jump host gsudo@${bastion.host} refused the key given (authentication failed)`);

  const nowhere = inner.host.replace(/\.\d+$/, ".99"); // on the bastion's link to the target, held by no one
  const t0 = Date.now();
  const e = await connectSsh(target({ host: nowhere }), { connectTimeoutMs: 1500 }).then(() => null, (err: unknown) => err);
  assert.ok(e instanceof SshError);
  assert.equal(e.reason, "unreachable");
  assert.match(e.message, new RegExp(`the jump host gsudo@${bastion.host.replace(/\./g, "\\.")} (did not reach|cannot reach) ${nowhere.replace(/\./g, "\\.")}:22`));
  assert.ok(Date.now() - t0 < 5000);
});
