// gantry-sys.node, the agent's addon for the system calls of its hot path: programs run by posix_spawn, overlay
// mounts with relative lowerdirs, and named network namespaces — checked against what the host's own tools see.
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { connect, createServer, type Socket } from "node:net";
import { hostSys } from "../../native/node/sys.ts";
import { REPO_ROOT } from "../support/bundle.ts";

before(() => {
  execFileSync("make", ["-s", "-C", join(REPO_ROOT, "native"), "build/gantry-sys.node"], { stdio: "inherit" });
});

describe("gantry-sys.node", () => {
  test("spawn: exit status, both outputs, stdin, a signal, default SIGPIPE, and a program that does not exist", async () => {
    const sys = hostSys();
    const r = await sys.spawn("sh", ["-c", "echo out; echo err >&2; exit 3"]);
    assert.deepEqual([r.status, r.signal, r.stdout.toString(), r.stderr.toString()], [3, null, "out\n", "err\n"]);

    const input = Buffer.from(Array.from({ length: 50_000 }, (_, i) => `${i}\n`).join(""));
    const cat = await sys.spawn("cat", [], input);
    assert.equal(cat.status, 0);
    assert.ok(cat.stdout.equals(input), "cat gives back all of its stdin");
    assert.equal((await sys.spawn("cat", [])).stdout.length, 0, "no input: stdin is /dev/null");

    const killed = await sys.spawn("sh", ["-c", "kill -TERM $$"]);
    assert.deepEqual([killed.status, killed.signal], [null, 15]);
    // the agent (Node) ignores SIGPIPE; the program gets the default back, so `yes` dies quietly when head leaves
    const piped = await sys.spawn("sh", ["-c", "yes | head -c 4"]);
    assert.deepEqual([piped.status, piped.stdout.toString(), piped.stderr.toString()], [0, "y\ny\n", ""]);

    assert.throws(() => sys.spawn("/nonexistent/gantry-tool", []), (e: NodeJS.ErrnoException) => e.code === "ENOENT" && /gantry-tool/.test(e.message));
    assert.throws(() => sys.spawn("sh", "not a list" as unknown as string[]), TypeError);
  });

  test("an overlay mounted with lowerdirs relative to a directory; unmount, and unmount of what is not mounted", async () => {
    const sys = hostSys();
    const dir = mkdtempSync(join(tmpdir(), "gantry-sys-"));
    try {
      for (const d of ["layers/a", "layers/b", "upper", "work", "merged"]) mkdirSync(join(dir, d), { recursive: true });
      writeFileSync(join(dir, "layers/a/from-a"), "a\n");
      writeFileSync(join(dir, "layers/b/from-b"), "b\n");
      writeFileSync(join(dir, "layers/a/both"), "top\n");
      writeFileSync(join(dir, "layers/b/both"), "bottom\n");
      const merged = join(dir, "merged");
      await sys.mountOverlay(merged, join(dir, "layers"), `lowerdir=a:b,upperdir=${join(dir, "upper")},workdir=${join(dir, "work")}`);
      const mounts = readFileSync("/proc/self/mountinfo", "utf8");
      assert.ok(mounts.includes(` ${merged} `), "the overlay shows in mountinfo");
      assert.equal(readFileSync(join(merged, "from-a"), "utf8"), "a\n");
      assert.equal(readFileSync(join(merged, "from-b"), "utf8"), "b\n");
      assert.equal(readFileSync(join(merged, "both"), "utf8"), "top\n", "the first lowerdir is on top");
      writeFileSync(join(merged, "new"), "written\n");
      assert.equal(readFileSync(join(dir, "upper/new"), "utf8"), "written\n", "writes land in the upper dir");
      assert.notEqual(process.cwd(), join(dir, "layers"), "the agent's own working directory is untouched");

      await sys.unmount(merged);
      assert.equal(existsSync(join(merged, "from-a")), false);
      await assert.rejects(sys.unmount(merged), (e: NodeJS.ErrnoException) => e.code === "EINVAL");
      await assert.rejects(sys.mountOverlay(merged, join(dir, "layers"), "lowerdir=missing,upperdir=/nonexistent,workdir=/nonexistent"), (e: NodeJS.ErrnoException) =>
        typeof e.code === "string" && /mount the overlay on/.test(e.message));
    } finally {
      spawnSync("umount", ["-l", join(dir, "merged")], { stdio: "ignore" }); // only if a step above failed
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a named network namespace: made with lo up, refused twice, entered, deleted (twice is fine)", async () => {
    const sys = hostSys();
    const name = `gantry-sys-test-${randomBytes(4).toString("hex")}`;
    const path = `/run/netns/${name}`;
    try {
      await sys.createNetns(path);
      assert.ok(execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).includes(name));
      const lo = execFileSync("ip", ["-n", name, "-j", "link", "show", "lo"], { encoding: "utf8" });
      assert.ok((JSON.parse(lo) as { flags: string[] }[])[0]!.flags.includes("UP"), "lo is up");
      assert.equal(execFileSync("ip", ["-n", name, "-j", "link", "show"], { encoding: "utf8" }).includes("eth"), false, "a namespace of its own");
      await assert.rejects(sys.createNetns(path), (e: NodeJS.ErrnoException) => e.code === "EEXIST");

      execFileSync("ip", ["-n", name, "link", "set", "lo", "down"]);
      await sys.loopbackUp(path);
      assert.ok((JSON.parse(execFileSync("ip", ["-n", name, "-j", "link", "show", "lo"], { encoding: "utf8" })) as { flags: string[] }[])[0]!.flags.includes("UP"));
      await assert.rejects(sys.loopbackUp("/run/netns/no-such-namespace"), (e: NodeJS.ErrnoException) => e.code === "ENOENT");

      await sys.deleteNetns(path);
      assert.equal(existsSync(path), false);
      assert.equal(execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).includes(name), false);
      await sys.deleteNetns(path);
    } finally {
      if (existsSync(path)) execFileSync("ip", ["netns", "del", name]);
    }
  });

  test("openat2 with RESOLVE_IN_ROOT keeps absolute links and \"..\" inside the directory; xattrs of a path, of a link itself", () => {
    const sys = hostSys();
    const dir = mkdtempSync(join(tmpdir(), "gantry-sys-"));
    try {
      mkdirSync(join(dir, "etc"));
      writeFileSync(join(dir, "etc", "shadow"), "inside\n");
      symlinkSync("/etc/shadow", join(dir, "abs"));
      symlinkSync("../../../../../../../../etc/shadow", join(dir, "up"));
      const root = sys.openat2(-100, dir, sys.O_PATH | constants.O_DIRECTORY, 0, 0);
      try {
        for (const p of ["abs", "up", "/../../etc/shadow"]) {
          const fd = sys.openat2(root, p, constants.O_RDONLY, 0, sys.RESOLVE_IN_ROOT);
          assert.equal(readFileSync(fd, "utf8"), "inside\n", `${p} stays inside`);
          closeSync(fd);
        }
        // beneath without symlinks: a link on the way is refused
        assert.throws(() => sys.openat2(root, "abs", constants.O_RDONLY, 0, sys.RESOLVE_BENEATH | sys.RESOLVE_NO_SYMLINKS), (e: NodeJS.ErrnoException) => e.code === "ELOOP");
        assert.throws(() => sys.openat2(root, "missing", constants.O_RDONLY, 0, sys.RESOLVE_IN_ROOT), (e: NodeJS.ErrnoException) => e.code === "ENOENT" && /missing/.test(e.message));
      } finally {
        closeSync(root);
      }
      execFileSync("setfattr", ["-n", "user.gantry", "-v", "yes", join(dir, "etc", "shadow")]);
      assert.deepEqual(sys.xattrs(join(dir, "etc", "shadow"), false), { "user.gantry": Buffer.from("yes") });
      assert.deepEqual(sys.xattrs(join(dir, "abs"), false), {}, "the link itself has none");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("hungUp tells a unix socket whose peer only ended its sending half from one whose peer closed it", async () => {
    const sys = hostSys();
    const dir = mkdtempSync(join(tmpdir(), "gantry-sys-"));
    const server = createServer({ allowHalfOpen: true });
    try {
      const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
      await new Promise<void>((resolve) => server.listen(join(dir, "s.sock"), resolve));
      const client = connect(join(dir, "s.sock"));
      const ours = await accepted;
      const fd = (ours as unknown as { _handle: { fd: number } })._handle.fd;
      assert.equal(sys.hungUp(fd), false);
      client.end();
      await new Promise((r) => ours.once("end", r));
      assert.equal(sys.hungUp(fd), false, "a half-close is not a hang-up");
      client.destroy();
      for (let i = 0; i < 50 && !sys.hungUp(fd); i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(sys.hungUp(fd), true);
      ours.destroy();
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test("trimMemory: the pages of freed buffers that glibc kept go back to the kernel", () => {
    // 3,000 buffers of 16 KB (below glibc's mmap threshold: they come from the heap), one more after them so the
    // freed ones are not at the top (free() would give those back by itself), then freed and collected.
    const script = `
      const { readFileSync } = require("node:fs");
      const sys = require(${JSON.stringify(join(REPO_ROOT, "native/build/gantry-sys.node"))});
      const anon = () => Number(readFileSync("/proc/self/status", "utf8").match(/^RssAnon:\\s+(\\d+)/m)[1]);
      let bufs = [];
      for (let i = 0; i < 3000; i++) bufs.push(Buffer.allocUnsafeSlow(16 * 1024).fill(1));
      const pin = Buffer.allocUnsafeSlow(16 * 1024).fill(2);
      bufs = null;
      gc();
      gc();
      const before = anon();
      const released = sys.trimMemory();
      console.log(JSON.stringify({ before, after: anon(), released, pin: pin[0] }));`;
    const r = JSON.parse(execFileSync(process.execPath, ["--expose-gc", "-e", script], { encoding: "utf8" }));
    assert.equal(r.released, true);
    assert.ok(r.before - r.after > 30_000, `RssAnon ${r.before} kB before, ${r.after} kB after: 48 MB were freed`);
  });
});
