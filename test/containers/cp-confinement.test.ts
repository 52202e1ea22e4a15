// docker cp stays inside the container's root, through the real docker CLI against a standalone agent: symlinks made
// in the container (absolute to a host secret, to "/", relative with more ".." than the root is deep) lead to the
// container's own files or to a clean error, never to the host's — both ways (GET/HEAD and PUT /archive), and while
// the container swaps a directory for a symlink to a host directory in a loop (CVE-2018-15664).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readTar } from "../../agent/layers/tar";
import type { AgentProcess } from "../support/agent";
import { dockerCli, dockerClientEnv, networkingEnv, pushBusybox, removeNetworking, startEngineAgent, testNetworking, type TestNetworking } from "../support/docker-cli";
import { startRegistry, type TestRegistry } from "../support/registry";

/** The entries of a tar (names, link targets, bodies). */
async function entries(tar: Buffer): Promise<{ name: string; type: string; linkname: string; body: string }[]> {
  const out: { name: string; type: string; linkname: string; body: string }[] = [];
  async function* source() {
    yield tar;
  }
  await readTar(source(), async ({ header }, body) => {
    const parts: Buffer[] = [];
    for await (const b of body) parts.push(b);
    out.push({ name: header.name, type: header.type, linkname: header.linkname, body: Buffer.concat(parts).toString("latin1") });
  });
  return out;
}

describe("docker cp stays inside the container", () => {
  let work: string;
  let root: string;
  let socket: string;
  let agent: AgentProcess;
  let registry: TestRegistry;
  let net: TestNetworking;
  /** A host directory with a secret that no copy may ever show, and that no copy may write into. */
  let hostDir: string;
  const SECRET = `HOST-SECRET-${process.pid}-${Date.now()}`;
  const env: Record<string, string> = {};
  const { docker, ok } = dockerCli(env);
  /** `docker cp SRC -` as raw bytes (a tar on success). */
  const cpOut = (src: string, follow = false) => docker(["cp", ...(follow ? ["-L"] : []), src, "-"]);
  // The host's own files the container's links name: their content must never come out.
  const hostShadow = readFileSync("/etc/shadow", "latin1").split("\n")[0]!;
  const hostHostname = readFileSync("/etc/hostname", "latin1").trim();

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "gantry-cp-"));
    root = join(work, "root");
    socket = join(work, "run", "docker.sock");
    hostDir = join(work, "host-only");
    mkdirSync(hostDir);
    writeFileSync(join(hostDir, "f"), `${SECRET}\n`);
    Object.assign(env, dockerClientEnv(work, socket));
    net = testNetworking("gcp");
    registry = await startRegistry("open");
    const image = await pushBusybox(registry.host);
    agent = await startEngineAgent(root, socket, networkingEnv(net));
    await ok(["pull", "-q", image]);
    await ok(["tag", image, "busybox"]);
  });

  after(async () => {
    const ids = (await docker(["ps", "-aq"])).stdout.split("\n").filter(Boolean);
    if (ids.length) await docker(["rm", "-f", ...ids]);
    await agent?.stop();
    await registry?.stop();
    if (net) await removeNetworking(root, net);
    rmSync(work, { recursive: true, force: true });
  });

  test("links to /etc/shadow, to / and up past the root read the container's files (GET, HEAD, -L); PUT through them writes the container's", async () => {
    const ups = "../".repeat(24);
    await ok(["run", "-d", "--name", "links", "--network", "none", "busybox", "sh", "-c",
      `echo container-shadow > /etc/shadow && echo container-hostname > /etc/hostname.own && ln -s /etc/shadow /leak && ln -s / /hostroot && ` +
      `mkdir -p /a/b && ln -s ${ups}etc /a/b/rel && ln -s ${hostDir} /hostdir && echo ready && exec sleep 300`]);
    for (let i = 0; i < 100 && !(await docker(["logs", "links"])).stdout.includes("ready"); i++) await new Promise((r) => setTimeout(r, 100));

    const noHost = (what: string, out: string) => {
      assert.ok(!out.includes(hostShadow), `${what}: the host's /etc/shadow came out`);
      assert.ok(!out.includes(SECRET), `${what}: the host directory's secret came out`);
    };

    // The link itself, as dockerd sends it.
    const leak = await cpOut("links:/leak");
    assert.equal(leak.code, 0, leak.stderr);
    noHost("cp /leak", leak.stdout);
    assert.deepEqual((await entries(Buffer.from(leak.stdout, "latin1"))).map((e) => [e.name, e.type, e.linkname]), [["leak", "symlink", "/etc/shadow"]]);
    // -L: the file the link leads to inside the container (the CLI asks for the linkTarget HEAD gave: /etc/shadow).
    const followed = await cpOut("links:/leak", true);
    assert.equal(followed.code, 0, followed.stderr);
    noHost("cp -L /leak", followed.stdout);
    assert.deepEqual((await entries(Buffer.from(followed.stdout, "latin1"))).map((e) => [e.name, e.body]), [["shadow", "container-shadow\n"]]);

    // Through "/" → the container's /etc.
    const viaRoot = await cpOut("links:/hostroot/etc/shadow");
    assert.equal(viaRoot.code, 0, viaRoot.stderr);
    noHost("cp /hostroot/etc/shadow", viaRoot.stdout);
    assert.equal((await entries(Buffer.from(viaRoot.stdout, "latin1")))[0]!.body, "container-shadow\n");
    const hostname = await cpOut("links:/hostroot/etc/hostname");
    if (hostname.code === 0) {
      for (const e of await entries(Buffer.from(hostname.stdout, "latin1"))) assert.notEqual(e.body.trim(), hostHostname, "the host's /etc/hostname came out");
    } else assert.match(hostname.stderr, /Could not find the file/);

    // Up past the root: ".." stops at the container's "/".
    const rel = await cpOut("links:/a/b/rel");
    assert.equal(rel.code, 0, rel.stderr);
    noHost("cp /a/b/rel", rel.stdout);
    assert.deepEqual((await entries(Buffer.from(rel.stdout, "latin1"))).map((e) => [e.name, e.type]), [["rel", "symlink"]]);
    const relDir = await cpOut("links:/a/b/rel", true);
    assert.equal(relDir.code, 0, relDir.stderr);
    noHost("cp -L /a/b/rel", relDir.stdout);
    const relNames = (await entries(Buffer.from(relDir.stdout, "latin1"))).map((e) => e.name);
    assert.ok(relNames.includes("etc/hostname.own") && relNames.includes("etc/shadow"), `the container's /etc: ${relNames.join(" ")}`);
    const relFile = await cpOut("links:/a/b/rel/shadow");
    assert.equal((await entries(Buffer.from(relFile.stdout, "latin1")))[0]!.body, "container-shadow\n");
    // A link to the host-only directory's path is dangling in the container: nothing, not the host's.
    const dangling = await cpOut(`links:/hostdir/f`);
    assert.notEqual(dangling.code, 0);
    noHost("cp /hostdir/f", dangling.stdout + dangling.stderr);

    // PUT: into a directory named through the links, the container's; never the host's.
    const local = join(work, "put-me.txt");
    writeFileSync(local, "from the test\n");
    await ok(["cp", local, "links:/hostroot/tmp/"]);
    await ok(["cp", local, "links:/a/b/rel/"]);
    await ok(["cp", local, "links:/hostroot"]);
    assert.equal(await ok(["exec", "links", "cat", "/tmp/put-me.txt", "/etc/put-me.txt", "/put-me.txt"]), "from the test\n".repeat(3));
    assert.deepEqual(readdirSync(hostDir), ["f"], "nothing was written into the host directory");
    for (const p of ["/tmp/put-me.txt", "/etc/put-me.txt", "/put-me.txt"]) {
      assert.throws(() => readFileSync(p), /ENOENT/, `${p} must not appear on the host`);
    }
    // A file of the archive over a symlink in the container replaces the link; it is not written through it.
    writeFileSync(join(work, "hostdir"), "replaced\n");
    await ok(["cp", join(work, "hostdir"), "links:/"]);
    assert.equal(readFileSync(join(hostDir, "f"), "utf8"), `${SECRET}\n`);
    assert.equal(await ok(["exec", "links", "cat", "/hostdir"]), "replaced\n");
  });

  test("a directory swapped for a symlink to a host directory in a loop: cp out and in never reaches the host", async () => {
    // The container flips /race/d between a directory holding f and a symlink to the host-only directory's path.
    await ok(["run", "-d", "--name", "race", "--network", "none", "busybox", "sh", "-c",
      `mkdir /race; i=0; while [ $i -lt 100000 ]; do mkdir /race/d 2>/dev/null; echo container-data > /race/d/f 2>/dev/null; ` +
      `rm -rf /race/d; ln -s ${hostDir} /race/d; rm -f /race/d; i=$((i+1)); done`]);
    const upload = join(work, "upload");
    mkdirSync(join(upload, "d"), { recursive: true });
    writeFileSync(join(upload, "d", "f"), "WRITTEN-BY-CP\n");
    let outputs = 0;
    for (let i = 0; i < 25; i++) {
      for (const src of ["race:/race", "race:/race/d/f", "race:/race/d"]) {
        const r = await cpOut(src);
        if (r.code === 0) outputs++;
        assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), `${src}: the host directory's file came out`);
      }
      await docker(["cp", join(upload, "d"), "race:/race/"]);
      assert.deepEqual(readdirSync(hostDir), ["f"], "cp into the container wrote into the host directory");
      assert.equal(readFileSync(join(hostDir, "f"), "utf8"), `${SECRET}\n`, "cp into the container overwrote a host file");
    }
    assert.ok(outputs > 0, "some copies succeeded (the race ran against real reads)");
  });
});
