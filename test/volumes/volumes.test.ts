// Volumes as a Docker user meets them: create/ls/inspect/rm/prune with Docker's semantics and words, references
// that keep an in-use volume from going, state that survives a restart, and the mount grammars (-v, --tmpfs,
// --volumes-from) with their errors. Each test has its own GANTRY_ROOT.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { VolumeService, ANONYMOUS_LABEL } from "@/agent/volumes/volume-service";
import { parseVolumeFlag, parseTmpfsFlag, parseVolumesFrom, inheritMounts, toOciMounts, validateBindSource, fromApiMount, fromTmpfsMap } from "@/agent/volumes/mounts";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function scratch(label: string) {
  const d = mkdtempSync(join(tmpdir(), `gantry-vol-${label}-`));
  dirs.push(d);
  return d;
}
const cid = () => randomBytes(32).toString("hex");

async function service(root = scratch("root"), exists: (id: string) => boolean = () => true) {
  const v = new VolumeService({ root, clock: { now: () => Date.parse("2026-01-02T03:04:05Z"), setTimeout, clearTimeout } });
  await v.start({ containerExists: exists });
  return v;
}

test("create, inspect, ls with filters, rm", async () => {
  const v = await service();
  const made = await v.create("appdata", { labels: { team: "web", tier: "db" } });
  assert.deepEqual(made, {
    name: "appdata",
    driver: "local",
    mountpoint: join(v.root, "volumes/appdata/_data"),
    createdAt: "2026-01-02T03:04:05.000Z",
    labels: { team: "web", tier: "db" },
    options: {},
    scope: "local",
    anonymous: false,
    usedBy: [],
  });
  assert.ok(statSync(made.mountpoint).isDirectory());
  assert.deepEqual(await v.create("appdata"), made, "creating an existing name returns it, as Docker does");
  const anon = await v.create();
  assert.match(anon.name, /^[0-9a-f]{64}$/);
  assert.equal(anon.anonymous, true);
  assert.equal(anon.labels[ANONYMOUS_LABEL], "");
  await v.create("other", { labels: { team: "ops" } });

  await assert.rejects(v.create("a"), /volume name is too short/);
  await assert.rejects(v.create("bad/name"), /includes invalid characters for a local volume name/);
  await assert.rejects(v.create("../x"), /includes invalid characters/);
  await assert.rejects(v.create("nfsvol", { driver: "nfs" }), /plugin "nfs" not found/);
  await assert.rejects(v.create("optvol", { driverOpts: { type: "tmpfs" } }), /not supported by Gantry's local driver/);
  await assert.rejects(v.inspect("nope"), /get nope: no such volume/);

  const names = async (f: Parameters<VolumeService["list"]>[0]) => (await v.list(f)).map((x) => x.name);
  assert.deepEqual(await names({ label: ["team"] }), ["appdata", "other"]);
  assert.deepEqual(await names({ label: ["team=web"] }), ["appdata"]);
  assert.deepEqual(await names({ label: ["team=web", "tier=cache"] }), []);
  assert.deepEqual(await names({ name: ["app"] }), ["appdata"]);
  await v.addReference("appdata", cid());
  assert.deepEqual(await names({ dangling: true }), [anon.name, "other"].sort());
  assert.deepEqual(await names({ dangling: false }), ["appdata"]);

  writeFileSync(join(v.mountpoint("other"), "file"), "x");
  await v.remove("other");
  assert.ok(!existsSync(join(v.root, "volumes/other")), "data and metadata are gone");
  await assert.rejects(v.remove("other"), /no such volume/);
  await v.remove("other", { force: true });
});

test("a volume in use is refused by rm and kept by prune; force and release let it go; state survives a restart", async () => {
  const root = scratch("inuse");
  const v = await service(root);
  const a = cid();
  const b = cid();
  const [m] = await v.resolveMounts(a, [parseVolumeFlag("shared:/data")]);
  assert.equal(m.source, v.mountpoint("shared"), "run -v name:/x creates the volume");
  await v.resolveMounts(b, [parseVolumeFlag("shared:/data:ro")]);
  await v.create("idle");
  const anonUsed = (await v.resolveMounts(a, [parseVolumeFlag("/cache")]))[0].name!;
  const anonIdle = (await v.create()).name;

  await assert.rejects(v.remove("shared"), new RegExp(`remove shared: volume is in use - \\[${a}, ${b}\\]`));
  writeFileSync(join(v.mountpoint(anonIdle), "big"), Buffer.alloc(4096));
  const pruned = await v.prune();
  assert.deepEqual(pruned, { deleted: [anonIdle], spaceReclaimed: 4096 }, "by default only unused anonymous volumes go");
  const all = await v.prune({ all: true });
  assert.deepEqual(all.deleted, ["idle"], "all: every unused volume, never one in use");

  // A restart keeps volumes and references, dropping those of containers that are gone.
  const again = await service(root, (id) => id !== b);
  assert.deepEqual((await again.inspect("shared")).usedBy, [a]);
  assert.deepEqual((await again.list()).map((x) => x.name).sort(), [anonUsed, "shared"].sort());

  assert.deepEqual(await again.releaseContainer(a, { removeAnonymous: true }), [anonUsed], "rm -v removes its anonymous volumes");
  assert.deepEqual((await again.inspect("shared")).usedBy, []);
  await again.addReference("shared", b);
  await again.remove("shared", { force: true });
  assert.deepEqual(await again.list(), []);
});

test("bind sources: missing, /, GANTRY_ROOT and what is inside it are refused clearly", async () => {
  const root = scratch("bindroot");
  const v = await service(root);
  const host = scratch("host");
  writeFileSync(join(host, "cfg"), "x");
  const c = cid();
  await assert.rejects(
    v.resolveMounts(c, [parseVolumeFlag("/no/such/dir:/x")]),
    /^GantryError: invalid mount config for type "bind": bind source path does not exist: \/no\/such\/dir$/,
  );
  await assert.rejects(v.resolveMounts(c, [parseVolumeFlag("/:/host")]), /refusing to bind-mount the host's root directory/);
  await assert.rejects(v.resolveMounts(c, [parseVolumeFlag(`${root}:/state`)]), /Gantry's state directory/);
  await assert.rejects(v.resolveMounts(c, [parseVolumeFlag(`${root}/volumes:/state`)]), /inside Gantry's state directory/);
  symlinkSync("/", join(host, "sneaky"));
  await assert.rejects(v.resolveMounts(c, [parseVolumeFlag(`${host}/sneaky:/x`)]), /host's root directory/, "symlinks are resolved first");
  symlinkSync(root, join(host, "sneaky2"));
  await assert.rejects(v.resolveMounts(c, [parseVolumeFlag(`${host}/sneaky2:/x`)]), /state directory/);
  assert.throws(() => validateBindSource("relative/dir", { gantryRoot: root }), /must be absolute/);
  // A failed request keeps nothing: the named volume it would have made is not left behind.
  await assert.rejects(v.resolveMounts(c, [parseVolumeFlag("made:/a"), parseVolumeFlag("/no/such:/b")]), /does not exist/);
  assert.deepEqual(await v.list(), []);
  await assert.rejects(v.resolveMounts(c, [parseVolumeFlag("x1:/a"), parseVolumeFlag(`${host}:/a`)]), /Duplicate mount point: \/a/);

  const ok = await v.resolveMounts(c, [parseVolumeFlag(`${host}/cfg:/etc/app.cfg:ro`), parseVolumeFlag(`${host}:/srv:rw,rshared`)]);
  assert.deepEqual(ok.map((m) => [m.type, m.source, m.target, m.readOnly, m.propagation]), [
    ["bind", join(host, "cfg"), "/etc/app.cfg", true, "rprivate"],
    ["bind", host, "/srv", false, "rshared"],
  ]);
});

test("-v grammar and its errors", () => {
  assert.deepEqual(parseVolumeFlag("/data"), { type: "volume", source: null, target: "/data", readOnly: false, noCopy: false });
  assert.deepEqual(parseVolumeFlag("db:/var/lib/db/:ro,nocopy"), { type: "volume", source: "db", target: "/var/lib/db", readOnly: true, noCopy: true });
  assert.deepEqual(parseVolumeFlag("/h:/c:z"), { type: "bind", source: "/h", target: "/c", readOnly: false, propagation: "rprivate" });
  assert.throws(() => parseVolumeFlag("db:relative"), /must be absolute/);
  assert.throws(() => parseVolumeFlag("db:/"), /destination can't be '\/'/);
  assert.throws(() => parseVolumeFlag("db:/x:rx"), /invalid mode: rx/);
  assert.throws(() => parseVolumeFlag("db:/x:ro,rw"), /ro and rw both/);
  assert.throws(() => parseVolumeFlag("./here:/x"), /If you intended to pass a host directory, use absolute path/);
  assert.throws(() => parseVolumeFlag("db:/x:rshared"), /propagation applies to bind mounts/);
  assert.throws(() => parseVolumeFlag("a:/b:ro:extra"), /invalid volume specification/);
  assert.throws(() => parseVolumeFlag(""), /invalid volume specification/);
});

test("--tmpfs options: size in bytes, mode, Docker's default flags, and errors", () => {
  assert.deepEqual(parseTmpfsFlag("/run"), { type: "tmpfs", target: "/run", options: ["noexec", "nosuid", "nodev"] });
  assert.deepEqual(parseTmpfsFlag("/run:size=64m,mode=1777"), {
    type: "tmpfs",
    target: "/run",
    options: ["noexec", "nosuid", "nodev", `size=${64 * 1024 * 1024}`, "mode=1777"],
  });
  const m = parseTmpfsFlag("/x:exec,size=10%,uid=1000");
  assert.deepEqual(m.type === "tmpfs" && m.options, ["nosuid", "nodev", "exec", "size=10%", "uid=1000"]);
  assert.throws(() => parseTmpfsFlag("/x:size=lots"), /invalid tmpfs size "lots"/);
  assert.throws(() => parseTmpfsFlag("/x:size=0"), /invalid tmpfs size/);
  assert.throws(() => parseTmpfsFlag("/x:mode=999"), /invalid tmpfs mode "999"/);
  assert.throws(() => parseTmpfsFlag("/x:uid=me"), /invalid tmpfs uid/);
  assert.throws(() => parseTmpfsFlag("/x:bogus"), /invalid tmpfs option "bogus"/);
  assert.throws(() => parseTmpfsFlag("rel"), /must be absolute/);
});

test("--volumes-from: the other container's volumes and binds, ro/rw applied, tmpfs not shared; OCI entries", async () => {
  const v = await service();
  const host = scratch("vf");
  const donor = cid();
  const donorMounts = await v.resolveMounts(donor, [
    parseVolumeFlag("logs:/var/log"),
    parseVolumeFlag(`${host}:/conf:ro`),
    parseTmpfsFlag("/tmp:size=1m"),
  ]);
  assert.deepEqual(parseVolumesFrom("web:ro"), { container: "web", mode: "ro" });
  assert.deepEqual(parseVolumesFrom("web"), { container: "web", mode: null });
  assert.throws(() => parseVolumesFrom("web:rx"), /invalid mode: rx/);
  assert.throws(() => parseVolumesFrom(":ro"), /invalid --volumes-from/);

  assert.deepEqual(inheritMounts(donorMounts, null).map((m) => [m.target, m.readOnly]), [["/var/log", false], ["/conf", true]]);
  assert.deepEqual(inheritMounts(donorMounts, "ro").map((m) => [m.target, m.readOnly]), [["/var/log", true], ["/conf", true]]);
  assert.deepEqual(inheritMounts(donorMounts, "rw").map((m) => [m.target, m.readOnly]), [["/var/log", false], ["/conf", false]]);

  const taker = cid();
  const mounts = await v.resolveMounts(taker, [parseVolumeFlag("/var/log/app")], { inherit: inheritMounts(donorMounts, "ro") });
  assert.deepEqual((await v.inspect("logs")).usedBy, [donor, taker], "inherited volumes are referenced by the taker too");
  assert.deepEqual(toOciMounts(mounts).map((m) => m.destination), ["/conf", "/var/log", "/var/log/app"], "parents first");
  assert.deepEqual(toOciMounts(donorMounts), [
    { destination: "/conf", type: "bind", source: host, options: ["rbind", "ro", "rprivate"] },
    { destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["noexec", "nosuid", "nodev", "size=1048576"] },
    { destination: "/var/log", type: "bind", source: v.mountpoint("logs"), options: ["rbind", "rw", "rprivate"] },
  ]);
});

test("copy-up: a new volume mounted over an image directory gets its content, once; nocopy opts out", async () => {
  const v = await service();
  const rootfs = scratch("rootfs");
  mkdirSync(join(rootfs, "app/conf"), { recursive: true });
  writeFileSync(join(rootfs, "app/conf/default.ini"), "greeting=hi\n");
  const mounts = await v.resolveMounts(cid(), [parseVolumeFlag("conf:/app/conf"), parseVolumeFlag("raw:/app/conf2"), parseVolumeFlag("skip:/app:nocopy")]);
  assert.deepEqual(await v.populateFromImage(mounts, rootfs), ["conf"]);
  assert.equal(readFileSync(join(v.mountpoint("conf"), "default.ini"), "utf8"), "greeting=hi\n");
  writeFileSync(join(v.mountpoint("conf"), "default.ini"), "changed\n");
  assert.deepEqual(await v.populateFromImage(mounts, rootfs), [], "a volume with content is never overwritten");
  assert.equal(readFileSync(join(v.mountpoint("conf"), "default.ini"), "utf8"), "changed\n");
});

test("--mount as the Engine API carries it (HostConfig.Mounts) and HostConfig.Tmpfs", async () => {
  assert.deepEqual(fromApiMount({ Type: "bind", Source: "/srv/", Target: "/srv", ReadOnly: true, BindOptions: { Propagation: "rslave" } }), {
    type: "bind", source: "/srv", target: "/srv", readOnly: true, propagation: "rslave",
  });
  assert.deepEqual(fromApiMount({ Type: "volume", Source: "db", Target: "/var/lib/db", VolumeOptions: { NoCopy: true } }), {
    type: "volume", source: "db", target: "/var/lib/db", readOnly: false, noCopy: true,
  });
  assert.deepEqual(fromApiMount({ Type: "volume", Target: "/anon" }), { type: "volume", source: null, target: "/anon", readOnly: false, noCopy: false });
  assert.deepEqual(fromApiMount({ Type: "tmpfs", Target: "/run", TmpfsOptions: { SizeBytes: 65536, Mode: 0o1777 } }), {
    type: "tmpfs", target: "/run", options: ["noexec", "nosuid", "nodev", "size=65536", "mode=1777"],
  });
  assert.throws(() => fromApiMount({ Type: "bind", Target: "/x" }), /field Source must not be empty/);
  assert.throws(() => fromApiMount({ Type: "bind", Source: "rel", Target: "/x" }), /must be absolute/);
  assert.throws(() => fromApiMount({ Type: "bind", Source: "/a", Target: "/x", BindOptions: { Propagation: "sideways" } }), /invalid propagation "sideways"/);
  assert.throws(() => fromApiMount({ Type: "volume", Source: "x", Target: "/x", VolumeOptions: { DriverConfig: { Name: "nfs" } } }), /plugin "nfs" not found/);
  assert.throws(() => fromApiMount({ Type: "tmpfs", Source: "x", Target: "/x" }), /Source must not be specified/);
  assert.throws(() => fromApiMount({ Type: "npipe", Target: "/x" }), /mount type "npipe" is not supported/);
  assert.throws(() => fromApiMount({ Type: "volume", Target: "" }), /field Target must not be empty/);
  assert.deepEqual(fromApiMount({ Type: "volume", Source: "lab", Target: "/l", VolumeOptions: { Labels: { a: "b" } } }), {
    type: "volume", source: "lab", target: "/l", readOnly: false, noCopy: false, labels: { a: "b" },
  });
  assert.deepEqual(fromTmpfsMap({ "/run": "size=1k", "/tmp": "" }).map((m) => m.type === "tmpfs" && m.options), [
    ["noexec", "nosuid", "nodev", "size=1024"],
    ["noexec", "nosuid", "nodev"],
  ]);
  const v = await service();
  await v.resolveMounts(cid(), [fromApiMount({ Type: "volume", Source: "labelled", Target: "/l", VolumeOptions: { Labels: { team: "x" } } })]);
  assert.deepEqual((await v.inspect("labelled")).labels, { team: "x" }, "volume labels apply when run creates the volume");
});
