// Pull and push against real registries (Debian's docker-registry on loopback: open, htpasswd, token-auth), with
// a counting proxy in front where a test needs to tamper with, cut or count traffic. skopeo cross-checks pushes.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { DigestMismatchError, ImageError, RegistryError } from "../../lib/oci/errors.ts";
import { GantryImageService } from "../../agent/images/image-service.ts";
import { MediaTypes, type ProgressEvent } from "../../lib/oci/types.ts";
import { RegistryClient, insecureFromEnv, isLoopbackHost } from "../../agent/registry/client.ts";
import { startProxy, startRegistry, type TestProxy, type TestRegistry } from "../support/registry.ts";
import { busyboxEntries, makeImage, makeLayer, pushImage, pushIndex, skopeo, tarOf, type BuiltImage } from "../support/images.ts";

const ALICE = { username: "alice", password: "wonderland" };
let open: TestRegistry;
let basic: TestRegistry;
let token: TestRegistry;
let seq = 0;
const repo = (tag: string) => `gantry-test/${tag}-${process.pid}-${++seq}`;

before(async () => {
  [open, basic, token] = await Promise.all([startRegistry("open"), startRegistry("htpasswd"), startRegistry("token")]);
});
after(async () => {
  await Promise.all([open?.stop(), basic?.stop(), token?.stop()]);
});

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function service(root?: string) {
  const dir = root ?? mkdtempSync(join(tmpdir(), "gantry-images-"));
  if (!root) cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return new GantryImageService({ root: dir });
}

async function proxy(target: string, hooks = {}): Promise<TestProxy> {
  const p = await startProxy(target, hooks);
  cleanups.push(() => p.stop());
  return p;
}

async function busyboxImage(extra = "hello"): Promise<BuiltImage> {
  return makeImage([await makeLayer(busyboxEntries()), await makeLayer([{ name: "hello.txt", type: "file", body: `${extra}\n` }], "zstd")]);
}

/** An image with one large incompressible layer (slow enough to interrupt through a throttled proxy). */
async function bigImage(): Promise<BuiltImage> {
  return makeImage([await makeLayer(busyboxEntries()), await makeLayer([{ name: "big.bin", type: "file", body: randomBytes(6 * 1024 * 1024) }], "gzip")]);
}

test("pull from open, htpasswd and token registries; progress per layer; wrong passwords get a clear 401", async () => {
  const img = await busyboxImage();
  for (const [reg, auth] of [[open, undefined], [basic, ALICE], [token, ALICE]] as const) {
    const name = repo(reg.mode);
    await pushImage(reg.host, name, "v1", img, auth);
    const images = service();
    const events: ProgressEvent[] = [];
    const r = await images.pull(`${reg.host}/${name}:v1`, { auth, onProgress: (e) => events.push(e) });
    assert.equal(r.digest, img.manifestDigest, reg.mode);
    assert.equal(r.image.id, img.configDigest);
    assert.deepEqual(r.image.repoTags, [`${reg.host}/${name}:v1`]);
    assert.deepEqual(r.image.repoDigests, [`${reg.host}/${name}@${img.manifestDigest}`]);
    assert.deepEqual(readFileSync(join(r.image.layers[0].path, "bin/busybox")), readFileSync("/bin/busybox"));
    assert.equal(readFileSync(join(r.image.layers[1].path, "hello.txt"), "utf8"), "hello\n");
    for (const l of img.layers) {
      const id = l.digest.slice(7, 19);
      const statuses = events.filter((e) => e.id === id).map((e) => e.status);
      for (const s of ["Pulling fs layer", "Download complete", "Pull complete"]) assert.ok(statuses.includes(s), `${reg.mode} ${id}: ${statuses.join(", ")}`);
    }
    assert.equal(events.at(-1)?.status, `Status: Downloaded newer image for ${reg.host}/${name}:v1`);
    const again = await images.pull(`${reg.host}/${name}:v1`, { auth });
    assert.equal(again.downloaded, false);

    if (reg.mode !== "open") {
      const wrong = service();
      await assert.rejects(wrong.pull(`${reg.host}/${name}:v1`, { auth: { username: "alice", password: "nope" } }), (e: unknown) => {
        assert.ok(e instanceof RegistryError, String(e));
        assert.equal(e.status, 401);
        assert.equal(e.code, "unauthorized");
        assert.match(e.message, /alice.*wrong username or password/);
        return true;
      });
      await assert.rejects(wrong.pull(`${reg.host}/${name}:v1`), (e: unknown) => {
        assert.ok(e instanceof RegistryError && e.status === 401, String(e));
        assert.match((e as Error).message, /log in first|requires a username/);
        return true;
      });
      assert.deepEqual(await wrong.list(), []);
    }
  }
});

test("login stores credentials per registry (0600) and several registries work at once; tokens are cached", async () => {
  const img = await busyboxImage("login");
  const n1 = repo("login-basic");
  const n2 = repo("login-token");
  await pushImage(basic.host, n1, "v1", img, ALICE);
  await pushImage(token.host, n2, "v1", img, ALICE);
  const root = mkdtempSync(join(tmpdir(), "gantry-images-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const images = service(root);
  await assert.rejects(images.login(token.host, { username: "alice", password: "bad" }), /wrong username or password/);
  assert.equal(existsSync(join(root, "registry/auths.json")), false, "failed logins store nothing");
  assert.equal((await images.login(basic.host, ALICE)).status, "Login Succeeded");
  assert.equal((await images.login(token.host, ALICE)).status, "Login Succeeded");
  const file = join(root, "registry/auths.json");
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(file, "utf8")).auths).sort(), [basic.host, token.host].sort());

  const before = token.tokenRequests.length;
  await Promise.all([images.pull(`${basic.host}/${n1}:v1`), images.pull(`${token.host}/${n2}:v1`)]);
  const used = token.tokenRequests.slice(before);
  assert.ok(used.length >= 1 && used.every((t) => t.user === "alice"), JSON.stringify(used));
  // One token for the repository's pull scope, reused for every manifest and blob request of the pull.
  assert.equal(used.filter((t) => t.scope.includes(`repository:${n2}:pull`)).length, 1, JSON.stringify(used));
  await images.logout(token.host);
  await images.remove(`${token.host}/${n2}:v1`);
  await assert.rejects(service(root).pull(`${token.host}/${n2}:v1`), /log in first/);
});

test("an index with several platforms gives linux/amd64; a missing platform is a clear error", async () => {
  for (const docker of [false, true]) {
    // OCI images in an OCI index; Docker schema2 images (Docker media types throughout) in a Docker manifest list.
    const amd = makeImage([await makeLayer(busyboxEntries(), "gzip", docker)], { label: "amd64", docker });
    const arm = makeImage([await makeLayer([{ name: "arm", type: "file", body: "arm" }], "gzip", docker)], {
      label: "arm64",
      platform: { os: "linux", architecture: "arm64" },
      docker,
    });
    const name = repo(docker ? "list" : "index");
    const indexDigest = await pushIndex(
      open.host,
      name,
      "multi",
      [
        { image: arm, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
        { image: amd, platform: { os: "linux", architecture: "amd64" } },
      ],
      docker,
    );
    const images = service();
    const r = await images.pull(`${open.host}/${name}:multi`);
    assert.equal(r.image.config.config?.Labels?.["test.label"], "amd64");
    assert.equal(r.image.architecture, "amd64");
    assert.equal(r.digest, indexDigest, "the digest pulled is the index's, like Docker's RepoDigests");
    assert.deepEqual(r.image.repoDigests, [`${open.host}/${name}@${indexDigest}`]);
    assert.equal((await images.inspect(`${open.host}/${name}@${indexDigest}`)).id, amd.configDigest);
    assert.equal(r.image.manifestMediaType, docker ? MediaTypes.dockerManifest : MediaTypes.ociManifest);
    // skopeo reads the same index and picks the same image.
    const seen = JSON.parse(await skopeo(["inspect", "--override-arch", "amd64", "--override-os", "linux", `docker://${open.host}/${name}:multi`]));
    assert.equal(seen.Labels["test.label"], "amd64");
    await assert.rejects(images.pull(`${open.host}/${name}:multi`, { platform: { os: "linux", architecture: "s390x" } }), (e: unknown) => {
      assert.ok(e instanceof ImageError && e.code === "not_found");
      assert.match((e as Error).message, /no matching manifest for linux\/s390x .*offered: linux\/arm64\/v8, linux\/amd64/);
      return true;
    });
  }
});

test("schema 1 manifests are refused clearly", async () => {
  const p = await proxy(open.host, {
    respond: (r: { method: string; path: string }) =>
      r.path.includes("/manifests/")
        ? {
            status: 200,
            headers: { "content-type": MediaTypes.dockerSchema1Signed },
            body: Buffer.from(JSON.stringify({ schemaVersion: 1, name: "old/app", tag: "v1", architecture: "amd64", fsLayers: [], history: [], signatures: [] })),
          }
        : null,
  });
  const images = service();
  await assert.rejects(images.pull(`${p.host}/old/app:v1`), (e: unknown) => {
    assert.ok(e instanceof ImageError && e.code === "unsupported", String(e));
    assert.match((e as Error).message, /schema 1 .*does not pull/);
    return true;
  });
  assert.deepEqual(await images.list(), []);
  assert.ok(p.requests.some((r) => r.method === "GET" && r.path.includes("/manifests/v1")));
});

test("a tampered blob is refused and nothing half-written remains", async () => {
  const img = await busyboxImage("tampered");
  const name = repo("tamper");
  await pushImage(open.host, name, "v1", img);
  const victim = img.layers[0].digest;
  const p = await proxy(open.host, { tamper: (r: { method: string; path: string }) => r.method === "GET" && r.path.endsWith(`/blobs/${victim}`) });
  const images = service();
  await assert.rejects(images.pull(`${p.host}/${name}:v1`), (e: unknown) => {
    assert.ok(e instanceof DigestMismatchError, String(e));
    assert.equal(e.expected, victim);
    assert.match(e.message, /failed verification: expected digest sha256:/);
    return true;
  });
  const root = images.store.root;
  assert.equal(existsSync(images.store.blobPath(victim)), false, "the bad blob is not stored");
  assert.deepEqual(readdirSync(join(root, "ingest")), [], "no partial file or lock remains");
  assert.deepEqual(readdirSync(join(root, "images")), [], "no image record");
  assert.deepEqual(await images.store.refs(), {});
  assert.deepEqual(await images.list(), []);
  assert.deepEqual(await images.store.check(), []);
  // Through the honest registry the same store completes the pull.
  const ok = await images.pull(`${open.host}/${name}:v1`);
  assert.equal(ok.image.id, img.configDigest);
  assert.deepEqual(await images.store.check(), []);
});

test("an interrupted download resumes with a Range request", async () => {
  const img = await bigImage();
  const name = repo("resume");
  await pushImage(open.host, name, "v1", img);
  const big = img.layers[1];
  let cut = false;
  const p = await proxy(open.host, {
    cutAfter: (r: { method: string; path: string }) => {
      if (cut || r.method !== "GET" || !r.path.endsWith(`/blobs/${big.digest}`)) return null;
      cut = true;
      return 2 * 1024 * 1024;
    },
  });
  const images = service();
  const r = await images.pull(`${p.host}/${name}:v1`);
  assert.equal(r.image.id, img.configDigest);
  const gets = p.requests.filter((q) => q.method === "GET" && q.path.endsWith(`/blobs/${big.digest}`));
  assert.equal(gets.length, 2, JSON.stringify(gets));
  assert.equal(gets[0].range, undefined);
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1].range ?? "")?.[1]);
  assert.ok(resumedAt > 0 && resumedAt <= 2 * 1024 * 1024, `resumed with ${gets[1].range}`);
  assert.deepEqual(readFileSync(join(r.image.layers[1].path, "big.bin")).length, 6 * 1024 * 1024);
  assert.deepEqual(await images.store.check(), []);
});

test("concurrent pulls of one image fetch each blob once (same service and a second service on the same store)", async () => {
  const img = await bigImage();
  const name = repo("concurrent");
  await pushImage(open.host, name, "v1", img);
  const p = await proxy(open.host, { throttleMs: () => 1 });
  const root = mkdtempSync(join(tmpdir(), "gantry-images-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const a = service(root);
  const b = service(root);
  const ref = `${p.host}/${name}:v1`;
  const results = await Promise.all([a.pull(ref), a.pull(ref), b.pull(ref)]);
  for (const r of results) assert.equal(r.image.id, img.configDigest);
  for (const d of [img.configDigest, ...img.layers.map((l) => l.digest)]) {
    assert.equal(p.count("GET", `/blobs/${d}`), 1, `blob ${d} fetched once`);
  }
  assert.deepEqual(await a.store.check(), []);
  assert.equal((await a.list()).length, 1);
});

test("push: what Gantry pushes is valid for skopeo; existing blobs are skipped; cross-repository mounts are used", async () => {
  const img = await busyboxImage("push");
  const src = repo("push-src");
  await pushImage(open.host, src, "v1", img);
  const p = await proxy(open.host);
  const images = service();
  await images.pull(`${p.host}/${src}:v1`);

  // Same registry, new repository: every blob is mounted from the source, none uploaded.
  const dst = repo("push-dst");
  await images.tag(`${p.host}/${src}:v1`, `${p.host}/${dst}:v2`);
  const events: ProgressEvent[] = [];
  const pushed = await images.push(`${p.host}/${dst}:v2`, { onProgress: (e) => events.push(e) });
  assert.equal(pushed.digest, img.manifestDigest);
  assert.equal(p.count("POST", `/v2/${dst}/blobs/uploads/?mount=`), img.layers.length + 1);
  assert.equal(p.count("PATCH", `/v2/${dst}/`), 0);
  for (const l of img.layers) assert.ok(events.some((e) => e.id === l.digest.slice(7, 19) && e.status === `Mounted from ${src}`), JSON.stringify(events));
  assert.equal(events.at(-1)?.status, `v2: digest: ${img.manifestDigest} size: ${img.manifest.length}`);

  // Pushing again: HEAD finds every blob, nothing is sent.
  const posts = p.count("POST", "/blobs/uploads/");
  const again: ProgressEvent[] = [];
  await images.push(`${p.host}/${dst}:v2`, { onProgress: (e) => again.push(e) });
  assert.equal(p.count("POST", "/blobs/uploads/"), posts);
  assert.equal(again.filter((e) => e.status === "Layer already exists").length, img.layers.length);

  // A locally made image (importLayer + createImage) is uploaded with POST/PATCH/PUT, to a token registry too.
  const base = await images.importLayer(Readable.from([tarOf(busyboxEntries())]), { parentChainId: null });
  const top = await images.importLayer(Readable.from([tarOf([{ name: "made-here", type: "file", body: "local\n" }])]), { parentChainId: base.chainId });
  const local = await images.createImage({ config: { architecture: "amd64", os: "linux", config: { Cmd: ["/bin/sh"] } }, layers: [base, top], tags: [`${token.host}/${repo("local")}:v1`] });
  const localRef = local.repoTags[0];
  const res = await images.push(localRef, { auth: ALICE });
  assert.equal(res.digest, local.manifestDigest);

  // skopeo inspects and copies both pushes (verifying every digest on the way).
  const inspected = JSON.parse(await skopeo(["inspect", `docker://${open.host}/${dst}:v2`]));
  assert.equal(inspected.Digest, img.manifestDigest);
  assert.equal(inspected.Layers.length, img.layers.length);
  const out = mkdtempSync(join(tmpdir(), "gantry-skopeo-"));
  cleanups.push(() => rmSync(out, { recursive: true, force: true }));
  await skopeo(["copy", `docker://${open.host}/${dst}:v2`, `oci:${join(out, "a")}:v2`]);
  await skopeo(["copy", "--src-creds", "alice:wonderland", `docker://${localRef}`, `oci:${join(out, "b")}:v1`]);
  const ociIndex = JSON.parse(readFileSync(join(out, "b/index.json"), "utf8"));
  assert.equal(ociIndex.manifests[0].digest, local.manifestDigest);
  const raw = JSON.parse(await skopeo(["inspect", "--raw", "--creds", "alice:wonderland", `docker://${localRef}`]));
  assert.deepEqual(raw.layers.map((l: { digest: string }) => l.digest), [base.blobDigest, top.blobDigest]);
});

test("bearer tokens are cached until they expire, then fetched again", async () => {
  const img = await busyboxImage("refresh");
  const name = repo("refresh");
  await pushImage(token.host, name, "v1", img, ALICE);
  let now = Date.now();
  const clock = { now: () => now, setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
  const client = new RegistryClient(token.host, { auth: ALICE, clock });
  const count = () => token.tokenRequests.filter((t) => t.scope.includes(`repository:${name}:pull`)).length;
  await client.getManifest(name, "v1");
  await client.getManifest(name, "v1");
  assert.equal(count(), 1, "second request reuses the token");
  now += 301_000; // the token server grants 300 s
  await client.getManifest(name, "v1");
  assert.equal(count(), 2, "an expired token is replaced");
});

test("plain http only for loopback or hosts configured insecure", async () => {
  for (const [host, loop] of [["127.0.0.1:5000", true], ["127.9.9.9", true], ["localhost:80", true], ["[::1]:5000", true], ["::1", true], ["10.0.0.1:5000", false], ["registry.example.com", false], ["128.0.0.1", false]] as const) {
    assert.equal(isLoopbackHost(host), loop, host);
  }
  assert.deepEqual(insecureFromEnv({ GANTRY_INSECURE_REGISTRIES: " Reg.Local:5000, other " }), ["reg.local:5000", "other"]);
  // No traffic leaves the machine: the fetch below records the URL asked for and fails like an unreachable host.
  const asked: string[] = [];
  const recorder = (async (url: string | URL) => {
    asked.push(String(url));
    throw new TypeError("fetch failed (recorded, not sent)");
  }) as typeof fetch;
  await assert.rejects(new RegistryClient("registry.example.com:5000", { fetch: recorder, insecure: [] }).ping(), /cannot reach registry registry.example.com:5000/);
  assert.deepEqual(asked, ["https://registry.example.com:5000/v2/"]);
  asked.length = 0;
  await assert.rejects(new RegistryClient("registry.example.com:5000", { fetch: recorder, insecure: ["registry.example.com:5000"] }).ping());
  assert.deepEqual(asked, ["https://registry.example.com:5000/v2/", "http://registry.example.com:5000/v2/"], "insecure: TLS first, then plain http");
});

test("a kept partial download that does not match is thrown away and fetched whole", async () => {
  const img = await busyboxImage("bad-prefix");
  const name = repo("bad-prefix");
  await pushImage(open.host, name, "v1", img);
  const p = await proxy(open.host);
  const images = service();
  const layer = img.layers[0];
  // What a crashed earlier process might have left: the right length of prefix, the wrong bytes.
  mkdirSync(join(images.store.root, "ingest"), { recursive: true });
  writeFileSync(images.store.partialPath(layer.digest), randomBytes(1000));
  const r = await images.pull(`${p.host}/${name}:v1`);
  assert.equal(r.image.id, img.configDigest);
  const gets = p.requests.filter((q) => q.method === "GET" && q.path.endsWith(`/blobs/${layer.digest}`));
  assert.deepEqual(gets.map((g) => g.range), ["bytes=1000-", undefined]);
  assert.deepEqual(await images.store.check(), []);
});

test("images written by skopeo (Docker schema2 and OCI) pull into Gantry and share its unpacked layers", async () => {
  // gzip layers only: Docker schema2 (which skopeo converts to) cannot carry zstd.
  const img = makeImage([await makeLayer(busyboxEntries()), await makeLayer([{ name: "hello.txt", type: "file", body: "skopeo-src\n" }])]);
  const src = repo("skopeo-src");
  await pushImage(open.host, src, "v1", img);
  const images = service();
  const first = await images.pull(`${open.host}/${src}:v1`);
  for (const format of ["v2s2", "oci"]) {
    const dst = repo(`skopeo-${format}`);
    await skopeo(["copy", "--format", format, `docker://${open.host}/${src}:v1`, `docker://${open.host}/${dst}:v1`]);
    const raw = JSON.parse(await skopeo(["inspect", "--raw", `docker://${open.host}/${dst}:v1`]));
    assert.equal(raw.mediaType, format === "oci" ? MediaTypes.ociManifest : MediaTypes.dockerManifest);
    const { Digest: digest } = JSON.parse(await skopeo(["inspect", `docker://${open.host}/${dst}:v1`]));
    const events: ProgressEvent[] = [];
    const r = await images.pull(`${open.host}/${dst}:v1`, { onProgress: (e) => events.push(e) });
    assert.equal(r.digest, digest, format);
    // skopeo keeps the config bytes, so it is the same image (one id), now also known by the new name and digest.
    assert.equal(r.image.id, first.image.id);
    assert.ok(r.image.repoDigests.includes(`${open.host}/${dst}@${digest}`), r.image.repoDigests.join(" "));
    assert.deepEqual(r.image.layers.map((l) => l.chainId), first.image.layers.map((l) => l.chainId), "same content, same ChainIDs");
    assert.deepEqual(r.image.layers.map((l) => l.path), first.image.layers.map((l) => l.path), "unpacked once, shared");
    assert.equal(events.filter((e) => e.status === "Already exists").length, img.layers.length, format);
    assert.equal(readFileSync(join(r.image.layers[1].path, "hello.txt"), "utf8"), "skopeo-src\n");
  }
  assert.deepEqual(await images.store.check(), []);
});
