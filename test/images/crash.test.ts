// Kill the pulling process mid-download (SIGKILL: no cleanup of any kind), start it again: the pull resumes
// where the partial blob stopped, completes, and the store is consistent; before that, nothing half-made shows.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { GantryImageService } from "../../agent/images/image-service.ts";
import { startProxy, startRegistry, type TestRegistry } from "../support/registry.ts";
import { busyboxEntries, makeImage, makeLayer, pushImage } from "../support/images.ts";
import { REPO_ROOT } from "../support/bundle.ts";

let registry: TestRegistry;
before(async () => {
  registry = await startRegistry("open");
});
after(async () => {
  await registry?.stop();
});

interface Run {
  lines: Record<string, unknown>[];
  exited: Promise<number>;
  kill(): void;
  waitFor(pred: (l: Record<string, unknown>) => boolean): Promise<void>;
}

function pullProcess(root: string, ref: string): Run {
  const child = spawn(process.execPath, ["--import", "tsx", "test/images/fixtures/pull.ts", root, ref], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] });
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout! }).on("line", (l) => {
    try {
      lines.push(JSON.parse(l));
    } catch {
      lines.push({ text: l });
    }
    for (const w of waiters) w();
  });
  const exited = new Promise<number>((r) => child.once("exit", (code, sig) => r(code ?? (sig === "SIGKILL" ? 137 : 1))));
  return {
    lines,
    exited,
    kill: () => child.kill("SIGKILL"),
    waitFor(pred) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (lines.some(pred)) resolve();
        };
        waiters.push(check);
        exited.then(() => reject(new Error(`pull exited first: ${JSON.stringify(lines.slice(-3))}`)));
        setTimeout(() => reject(new Error(`timed out: ${JSON.stringify(lines.slice(-3))}`)), 60_000).unref();
        check();
      });
    },
  };
}

test("SIGKILL mid-pull, restart: the pull resumes, completes, and the store is consistent", async () => {
  const big = await makeLayer([{ name: "big.bin", type: "file", body: randomBytes(8 * 1024 * 1024) }], "gzip");
  const img = makeImage([await makeLayer(busyboxEntries()), big]);
  const name = `gantry-test/crash-${process.pid}`;
  await pushImage(registry.host, name, "v1", img);
  const slow = { throttleMs: (r: { path: string }) => (r.path.endsWith(`/blobs/${big.digest}`) ? 4 : 0) };
  const proxy = await startProxy(registry.host, slow);
  const root = mkdtempSync(join(tmpdir(), "gantry-crash-"));
  try {
    const ref = `${proxy.host}/${name}:v1`;
    const first = pullProcess(root, ref);
    const id = big.digest.slice(7, 19);
    await first.waitFor((l) => l.id === id && l.status === "Downloading" && ((l.progressDetail as { current: number })?.current ?? 0) > 1024 * 1024);
    first.kill();
    assert.equal(await first.exited, 137);

    // After the crash: no image, no name, a partial download left to resume.
    const images = new GantryImageService({ root });
    assert.deepEqual(await images.list(), []);
    assert.deepEqual(await images.store.refs(), {});
    await images.list(); // the store's start-up sweep has run: the dead process's lock is gone, its partial kept
    assert.deepEqual(readdirSync(join(root, "images/ingest")).filter((f) => f.endsWith(".lock")), []);
    const partial = images.store.partialPath(big.digest);
    assert.ok(existsSync(partial), `partial download kept: ${readdirSync(join(root, "images/ingest"))}`);
    const had = statSync(partial).size;
    assert.ok(had > 0 && had < big.blob.length, `partial holds ${had} bytes`);

    proxy.hooks.throttleMs = undefined;
    const second = pullProcess(root, ref);
    assert.equal(await second.exited, 0, JSON.stringify(second.lines.slice(-3)));
    assert.deepEqual(second.lines.at(-1), { done: img.configDigest });
    const gets = proxy.requests.filter((r) => r.method === "GET" && r.path.endsWith(`/blobs/${big.digest}`));
    assert.equal(gets.length, 2);
    const from = Number(/^bytes=(\d+)-$/.exec(gets[1].range ?? "")?.[1]);
    assert.ok(from >= had - 64 * 1024 && from <= had, `resumed at ${gets[1].range}, partial had ${had}`);

    assert.deepEqual(await images.store.check(), []);
    assert.deepEqual((await images.list()).map((i) => i.id), [img.configDigest]);
    assert.deepEqual(readdirSync(join(root, "images/ingest")), []);
    assert.deepEqual(readdirSync(join(root, "images/tmp")), []);
  } finally {
    await proxy.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test("two processes pulling one image into one store fetch each blob once", async () => {
  const img = makeImage([await makeLayer(busyboxEntries()), await makeLayer([{ name: "big.bin", type: "file", body: randomBytes(4 * 1024 * 1024) }], "gzip")]);
  const name = `gantry-test/two-procs-${process.pid}`;
  await pushImage(registry.host, name, "v1", img);
  const proxy = await startProxy(registry.host, { throttleMs: (r) => (r.path.includes("/blobs/") ? 3 : 0) });
  const root = mkdtempSync(join(tmpdir(), "gantry-2proc-"));
  try {
    const ref = `${proxy.host}/${name}:v1`;
    const a = pullProcess(root, ref);
    const b = pullProcess(root, ref);
    assert.deepEqual(await Promise.all([a.exited, b.exited]), [0, 0], JSON.stringify([a.lines.at(-1), b.lines.at(-1)]));
    assert.deepEqual(a.lines.at(-1), { done: img.configDigest });
    assert.deepEqual(b.lines.at(-1), { done: img.configDigest });
    for (const d of [img.configDigest, ...img.layers.map((l) => l.digest)]) assert.equal(proxy.count("GET", `/blobs/${d}`), 1, `blob ${d} fetched once`);
    const images = new GantryImageService({ root });
    assert.deepEqual(await images.store.check(), []);
    assert.equal((await images.list()).length, 1);
  } finally {
    await proxy.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
