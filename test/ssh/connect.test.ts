// The SSH transport (server/ssh) against Debian's sshd in namespaces of its own (test/support/sshd.ts), through the
// real ssh2 client: logging in by key, by passphrase-protected key and by password; a wrong key, a wrong password or
// passphrase and an unreachable address refused with words that say which; the host key reported as `ssh-keygen -lf`
// prints it, unknown ones returned for confirmation, changed ones refused naming both; commands as argument arrays
// with their lines and exit code; sudo for a non-root user; cancelling kills the remote command. No error names a
// password, passphrase or key.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { startSshd, type TestSshd } from "../support/sshd";
import { connectSsh, scanHostKey } from "../../server/ssh/connect";
import { SshError } from "../../server/ssh/errors";
import type { SshTarget } from "../../lib/hosts/ssh-target";

let sshd: TestSshd;
const errors: SshError[] = [];

before(async () => {
  sshd = await startSshd();
});
after(() => {
  sshd?.stop();
});

const target = (over: Partial<SshTarget> = {}): SshTarget => ({
  host: sshd.host,
  port: sshd.port,
  username: "root",
  privateKey: sshd.keys.plain,
  hostKey: sshd.fingerprint,
  ...over,
});

async function refused(t: SshTarget, options?: Parameters<typeof connectSsh>[1]): Promise<SshError> {
  const e = await connectSsh(t, options).then(
    (s) => {
      s.close();
      return null;
    },
    (err: unknown) => err,
  );
  assert.ok(e instanceof SshError, `expected an SshError, got ${String(e)}`);
  errors.push(e);
  return e;
}

test("root logs in by key and runs a command given as arguments: its lines as they come, its exit code", async () => {
  const session = await connectSsh(target());
  try {
    const lines: string[] = [];
    // An argument with quotes, a semicolon and $(…) stays one word: nothing of it is read as shell syntax.
    const tricky = `it's; $(touch /tmp/pwned) "quoted"`;
    const r = await session.run(["sh", "-c", 'echo "$1"; echo to-stderr >&2; id -un; exit 7', "sh", tricky], {
      onLine: (stream, line) => lines.push(`${stream}: ${line}`),
    });
    assert.equal(r.code, 7);
    assert.deepEqual(lines.filter((l) => l.startsWith("stdout")), [`stdout: ${tricky}`, "stdout: root"]);
    assert.deepEqual(lines.filter((l) => l.startsWith("stderr")), ["stderr: to-stderr"]);
    assert.equal(sshd.exec("test", ["-e", "/tmp/pwned"]).code, 1, "the $(…) in an argument was not run");
  } finally {
    session.close();
  }
});

test("a passphrase-protected key and a password log in; a wrong key, password or passphrase is refused saying which", async () => {
  const enc = await connectSsh(target({ privateKey: sshd.keys.encrypted, passphrase: sshd.keys.passphrase }));
  assert.equal((await enc.run(["id", "-un"])).stdout.trim(), "root");
  enc.close();
  const pw = await connectSsh(target({ username: "gpass", privateKey: undefined, password: sshd.password }));
  assert.equal((await pw.run(["id", "-un"], { sudo: false })).stdout.trim(), "gpass");
  pw.close();

  const wrongKey = await refused(target({ privateKey: sshd.keys.stranger }));
  assert.equal(wrongKey.reason, "auth-failed");
  assert.equal(wrongKey.message, `the host root@${sshd.host} refused the key given (authentication failed)`);
  const wrongPassword = await refused(target({ username: "gpass", privateKey: undefined, password: "not-the-password" }));
  assert.equal(wrongPassword.reason, "auth-failed");
  assert.match(wrongPassword.message, /refused the password given/);
  const wrongPassphrase = await refused(target({ privateKey: sshd.keys.encrypted, passphrase: "not-the-passphrase" }));
  assert.equal(wrongPassphrase.reason, "bad-key");
  assert.match(wrongPassphrase.message, /encrypted and the passphrase given does not open it/);
  const noPassphrase = await refused(target({ privateKey: sshd.keys.encrypted }));
  assert.match(noPassphrase.message, /passphrase is missing/);
  assert.match(sshd.log(), /Failed password for gpass/, "the server saw the wrong password (refused by sshd, not guessed)");
});

test("an unknown host key is returned with the fingerprint ssh-keygen -lf prints, not accepted", async () => {
  const printed = execFileSync("ssh-keygen", ["-lf", sshd.hostKeyPub], { encoding: "utf8" }).split(" ")[1];
  const logFrom = sshd.log().length;
  const e = await refused(target({ hostKey: undefined }));
  assert.equal(e.reason, "host-key-unknown");
  assert.deepEqual(e.hostKey, { host: sshd.host, fingerprint: printed });
  assert.match(e.message, new RegExp(`presents the host key ${printed!.replace(/[+/]/g, "\\$&")}, which is not confirmed yet`));
  assert.doesNotMatch(sshd.log().slice(logFrom), /Accepted|Failed/, "nothing logged in before the key was confirmed");
  assert.equal(await scanHostKey(target({ privateKey: undefined, password: "unused" })), printed);
  // Confirmed as given (padding tolerated), it logs in.
  const session = await connectSsh(target({ hostKey: `${printed}=` }));
  session.close();
});

test("sudo -n for a non-root user: a passwordless sudoer runs as root; one whose sudo asks a password is told why", async () => {
  const sudoer = await connectSsh(target({ username: "gsudo" }));
  assert.equal((await sudoer.run(["id", "-un"])).stdout.trim(), "root");
  assert.equal((await sudoer.run(["id", "-un"], { sudo: false })).stdout.trim(), "gsudo");
  sudoer.close();
  const pw = await connectSsh(target({ username: "gpass", privateKey: undefined, password: sshd.password }));
  const e = await pw.run(["id", "-un"]).then(() => null, (err: unknown) => err);
  pw.close();
  assert.ok(e instanceof SshError);
  errors.push(e);
  assert.equal(e.reason, "sudo-password-required");
  assert.match(e.message, new RegExp(`gpass on ${sshd.host.replace(/\./g, "\\.")} needs a password for sudo, and Gantry runs sudo without one \\(sudo -n\\)`));
});

test("cancelling a command kills it on the target, also under sudo, and closes the connection", async () => {
  for (const username of ["root", "gsudo"]) {
    const marker = String(7000 + Math.floor(Math.random() * 2000));
    const session = await connectSsh(target({ username }));
    const abort = new AbortController();
    const running = session.run(["sleep", marker], { signal: abort.signal });
    const found = () => sshd.exec("pgrep", ["-fx", `sleep ${marker}`]).stdout.trim();
    for (let i = 0; i < 100 && !found(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(found(), `sleep ${marker} runs on the target`);
    const t0 = Date.now();
    abort.abort();
    await assert.rejects(running, (e: SshError) => e.reason === "cancelled" && /`sleep` on .* was cancelled/.test(e.message));
    for (let i = 0; i < 100 && found(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(found(), "", `sleep ${marker} (as ${username}) was killed on the target`);
    assert.ok(Date.now() - t0 < 3000);
    session.cancel();
    await new Promise((r) => setTimeout(r, 400));
    await assert.rejects(session.run(["true"]), (e: SshError) => e.reason === "cancelled");
  }
});

test("a command that outlasts its timeout is stopped on the target and ends with a reason saying so", async () => {
  const marker = String(9000 + Math.floor(Math.random() * 900));
  const session = await connectSsh(target());
  try {
    const t0 = Date.now();
    const e = await session.run(["sleep", marker], { timeoutMs: 800 }).then(() => null, (err: unknown) => err);
    assert.ok(e instanceof SshError, String(e));
    errors.push(e);
    assert.equal(e.reason, "timeout");
    assert.equal(e.message, `\`sleep\` on root@${sshd.host} did not finish within 0.8 s and was stopped`);
    assert.ok(Date.now() - t0 < 4000);
    assert.equal(sshd.exec("pgrep", ["-fx", `sleep ${marker}`]).stdout.trim(), "", "the command is gone from the target");
    assert.equal((await session.run(["echo", "still usable"])).stdout, "still usable\n", "the connection goes on");
  } finally {
    session.close();
  }
});

test("an unreachable address ends within the connect timeout; a closed port says refused", async () => {
  // An address on the test's own bridge that no namespace holds: nothing answers.
  const nobody = sshd.host.replace(/\.\d+$/, ".250");
  const t0 = Date.now();
  const e = await refused(target({ host: nobody }), { connectTimeoutMs: 1500 });
  const took = Date.now() - t0;
  assert.equal(e.reason, "unreachable");
  assert.match(e.message, new RegExp(`cannot reach the host ${nobody.replace(/\./g, "\\.")}:22: (no answer within 1\\.5 s|no route to it)`));
  assert.ok(took < 2500, `ended after ${took} ms`);
  const closed = await refused(target({ port: 2222 }));
  assert.equal(closed.reason, "unreachable");
  assert.match(closed.message, /:2222: connection refused/);
});

test("a changed host key is refused, naming the key shown and the key pinned", async () => {
  const pinned = sshd.fingerprint;
  await sshd.rotateHostKey();
  assert.notEqual(sshd.fingerprint, pinned);
  const e = await refused(target({ hostKey: pinned }));
  assert.equal(e.reason, "host-key-changed");
  assert.equal(
    e.message,
    `the host key of the host ${sshd.host}:22 has changed: it presents ${sshd.fingerprint}, but ${pinned} is pinned — someone may be intercepting the connection, or the machine was reinstalled; nothing was sent`,
  );
  assert.doesNotMatch(sshd.log(), /Accepted|Failed publickey/, "no credential was offered to the changed key");
});

test("no error message carries a password, passphrase or key", () => {
  assert.ok(errors.length >= 8);
  for (const e of errors) {
    for (const secret of [sshd.password, sshd.keys.passphrase, "not-the-password", "not-the-passphrase"]) assert.ok(!e.message.includes(secret), e.message);
    assert.doesNotMatch(e.message, /PRIVATE KEY|b3BlbnNzaC1rZXk/);
  }
});
