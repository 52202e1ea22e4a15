// Commit over real overlay snapshots: a container filesystem's changes (new files, deletions, a replaced directory)
// become one layer with OCI whiteouts, the image gets the --change'd config and a history record, and a snapshot of
// the new image shows exactly the committed filesystem.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { applyChanges, CommitChangeError, commitContainer } from "../../agent/image-builder/commit";
import { createImageEngine, type ImageEngine } from "../../agent/images/engine";
import { readTar } from "../../agent/layers/tar";
import { busyboxEntries, tarOf } from "../support/images";

let root: string;
let engine: ImageEngine;
const platform = { os: "linux", architecture: "amd64" };

before(() => {
  root = mkdtempSync(join(tmpdir(), "gantry-commit-"));
  engine = createImageEngine({ root });
});

after(async () => {
  for (const s of await engine.snapshots.list()) await engine.snapshots.remove(s.id);
  rmSync(root, { recursive: true, force: true });
});

test("commit turns a snapshot's upper dir into a layer with whiteouts and an image with the changed config", async () => {
  const tar = tarOf([
    ...busyboxEntries(),
    { name: "data/", type: "directory", mode: 0o755 },
    { name: "data/keep", type: "file", mode: 0o644, body: "keep\n" },
    { name: "data/drop", type: "file", mode: 0o644, body: "drop\n" },
    { name: "olddir/", type: "directory", mode: 0o755 },
    { name: "olddir/x", type: "file", mode: 0o644, body: "x\n" },
  ]);
  const layer = await engine.images.importLayer(Readable.from([tar]), { parentChainId: null });
  const base = await engine.images.createImage({
    config: { ...platform, config: { Cmd: ["sh"], Env: ["PATH=/bin"] }, history: [{ created_by: "base layer" }] },
    layers: [layer],
    tags: ["commit-base:1"],
  });

  const snap = await engine.snapshots.prepare("commit-c1", base.id);
  writeFileSync(join(snap.rootfs, "new.txt"), "new\n");
  rmSync(join(snap.rootfs, "data/drop"));
  rmSync(join(snap.rootfs, "olddir"), { recursive: true });
  mkdirSync(join(snap.rootfs, "olddir"));
  writeFileSync(join(snap.rootfs, "olddir/y"), "y\n");

  const image = await commitContainer(engine, "commit-c1", platform, {
    changes: ['CMD ["echo", "hi"]', "ENV GREETING=hello", "EXPOSE 8080", "LABEL tier=web", "WORKDIR /srv"],
    comment: "a snapshot",
    author: "tester",
    tags: ["committed:1"],
    now: new Date("2030-01-02T03:04:05Z"),
  });
  assert.deepEqual(image.repoTags, ["committed:1"]);
  assert.equal(image.parentId, base.id);
  const cfg = image.config.config!;
  assert.deepEqual(cfg.Cmd, ["echo", "hi"]);
  assert.deepEqual(cfg.Env, ["PATH=/bin", "GREETING=hello"]);
  assert.deepEqual(cfg.ExposedPorts, { "8080/tcp": {} });
  assert.deepEqual(cfg.Labels, { tier: "web" });
  assert.equal(cfg.WorkingDir, "/srv");
  assert.equal(image.config.created, "2030-01-02T03:04:05.000Z");
  assert.equal(image.config.author, "tester");
  assert.deepEqual(image.config.history!.at(-1), {
    created: "2030-01-02T03:04:05.000Z",
    created_by: 'commit --change CMD ["echo", "hi"] --change ENV GREETING=hello --change EXPOSE 8080 --change LABEL tier=web --change WORKDIR /srv',
    comment: "a snapshot",
    author: "tester",
  });
  assert.equal(image.layers.length, 2);
  assert.equal(image.layers[0].diffId, layer.diffId);

  // The new layer holds the changes only, deletions as whiteouts, the replaced directory as opaque.
  const names: string[] = [];
  await readTar(await engine.images.openLayerTar(image.layers[1].diffId), async ({ header }) => {
    names.push(header.name.replace(/\/$/, ""));
  });
  assert.ok(names.includes("new.txt"), names.join(" "));
  assert.ok(names.includes("data/.wh.drop"), names.join(" "));
  assert.ok(names.includes("olddir/.wh..wh..opq"), names.join(" "));
  assert.ok(names.includes("olddir/y"), names.join(" "));
  assert.ok(!names.includes("data/keep") && !names.includes("bin/busybox"), "unchanged files are not in the layer");

  // A container of the committed image sees exactly the committed filesystem.
  const again = await engine.snapshots.prepare("commit-c2", "committed:1");
  assert.equal(readFileSync(join(again.rootfs, "new.txt"), "utf8"), "new\n");
  assert.equal(readFileSync(join(again.rootfs, "data/keep"), "utf8"), "keep\n");
  assert.equal(existsSync(join(again.rootfs, "data/drop")), false);
  assert.deepEqual(readdirSync(join(again.rootfs, "olddir")), ["y"]);
  await engine.snapshots.remove("commit-c2");
  await engine.snapshots.remove("commit-c1");
});

test("--change lines are checked: only config instructions, valid values, named in the error", () => {
  const cfg = { Cmd: ["sh"], Env: ["HOME=/root"] };
  assert.deepEqual(applyChanges(cfg, ["ENV DIR=$HOME/app", "ENTRYPOINT /bin/run"]), {
    Cmd: null,
    Env: ["HOME=/root", "DIR=/root/app"],
    Entrypoint: ["/bin/sh", "-c", "/bin/run"],
  });
  assert.deepEqual(cfg, { Cmd: ["sh"], Env: ["HOME=/root"] }, "the base config is not modified");
  assert.throws(() => applyChanges(cfg, ["RUN rm -rf /"]), (e: unknown) => e instanceof CommitChangeError && /RUN is not a valid change command/.test(e.message));
  assert.throws(() => applyChanges(cfg, ["FORM x"]), (e: unknown) => e instanceof CommitChangeError && /unknown instruction: FORM/.test(e.message));
  assert.throws(() => applyChanges(cfg, ["EXPOSE http"]), (e: unknown) => e instanceof CommitChangeError && /invalid port "http"/.test(e.message));
  assert.throws(() => applyChanges(cfg, [""]), (e: unknown) => e instanceof CommitChangeError && /empty/.test(e.message));
});
