// Uploads over SFTP (server/ssh) to Debian's sshd in its own namespaces: progress reported, the file's sha256 checked
// on the target with sha256sum (and a damaged copy found), a connection dropped mid-upload (the sshd session process
// killed) ends with a reason that says so — and the file lands in the server's private /opt, not this machine's.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSshd, type TestSshd } from "../support/sshd";
import { connectSsh } from "../../server/ssh/connect";
import { SshError } from "../../server/ssh/errors";

let sshd: TestSshd;
let dir: string;

before(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), "gantry-ssh-upload-"));
});
after(() => {
  sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const connect = (username = "root") =>
  connectSsh({ host: sshd.host, port: sshd.port, username, privateKey: sshd.keys.plain, hostKey: sshd.fingerprint });

test("an upload reports its progress and is checked by sha256 on the target; a damaged copy is found", async () => {
  const local = join(dir, "bundle.tar.gz");
  const content = randomBytes(3 * 1024 * 1024 + 17);
  writeFileSync(local, content);
  const expected = createHash("sha256").update(content).digest("hex");
  const session = await connect();
  try {
    const progress: number[] = [];
    const remote = "/opt/gantry-upload-test.tar.gz";
    const r = await session.upload(local, remote, { onProgress: (sent, total) => (assert.equal(total, content.length), progress.push(sent)) });
    assert.deepEqual(r, { sha256: expected, bytes: content.length });
    assert.ok(progress.length > 1, "progress came in steps");
    assert.equal(progress.at(-1), content.length);
    assert.equal(sshd.exec("sha256sum", [remote]).stdout.split(" ")[0], expected, "the target holds the same bytes");
    assert.equal(existsSync(remote), false, "it landed in the server's private /opt, not this machine's");

    // One byte changed on the target: the check names both sums.
    sshd.exec("sh", ["-c", 'printf X | dd of="$1" bs=1 seek=1000 conv=notrunc 2>/dev/null', "sh", remote]);
    const damaged = sshd.exec("sha256sum", [remote]).stdout.split(" ")[0]!;
    assert.notEqual(damaged, expected);
    await assert.rejects(session.verifyFile(remote, expected), (e: SshError) => {
      assert.equal(e.reason, "checksum-mismatch");
      assert.equal(e.message, `${remote} on ${sshd.host} has sha256 ${damaged}, not ${expected} as sent: the copy is damaged`);
      return true;
    });
  } finally {
    session.close();
  }
});

test("a non-root user uploads to a place of its own, the check runs as that user", async () => {
  const local = join(dir, "small.bin");
  writeFileSync(local, "hello\n");
  const session = await connect("gsudo");
  try {
    const r = await session.upload(local, "/home/gsudo/small.bin");
    assert.equal(r.sha256, createHash("sha256").update("hello\n").digest("hex"));
    assert.equal(sshd.exec("stat", ["-c", "%U %a", "/home/gsudo/small.bin"]).stdout.trim(), "gsudo 600");
  } finally {
    session.close();
  }
});

test("a connection dropped mid-upload ends the upload with a reason saying so", async () => {
  const local = join(dir, "big.bin");
  writeFileSync(local, "");
  truncateSync(local, 512 * 1024 * 1024); // sparse: quick to make and read, far too big to finish before the drop
  const session = await connect();
  let dropped = 0;
  const t0 = Date.now();
  const e = await session
    .upload(local, "/opt/big.bin", {
      onProgress: (sent) => {
        if (sent > 2 * 1024 * 1024 && dropped === 0) dropped = sshd.dropConnections();
      },
    })
    .then(() => null, (err: unknown) => err);
  session.close();
  assert.ok(dropped > 0, "the sshd session processes were killed");
  assert.ok(e instanceof SshError, String(e));
  assert.equal(e.reason, "dropped");
  assert.match(e.message, new RegExp(`^the connection to ${sshd.host.replace(/\./g, "\\.")} was lost during the upload of /opt/big\\.bin to ${sshd.host.replace(/\./g, "\\.")} after \\d+ of ${512 * 1024 * 1024} bytes`));
  assert.ok(Date.now() - t0 < 10_000, "it ended promptly");
});
