// Layers: hostile archives are refused without a byte landing outside the target; whiteouts become overlay form
// and an overlay of two layers shows the deletions; metadata survives; gzip/zstd/plain; a container's upper dir
// becomes a layer again (commit); prune keeps exactly what is referenced.
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { randomBytes } from "node:crypto";
import { LayerError } from "../../lib/oci/errors.ts";
import { createImageEngine, type ImageEngine } from "../../agent/images/engine.ts";
import { IMPORT_LEASE_MS, type GantryImageService } from "../../agent/images/image-service.ts";
import { unpackLayer } from "../../agent/layers/unpack.ts";
import { zstdCompress } from "../../agent/layers/compression.ts";
import { readTar } from "../../agent/layers/tar.ts";
import { busyboxEntries, tarOf, sha, type TestEntry } from "../support/images.ts";

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) {
    try {
      c();
    } catch {
      /* keep going */
    }
  }
  cleanups = [];
});

function tmp(prefix: string) {
  const d = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A sandbox: `root` is the unpack target, `outside` a sibling directory that must stay untouched. */
function sandbox() {
  const base = tmp("gantry-layer-");
  const root = join(base, "root");
  const outside = join(base, "outside");
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, "secret"), "untouched\n");
  return { base, root, outside };
}

/** A test clock: real timers, a `now` the test moves forward. */
function testClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (ms: number) => (offset += ms),
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
  };
}

function engine(clock = testClock()): ImageEngine {
  const root = tmp("gantry-root-");
  const e = createImageEngine({ root, clock });
  cleanups.push(() => {
    for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
      const mp = line.split(" ")[4];
      if (mp && mp.startsWith(root)) execFileSync("umount", ["-l", mp]);
    }
  });
  return e;
}

test("hostile archives are refused with a clear error and nothing appears outside the layer", async () => {
  const cases: { what: string; entries: TestEntry[]; message: RegExp; allowDevices?: boolean }[] = [
    { what: ".. traversal", entries: [{ name: "../outside/pwned", type: "file", body: "x" }], message: /contains "\.\."/ },
    { what: "nested .. traversal", entries: [{ name: "a/../../outside/pwned", type: "file", body: "x" }], message: /contains "\.\."/ },
    { what: "absolute name", entries: [{ name: "/tmp/gantry-absolute-pwned", type: "file", body: "x" }], message: /absolute path/ },
    {
      what: "symlink then write through it",
      entries: [
        { name: "link", type: "symlink", linkname: "../outside" },
        { name: "link/pwned", type: "file", body: "x" },
      ],
      message: /parent "link" is a symlink/,
    },
    {
      what: "absolute symlink then write through it",
      entries: [
        { name: "dir/", type: "directory" },
        { name: "dir/link", type: "symlink", linkname: "/tmp" },
        { name: "dir/link/gantry-pwned", type: "file", body: "x" },
      ],
      message: /parent "link" is a symlink/,
    },
    { what: "hardlink to outside via ..", entries: [{ name: "hl", type: "hardlink", linkname: "../outside/secret" }], message: /hardlink target .*contains "\.\."/ },
    { what: "hardlink to an absolute path", entries: [{ name: "hl", type: "hardlink", linkname: "/etc/passwd" }], message: /absolute hardlink target/ },
    {
      what: "hardlink through a symlinked directory",
      entries: [
        { name: "etc", type: "symlink", linkname: "/etc" },
        { name: "hl", type: "hardlink", linkname: "etc/passwd" },
      ],
      message: /parent "etc" is a symlink/,
    },
    { what: "whiteout of ..", entries: [{ name: ".wh...", type: "file" }], message: /whiteout of "\.\."/ },
    { what: "nested whiteout of ..", entries: [{ name: "a/.wh...", type: "file" }], message: /whiteout of "\.\."/ },
    { what: "device node not allowed", entries: [{ name: "null", type: "chardev", devmajor: 1, devminor: 3, mode: 0o666 }], message: /device node .* not allowed/ },
    { what: "block device not allowed", entries: [{ name: "sda", type: "blockdev", devmajor: 8, devminor: 0 }], message: /device node .* not allowed/ },
  ];
  for (const c of cases) {
    const s = sandbox();
    await assert.rejects(
      unpackLayer(Readable.from([tarOf(c.entries)]), s.root, { allowDevices: c.allowDevices }),
      (e: unknown) => {
        assert.ok(e instanceof LayerError, `${c.what}: ${e}`);
        assert.match((e as Error).message, c.message, c.what);
        return true;
      },
      c.what,
    );
    assert.deepEqual(readdirSync(s.base).sort(), ["outside", "root"], c.what);
    assert.deepEqual(readdirSync(s.outside), ["secret"], c.what);
    assert.equal(readFileSync(join(s.outside, "secret"), "utf8"), "untouched\n", c.what);
  }
  assert.equal(existsSync("/tmp/gantry-absolute-pwned"), false);
  assert.equal(existsSync("/tmp/gantry-pwned"), false);
});

test("a later entry replaces a symlink (or a hardlink to one) instead of writing through it", async () => {
  const s = sandbox();
  await unpackLayer(
    Readable.from([
      tarOf([
        { name: "s", type: "symlink", linkname: "../outside/secret" },
        { name: "h", type: "hardlink", linkname: "s" },
        { name: "h", type: "file", body: "replaced h\n" },
        { name: "s", type: "file", body: "replaced s\n" },
        { name: "d", type: "symlink", linkname: "../outside" },
        { name: "d/", type: "directory", mode: 0o755 },
        { name: "d/inside", type: "file", body: "inside\n" },
      ]),
    ]),
    s.root,
  );
  assert.equal(readFileSync(join(s.outside, "secret"), "utf8"), "untouched\n");
  assert.deepEqual(readdirSync(s.outside), ["secret"]);
  assert.equal(readFileSync(join(s.root, "h"), "utf8"), "replaced h\n");
  assert.equal(readFileSync(join(s.root, "s"), "utf8"), "replaced s\n");
  assert.ok(lstatSync(join(s.root, "d")).isDirectory(), "the symlink d was replaced by a real directory");
  assert.equal(readFileSync(join(s.root, "d/inside"), "utf8"), "inside\n");
});

test("corrupt, truncated and non-tar input is refused with a clear error", async () => {
  const good = tarOf([{ name: "big", type: "file", body: Buffer.alloc(4096, 7) }, { name: "after", type: "file", body: "x" }]);
  const cases: [string, Buffer, RegExp][] = [
    ["garbage", Buffer.from("this is not a tar archive at all, just text".repeat(30)), /header checksum mismatch/],
    ["truncated inside file data", good.subarray(0, 512 + 1000), /truncated tar: file data ends after 1000 of 4096 bytes/],
    ["truncated inside a header", good.subarray(0, 512 + 4096 + 100), /truncated tar: header cut short/],
    ["empty", Buffer.alloc(0), /empty/],
    ["damaged header", (() => {
      const b = Buffer.from(good);
      b[10] ^= 0x55;
      return b;
    })(), /checksum mismatch/],
    ["corrupt gzip", Buffer.concat([gzipSync(good).subarray(0, 40), Buffer.alloc(200, 0x41)]), /corrupt gzip stream/],
    ["corrupt zstd", Buffer.concat([(await zstdCompress(good)).subarray(0, 20), Buffer.alloc(100, 0x42)]), /corrupt zstd stream/],
  ];
  for (const [what, data, message] of cases) {
    const s = sandbox();
    await assert.rejects(unpackLayer(Readable.from([data]), s.root), (e: unknown) => {
      assert.ok(e instanceof LayerError, `${what}: ${e}`);
      assert.match((e as Error).message, message, what);
      return true;
    });
    assert.deepEqual(readdirSync(s.base).sort(), ["outside", "root"], what);
  }
});

test("a large gzip layer (inflated by igzip where installed) unpacks the same, and a corrupt one is refused", async () => {
  // Random content does not compress: ~3 MB of gzip, above the size where igzip takes over from zlib.
  const body = randomBytes(3 << 20);
  const tar = tarOf([{ name: "dir/", type: "directory" }, { name: "dir/blob", type: "file", body }, { name: "after", type: "file", body: "x" }]);
  const gz = gzipSync(tar);
  const s = sandbox();
  const r = await unpackLayer(Readable.from([gz]), s.root, { blobSize: gz.length });
  assert.equal(r.diffId, sha(tar));
  assert.equal(r.compression, "gzip");
  assert.ok(readFileSync(join(s.root, "dir/blob")).equals(body));
  assert.equal(readFileSync(join(s.root, "after"), "utf8"), "x");
  // Cut in the middle of the deflate data, with garbage after it.
  const bad = Buffer.concat([gz.subarray(0, gz.length >> 1), Buffer.alloc(4096, 0x41)]);
  const t = sandbox();
  await assert.rejects(unpackLayer(Readable.from([bad]), t.root, { blobSize: bad.length }), (e: unknown) => {
    assert.ok(e instanceof LayerError, String(e));
    assert.match((e as Error).message, /corrupt gzip stream|truncated tar/);
    return true;
  });
});

test("an empty layer (only the end-of-archive blocks, as Docker's empty gzip layer) unpacks to nothing", async () => {
  const s = sandbox();
  const empty = Buffer.alloc(1024);
  const r = await unpackLayer(Readable.from([gzipSync(empty)]), s.root);
  assert.equal(r.diffId, sha(empty));
  assert.equal(r.entries, 0);
  assert.deepEqual(readdirSync(s.root), []);
});

test("allowed device nodes, owners, modes, mtimes, xattrs and hardlinks are kept", async () => {
  const s = sandbox();
  const mtime = 1_600_000_000;
  await unpackLayer(
    Readable.from([
      tarOf([
        { name: "./", type: "directory", mode: 0o755 },
        { name: "d/", type: "directory", mode: 0o710, uid: 1234, gid: 5678, mtime: mtime + 1 },
        { name: "d/suid", type: "file", mode: 0o4755, uid: 1234, gid: 5678, mtime, body: "#!/bin/sh\n", xattrs: { "user.gantry": Buffer.from("hello"), "security.capability": Buffer.from("0100000200100000000000000000000000000000", "hex") } },
        { name: "d/hard", type: "hardlink", linkname: "d/suid" },
        { name: "d/link", type: "symlink", linkname: "suid", uid: 42, gid: 43, mtime },
        { name: "dev/null", type: "chardev", devmajor: 1, devminor: 3, mode: 0o666 },
        { name: "fifo", type: "fifo", mode: 0o600 },
        { name: "x/sticky/", type: "directory", mode: 0o1777 },
      ]),
    ]),
    s.root,
    { allowDevices: true },
  );
  const suid = lstatSync(join(s.root, "d/suid"));
  assert.equal(suid.mode & 0o7777, 0o4755);
  assert.equal(suid.uid, 1234);
  assert.equal(suid.gid, 5678);
  assert.equal(Math.floor(suid.mtimeMs / 1000), mtime);
  assert.equal(suid.nlink, 2);
  assert.equal(lstatSync(join(s.root, "d/hard")).ino, suid.ino);
  const dir = lstatSync(join(s.root, "d"));
  assert.equal(dir.mode & 0o7777, 0o710);
  assert.equal(Math.floor(dir.mtimeMs / 1000), mtime + 1, "directory mtime set after its children were written");
  const link = lstatSync(join(s.root, "d/link"));
  assert.ok(link.isSymbolicLink());
  assert.equal(link.uid, 42);
  assert.equal(Math.floor(link.mtimeMs / 1000), mtime);
  const xattrs = execFileSync("getfattr", ["--absolute-names", "-d", "-m", "-", "-e", "hex", join(s.root, "d/suid")], { encoding: "utf8" });
  assert.match(xattrs, new RegExp(`user.gantry=0x${Buffer.from("hello").toString("hex")}`));
  assert.match(xattrs, /security.capability=0x0100000200100000/);
  const dev = lstatSync(join(s.root, "dev/null"));
  assert.ok(dev.isCharacterDevice());
  assert.equal(dev.rdev, (1 << 8) | 3);
  assert.ok(lstatSync(join(s.root, "fifo")).isFIFO());
  assert.equal(lstatSync(join(s.root, "x/sticky")).mode & 0o7777, 0o1777);
});

test("gzip, zstd and plain layers import to the same diffID and content", async () => {
  const { images } = engine();
  const tar = tarOf(busyboxEntries());
  const plain = await images.importLayer(Readable.from([tar]), { parentChainId: null, compression: "none" });
  const gz = await images.importLayer(Readable.from([gzipSync(tar)]), { parentChainId: null });
  const zst = await images.importLayer(Readable.from([await zstdCompress(tar)]), { parentChainId: null });
  assert.equal(plain.diffId, sha(tar));
  assert.equal(gz.diffId, sha(tar));
  assert.equal(zst.diffId, sha(tar));
  assert.equal(plain.chainId, plain.diffId);
  assert.equal(gz.path, plain.path, "one unpacked copy per ChainID");
  assert.deepEqual(readFileSync(join(gz.path, "bin/busybox")), readFileSync("/bin/busybox"));
  assert.equal(gz.blobDigest, plain.blobDigest, "a layer already stored keeps its first blob");
  // The stored layer reads back as the very same tar.
  const back: Buffer[] = [];
  for await (const c of await images.openLayerTar(gz.diffId)) back.push(c as Buffer);
  assert.equal(sha(Buffer.concat(back)), sha(tar));
});

test("whiteouts and opaque dirs become overlay form; the overlay of two layers shows the deletions; commit round-trips", async () => {
  const { images, snapshots } = engine();
  const base = await images.importLayer(
    Readable.from([
      tarOf([
        ...busyboxEntries(),
        { name: "a/", type: "directory", mode: 0o755 },
        { name: "a/x", type: "file", body: "x" },
        { name: "a/y", type: "file", body: "y" },
        { name: "keep", type: "file", body: "keep" },
        { name: "gone", type: "file", body: "gone" },
        { name: "opq/", type: "directory", mode: 0o755 },
        { name: "opq/old", type: "file", body: "old" },
      ]),
    ]),
    { parentChainId: null },
  );
  const top = await images.importLayer(
    Readable.from([
      tarOf([
        { name: ".wh.gone", type: "file" },
        { name: "a/", type: "directory", mode: 0o755 },
        { name: "a/.wh.x", type: "file" },
        { name: "opq/", type: "directory", mode: 0o755 },
        { name: "opq/.wh..wh..opq", type: "file" },
        { name: "opq/new", type: "file", body: "new" },
      ]),
    ]),
    { parentChainId: base.chainId },
  );
  // Overlay form inside the unpacked layer.
  const wh = lstatSync(join(top.path, "gone"));
  assert.ok(wh.isCharacterDevice() && wh.rdev === 0, "whiteout is a 0:0 character device");
  assert.ok(lstatSync(join(top.path, "a/x")).isCharacterDevice());
  assert.match(execFileSync("getfattr", ["--absolute-names", "-n", "trusted.overlay.opaque", join(top.path, "opq")], { encoding: "utf8" }), /trusted.overlay.opaque="y"/);
  assert.equal(existsSync(join(top.path, ".wh.gone")), false);

  const img = await images.createImage({ config: { architecture: "amd64", os: "linux", config: { Cmd: ["/bin/sh"] } }, layers: [base, top], tags: ["gantry-test/whiteouts:v1"] });
  assert.deepEqual(img.config.rootfs.diff_ids, [base.diffId, top.diffId]);
  const snap = await snapshots.prepare("wh-1", "gantry-test/whiteouts:v1");
  assert.ok(snap.mounted);
  assert.deepEqual(snap.lowerdirs, [top.path, base.path]);
  const r = snap.rootfs;
  assert.equal(existsSync(join(r, "gone")), false);
  assert.equal(existsSync(join(r, "a/x")), false);
  assert.equal(readFileSync(join(r, "a/y"), "utf8"), "y");
  assert.deepEqual(readdirSync(join(r, "opq")), ["new"]);
  assert.equal(readFileSync(join(r, "keep"), "utf8"), "keep");
  assert.equal(execFileSync(join(r, "bin/busybox"), ["echo", "ok"], { encoding: "utf8" }), "ok\n");

  // The container changes things; its upper dir becomes a layer with whiteouts.
  unlinkSync(join(r, "keep"));
  writeFileSync(join(r, "added"), "added");
  rmSync(join(r, "a"), { recursive: true });
  mkdirSync(join(r, "a"));
  writeFileSync(join(r, "a/z"), "z");
  const names: string[] = [];
  const diff: Buffer[] = [];
  for await (const c of snapshots.diff("wh-1")) diff.push(c as Buffer);
  await readTar(Readable.from([Buffer.concat(diff)]), async ({ header }) => {
    names.push(header.name);
  });
  assert.ok(names.includes(".wh.keep"), names.join(" "));
  assert.ok(names.includes("added"));
  assert.ok(names.includes("a/") && names.includes("a/.wh..wh..opq") && names.includes("a/z"), names.join(" "));
  const committed = await images.importLayer(Readable.from([Buffer.concat(diff)]), { parentChainId: top.chainId });
  const img2 = await images.createImage({ config: { ...img.config, rootfs: undefined }, layers: [base, top, committed], tags: ["gantry-test/whiteouts:v2"], parentId: img.id });
  const snap2 = await snapshots.prepare("wh-2", img2.id);
  assert.equal(existsSync(join(snap2.rootfs, "keep")), false);
  assert.deepEqual(readdirSync(join(snap2.rootfs, "a")), ["z"]);
  assert.equal(readFileSync(join(snap2.rootfs, "added"), "utf8"), "added");
  assert.deepEqual(readdirSync(join(snap2.rootfs, "opq")), ["new"]);
  await snapshots.remove("wh-1");
  await snapshots.remove("wh-2");
  assert.deepEqual(await snapshots.list(), []);
});

test("prune removes unreferenced layers only; a container keeps its image and layers", async () => {
  const clock = testClock();
  const { images, snapshots } = engine(clock);
  const base = await images.importLayer(Readable.from([tarOf(busyboxEntries())]), { parentChainId: null });
  const mid = await images.importLayer(Readable.from([tarOf([{ name: "mid", type: "file", body: "m" }])]), { parentChainId: base.chainId });
  const other = await images.importLayer(Readable.from([tarOf([{ name: "other", type: "file", body: "o" }])]), { parentChainId: base.chainId });
  const cfg = { architecture: "amd64", os: "linux" };
  const a = await images.createImage({ config: cfg, layers: [base], tags: ["gantry-test/a:1"] });
  const b = await images.createImage({ config: { ...cfg, author: "b" }, layers: [base, mid], tags: ["gantry-test/b:1"] });
  const c = await images.createImage({ config: { ...cfg, author: "c" }, layers: [base, other], tags: ["gantry-test/c:1"] });
  const orphan = await images.importLayer(Readable.from([tarOf([{ name: "orphan", type: "file", body: "x" }])]), { parentChainId: null });
  const refs = await (images as GantryImageService).store.layerReferences();
  assert.equal(refs.get(base.chainId), 3, "the base layer is shared by three images");
  assert.equal(refs.get(mid.chainId), 1);
  assert.equal(refs.get(orphan.chainId), 0);

  // Nothing dangling yet. The orphan layer is leased (a commit or build may still create its image) ...
  let res = await images.prune();
  assert.deepEqual(res.deleted, []);
  assert.equal(existsSync(orphan.path), true, "a freshly imported layer survives prune");
  // ... until the lease runs out: then prune frees it and keeps all three images.
  clock.advance(IMPORT_LEASE_MS + 1000);
  res = await images.prune();
  assert.deepEqual(res.deleted, []);
  assert.ok(res.spaceReclaimed > 0);
  assert.equal(existsSync(orphan.path), false);
  assert.equal((await images.list()).length, 3);

  // Untagged b: dangling, pruned with its own layer; base stays (a uses it).
  const untag = await images.remove("gantry-test/b:1");
  assert.deepEqual(untag.untagged, ["gantry-test/b:1"]);
  assert.deepEqual(untag.deleted, [b.id], "the last tag takes the image with it");
  assert.equal(existsSync(mid.path), false);
  assert.equal(existsSync(base.path), true);

  // c is under a container: neither rmi nor prune --all may take it.
  await snapshots.prepare("prune-c", "gantry-test/c:1", { labels: { "gantry.container": "c" } });
  assert.deepEqual((await snapshots.get("prune-c"))?.labels, { "gantry.container": "c" });
  await assert.rejects(snapshots.prepare("prune-c", "gantry-test/c:1"), /already exists/);
  await assert.rejects(snapshots.prepare("../escape", "gantry-test/c:1"), /snapshot id "..\/escape" is invalid/);
  await assert.rejects(images.remove(c.id), /being used by a container/);
  res = await images.prune({ all: true });
  assert.deepEqual(res.deleted, [a.id]);
  assert.equal(existsSync(other.path), true);
  assert.equal(existsSync(base.path), true, "c's base layer is kept");
  assert.deepEqual((await images.list()).map((i) => i.id), [c.id]);
  await snapshots.remove("prune-c");
  res = await images.prune({ all: true });
  assert.deepEqual(res.deleted, [c.id]);
  assert.deepEqual(await images.list(), []);
  assert.equal(existsSync(base.path), false);
  assert.deepEqual(await (images as GantryImageService).store.check(), []);
});
