// Where the Engine API once differed from dockerd 20.10 on images, builds and system routes (issue 12), checked through
// the docker CLI, dockerode and raw requests on a standalone agent's socket: swarm endpoints of a node outside a swarm,
// plugins of an engine with none, distribution inspect against a Debian docker-registry, load/save keeping the image
// config's bytes, import, build details (WORKDIR, stderr colour, extra hosts, cache-from, prune), docker diff, and
// the runtime a container asked for.
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import Docker from "dockerode";
import type { AgentProcess } from "../support/agent";
import { dockerCli, dockerClientEnv, networkingEnv, pushBusybox, removeNetworking, startEngineAgent, testNetworking, type TestNetworking } from "../support/docker-cli";
import { readTar } from "../../agent/layers/tar";
import { busyboxEntries, makeImage, makeLayer, pushIndex, tarOf } from "../support/images";
import { startRegistry, type TestRegistry } from "../support/registry";

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** One request on the agent's socket. */
function api(socketPath: string, method: string, path: string, opts: { body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString("utf8") });
      });
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

const sha256 = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** Every file of a tar stream, by name. */
async function tarFiles(tar: AsyncIterable<Buffer>): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  await readTar(tar, async (e, body) => {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c);
    out.set(e.header.name, Buffer.concat(chunks));
  });
  return out;
}
const base64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

describe("Engine API conformance with dockerd: images, builds and system routes", () => {
  let work: string;
  let root: string;
  let socket: string;
  let agent: AgentProcess;
  let open: TestRegistry;
  let locked: TestRegistry;
  let busybox: string;
  let docker: Docker;
  let net: TestNetworking;
  const env: Record<string, string> = {};
  const { docker: cli, ok } = dockerCli(env, { cwd: () => work, timeout: 120_000 });
  const call = (method: string, path: string, opts?: Parameters<typeof api>[3]) => api(socket, method, path, opts);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "gantry-conformance-"));
    root = join(work, "root");
    socket = join(work, "run", "docker.sock");
    net = testNetworking("gcf");
    Object.assign(env, dockerClientEnv(work, socket, { DOCKER_BUILDKIT: "0" }));
    [open, locked] = await Promise.all([startRegistry("open"), startRegistry("htpasswd", { alice: "wonderland" })]);
    busybox = await pushBusybox(open.host);
    agent = await startEngineAgent(root, socket, networkingEnv(net));
    docker = new Docker({ socketPath: socket });
    await ok(["pull", "-q", busybox]);
  });

  after(async () => {
    if (docker) for (const c of await docker.listContainers({ all: true }).catch(() => [])) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {});
    await agent?.stop();
    await Promise.all([open?.stop(), locked?.stop()]);
    if (net) await removeNetworking(root, net);
    rmSync(work, { recursive: true, force: true });
  });

  describe("images", () => {
    test("load keeps the image config byte for byte: the id is the sha256 of the tarball's config, and save writes those bytes", async () => {
      const layer = await makeLayer(busyboxEntries(), "none");
      // Key order, spacing and an unknown field no serializer of ours would produce: any re-serialisation changes the id.
      const config = Buffer.from(
        `{"os": "linux",  "architecture": "amd64",\n "x-extra": {"kept": true},\n "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]},\n` +
          ` "rootfs": {"type": "layers", "diff_ids": ["${layer.diffId}"]}, "created": "2026-01-02T03:04:05.5Z"}\n`,
      );
      const id = sha256(config);
      const hex = id.slice(7);
      const archive = tarOf([
        { name: "l1/", type: "directory", mode: 0o755 },
        { name: "l1/layer.tar", type: "file", mode: 0o644, body: layer.tar },
        { name: `${hex}.json`, type: "file", mode: 0o644, body: config },
        { name: "manifest.json", type: "file", mode: 0o644, body: JSON.stringify([{ Config: `${hex}.json`, RepoTags: ["kept:v1"], Layers: ["l1/layer.tar"] }]) },
      ]);
      const file = join(work, "kept.tar");
      writeFileSync(file, archive);
      assert.match(await ok(["load", "-i", file]), /Loaded image: kept:v1/);
      assert.equal((await ok(["image", "inspect", "--format", "{{.Id}}", "kept:v1"])).trim(), id);
      const saved = await tarFiles((await docker.getImage("kept:v1").get()) as AsyncIterable<Buffer>);
      const manifest = JSON.parse(saved.get("manifest.json")!.toString());
      assert.equal(manifest[0].Config, `${hex}.json`);
      assert.ok(saved.get(`${hex}.json`)!.equals(config), "save writes the config bytes that were loaded");
    });

    test("load of something that is not a tar answers as dockerd: a 200 stream ending in an error", async () => {
      const r = await call("POST", "/v1.43/images/load", { body: "not a tar at all\n", headers: { "content-type": "application/x-tar" } });
      assert.equal(r.status, 200);
      const last = JSON.parse(r.text.trim().split("\n").at(-1)!);
      assert.match(last.error, /Error processing tar file/);
      assert.equal(last.errorDetail.message, last.error);
      const viaCli = await cli(["load"], { input: "not a tar at all\n" });
      assert.equal(viaCli.code, 1);
      assert.match(viaCli.stderr, /Error processing tar file/);
    });

    test("import: a tarball (plain, gzip, zstd; from the body or a loopback URL) becomes a one-layer image with changes, message and platform", async () => {
      const rootfs = tarOf([
        ...busyboxEntries(),
        { name: "hello.txt", type: "file", mode: 0o644, body: "hello from an imported image\n" },
      ]);
      const gz = join(work, "rootfs.tar.gz");
      writeFileSync(gz, gzipSync(rootfs));
      const out = await ok(["import", "-m", "my message", "-c", 'CMD ["cat", "/hello.txt"]', "-c", "ENV GREETING=hi", gz, "imported:v1"]);
      const id = out.trim();
      assert.match(id, /^sha256:[0-9a-f]{64}$/);
      const img = await docker.getImage("imported:v1").inspect();
      assert.equal(img.Id, id);
      assert.equal(img.Comment, "my message");
      assert.deepEqual(img.Config.Cmd, ["cat", "/hello.txt"]);
      assert.ok(img.Config.Env?.includes("GREETING=hi"));
      assert.equal(img.Architecture, "amd64");
      assert.deepEqual(img.RootFS.Layers, [sha256(rootfs)]);
      const history = await docker.getImage("imported:v1").history();
      assert.equal(history.length, 1);
      assert.equal(history[0].Comment, "my message");
      assert.equal(await ok(["run", "--rm", "--network", "none", "imported:v1"]), "hello from an imported image\n");

      // The same tar, zstd-compressed, as the raw body, for another platform.
      const zst = join(work, "rootfs.tar.zst");
      writeFileSync(join(work, "rootfs.tar"), rootfs);
      execFileSync("zstd", ["-q", "-f", join(work, "rootfs.tar"), "-o", zst]);
      const raw = await call("POST", "/v1.43/images/create?fromSrc=-&repo=imported&tag=arm&platform=linux%2Farm64%2Fv8", {
        body: readFileSync(zst),
        headers: { "content-type": "application/x-tar" },
      });
      assert.equal(raw.status, 200, raw.text);
      const armId = JSON.parse(raw.text.trim().split("\n").at(-1)!).status;
      const arm = await docker.getImage("imported:arm").inspect();
      assert.equal(arm.Id, armId);
      assert.deepEqual([arm.Os, arm.Architecture, arm.Variant], ["linux", "arm64", "v8"]);
      assert.deepEqual(arm.RootFS.Layers, [sha256(rootfs)]);

      // From a URL on loopback.
      const server = http.createServer((_req, res) => res.end(gzipSync(rootfs)));
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      try {
        const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/rootfs.tar.gz`;
        const fromUrl = await ok(["import", url, "imported:url"]);
        // dockerd's lines: where it downloads from, then the new image's id.
        assert.match(fromUrl, /^Downloading from http:\/\/127\.0\.0\.1:\d+\/rootfs\.tar\.gz\nsha256:[0-9a-f]{64}\n$/);
        assert.deepEqual((await docker.getImage("imported:url").inspect()).RootFS.Layers, [sha256(rootfs)]);
      } finally {
        server.close();
      }

      const cases: [string, number, RegExp][] = [
        ["/images/create?fromSrc=-&changes=RUN%20x", 400, /RUN is not a valid change command/],
        ["/images/create?fromSrc=-&repo=Bad%2F%2Fx", 400, /invalid reference/],
        ["/images/create?fromSrc=-&repo=z&tag=sha256%3Aaa", 400, /invalid tag format/],
        ["/images/create?fromSrc=ftp%3A%2F%2F127.0.0.1%2Fx.tar", 400, /unsupported protocol scheme "ftp"/],
      ];
      for (const [path, status, re] of cases) {
        const r = await call("POST", path, { body: rootfs, headers: { "content-type": "application/x-tar" } });
        assert.equal(r.status, status, `${path}: ${r.text}`);
        assert.match(JSON.parse(r.text).message, re, path);
      }
      const notTar = await call("POST", "/images/create?fromSrc=-&repo=broken", { body: "not a tar", headers: { "content-type": "application/x-tar" } });
      assert.equal(notTar.status, 400, notTar.text);
      const empty = await call("POST", "/images/create?fromSrc=-&repo=broken");
      assert.equal(empty.status, 400, empty.text);
      assert.match(JSON.parse(empty.text).message, /the tar stream is empty/);
    });
  });

  describe("builds", () => {
    /** A build context of files, as the tar body POST /build takes. */
    const context = (files: Record<string, string>) => tarOf(Object.entries(files).map(([name, body]) => ({ name, type: "file" as const, mode: 0o644, body })));
    const lines = (text: string) => text.trim().split(/\r?\n/).map((l) => JSON.parse(l) as { stream?: string; error?: string; aux?: { ID: string } });

    test("RUN: WORKDIR with spaces is one path, stderr comes in the classic builder's red, /etc/hosts has the extra hosts and resolv.conf is there", async () => {
      const dockerfile = [
        `FROM ${busybox}`,
        "WORKDIR /a b",
        'RUN pwd > /where; echo out; echo err >&2; grep example /etc/hosts; echo "nameservers: $(grep -c nameserver /etc/resolv.conf)"',
      ].join("\n");
      const r = await call("POST", "/v1.43/build?t=spaces:v1&extrahosts=one.example%3A10.0.0.1&extrahosts=two.example%3A10.0.0.2", {
        body: context({ Dockerfile: dockerfile }),
        headers: { "content-type": "application/x-tar" },
      });
      assert.equal(r.status, 200, r.text);
      const msgs = lines(r.text);
      assert.ok(!msgs.some((m) => m.error), r.text);
      const streamed = msgs.map((m) => m.stream ?? "").join("");
      // dockerd's exact bytes for a write to stderr: ESC[91m, the text, ESC[0m.
      assert.ok(msgs.some((m) => m.stream === "\u001b[91merr\n\u001b[0m"), r.text);
      assert.match(streamed, /out\n/);
      assert.match(streamed, /10\.0\.0\.1\tone\.example\n10\.0\.0\.2\ttwo\.example\n/);
      assert.match(streamed, /nameservers: [1-9]/, "resolv.conf names at least one nameserver");
      assert.equal((await ok(["image", "inspect", "--format", "{{json .Config.WorkingDir}}", "spaces:v1"])).trim(), '"/a b"');
      assert.equal(await ok(["run", "--rm", "--network", "none", "spaces:v1", "cat", "/where"]), "/a b\n");

      // The bound files are not part of the step's layer (the base image has no /etc/hosts, hostname or resolv.conf).
      const saved = await tarFiles((await docker.getImage("spaces:v1").get()) as AsyncIterable<Buffer>);
      const manifest = JSON.parse(saved.get("manifest.json")!.toString()) as { Layers: string[] }[];
      const top = await tarFiles((async function* () {
        yield saved.get(manifest[0]!.Layers.at(-1)!)!;
      })());
      assert.ok(top.has("where"), [...top.keys()].join(" "));
      assert.deepEqual([...top.keys()].filter((n) => n.startsWith("etc")), []);

      // The CLI's --add-host reaches RUN the same way.
      writeFileSync(join(work, "Dockerfile.hosts"), `FROM ${busybox}\nRUN grep cli.example /etc/hosts\n`);
      const built = await ok(["build", "--no-cache", "--add-host", "cli.example:10.0.0.3", "-f", join(work, "Dockerfile.hosts"), work]);
      assert.match(built, /10\.0\.0\.3\s+cli\.example/);
      const bad = await call("POST", "/build?extrahosts=nocolon", { body: context({ Dockerfile: `FROM ${busybox}\n` }), headers: { "content-type": "application/x-tar" } });
      assert.equal(bad.status, 400, bad.text);
    });

    test("RUN steps are on the default bridge like a container (--network none keeps them to loopback)", async () => {
      // A server on the test's own bridge: its gateway address is the host's side of it.
      const gateway = net.defaultSubnet.replace(/\.0\/16$/, ".1");
      const server = http.createServer((_req, res) => res.end("reached the host over the bridge\n"));
      await new Promise<void>((r) => server.listen(0, "0.0.0.0", r));
      const port = (server.address() as { port: number }).port;
      try {
        const dir = join(work, "net-ctx");
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, "Dockerfile"), `FROM ${busybox}\nRUN printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${gateway} ${port} && grep "$(hostname)" /etc/hosts\n`);
        const out = await ok(["build", "--no-cache", dir]);
        assert.match(out, /^reached the host over the bridge$/m);
        assert.match(out, new RegExp(`^${net.defaultSubnet.split(".").slice(0, 2).join("\\.")}\\.\\d+\\.\\d+\\t[0-9a-f]{12}$`, "m"), "the step's own address names its hostname");
        const none = await cli(["build", "--no-cache", "--network", "none", dir]);
        assert.notEqual(none.code, 0, none.stdout);
        assert.doesNotMatch(none.stdout, /reached the host/);
      } finally {
        server.close();
      }
    });

    test("builder prune drops the step cache and deletes the step images nothing else needs", async () => {
      const dir = join(work, "prune-ctx");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "Dockerfile"), `FROM ${busybox}\nRUN echo cached > /c\nRUN echo step two > /d\n`);
      await ok(["build", "-t", "prunable:v1", dir]);
      const again = await ok(["build", "-t", "prunable:v1", dir]);
      assert.equal(again.match(/Using cache/g)?.length, 2);
      // The tag moves away: the step images are then only cache.
      await ok(["rmi", "prunable:v1"]);
      const pruned = await ok(["builder", "prune", "-f"]);
      assert.match(pruned, /Deleted build cache objects:\nsha256:[0-9a-f]{64}/);
      assert.match(pruned, /Total reclaimed space: [1-9]/);
      const raw = JSON.parse((await call("POST", "/v1.43/build/prune")).text);
      assert.deepEqual(raw, { CachesDeleted: null, SpaceReclaimed: 0 });
      const rebuilt = await ok(["build", "-t", "prunable:v1", dir]);
      assert.doesNotMatch(rebuilt, /Using cache/);
    });

    test("cache-from: steps are taken from a pulled image's history when the local cache has none", async () => {
      const dir = join(work, "cachefrom-ctx");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "data.txt"), "some data\n");
      writeFileSync(join(dir, "Dockerfile"), `FROM ${busybox}\nENV MODE=cached\nRUN echo ran-the-step && echo built > /built\nCOPY data.txt /data.txt\nCMD ["cat", "/built"]\n`);
      const ref = `${open.host}/cached:v1`;
      await ok(["build", "-t", ref, dir]);
      await ok(["push", ref]);
      const layers = await ok(["image", "inspect", "--format", "{{json .RootFS.Layers}}", ref]);
      // Nothing of the first build is left locally: the tag, its step images and the step cache.
      await ok(["rmi", ref]);
      await ok(["builder", "prune", "-f"]);
      await ok(["pull", "-q", ref]);
      const cold = await ok(["build", "--cache-from", ref, "-t", "fromcache:v1", dir]);
      assert.equal(cold.match(/Using cache/g)?.length, 4, cold);
      assert.doesNotMatch(cold, /^ran-the-step$/m);
      assert.doesNotMatch(cold, /Running in/);
      assert.equal(await ok(["image", "inspect", "--format", "{{json .RootFS.Layers}}", "fromcache:v1"]), layers);
      assert.equal(await ok(["run", "--rm", "--network", "none", "fromcache:v1"]), "built\n");
      // Without it, the step runs.
      await ok(["builder", "prune", "-f"]);
      const plain = await ok(["build", "--no-cache", "-t", "nocache:v1", dir]);
      assert.match(plain, /^ran-the-step$/m);
    });
  });

  describe("containers", () => {
    test("docker diff hides the files the engine bound into the container (/etc/hosts, hostname, resolv.conf and their /etc)", async () => {
      const name = `diff-${process.pid}`;
      await ok(["run", "--name", name, "--network", "none", busybox, "sh", "-c", "echo x > /tmp/made"]);
      assert.equal(await ok(["diff", name]), "C /tmp\nA /tmp/made\n");
      const etc = `diffetc-${process.pid}`;
      await ok(["run", "--name", etc, "--network", "none", busybox, "sh", "-c", "echo y > /etc/own"]);
      assert.equal(await ok(["diff", etc]), "C /etc\nA /etc/own\n");
    });
  });

  describe("runtimes", () => {
    test("the runtime a container asks for is kept in inspect; an unknown one is dockerd's 400", async () => {
      const asked = (await ok(["create", "--runtime", "runc", "--network", "none", busybox, "true"])).trim();
      assert.equal((await ok(["inspect", "--format", "{{.HostConfig.Runtime}}", asked])).trim(), "runc");
      const plain = (await ok(["create", "--network", "none", busybox, "true"])).trim();
      assert.equal((await ok(["inspect", "--format", "{{.HostConfig.Runtime}}", plain])).trim(), "gantry");
      assert.equal(await ok(["start", "-a", asked]), "");
      const unknown = await cli(["run", "--rm", "--runtime", "nosuch", "--network", "none", busybox, "true"]);
      assert.equal(unknown.code, 125);
      assert.match(unknown.stderr, /Error response from daemon: Unknown runtime specified nosuch/);
      const info = await docker.info();
      assert.deepEqual(Object.keys(info.Runtimes).sort(), ["gantry", "io.containerd.runc.v2", "runc"]);
    });

    test("real-time CPU limits reach the runtime: cpu.rt_period_us is set; a budget the host cannot give is refused by name", async () => {
      const rtFiles = existsSync("/sys/fs/cgroup/cpu/cpu.rt_period_us");
      const bad = await cli(["run", "--rm", "--cpu-rt-period", "1000", "--cpu-rt-runtime", "5000", "--network", "none", busybox, "true"]);
      assert.equal(bad.code, 125);
      assert.match(bad.stderr, /cpu real-time runtime cannot be higher than cpu real-time period/);
      if (!rtFiles) {
        // A cgroup v2 host (or a kernel without RT group scheduling): refused with the reason.
        const r = await cli(["run", "--rm", "--cpu-rt-period", "500000", "--network", "none", busybox, "true"]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /realtime|rt_period/i);
        return;
      }
      const id = (await ok(["run", "-d", "--cpu-rt-period", "500000", "--network", "none", busybox, "sleep", "30"])).trim();
      try {
        assert.equal((await ok(["inspect", "--format", "{{.HostConfig.CpuRealtimePeriod}} {{.HostConfig.CpuRealtimeRuntime}}", id])).trim(), "500000 0");
        assert.equal(readFileSync(`/sys/fs/cgroup/cpu/gantry/${id}/cpu.rt_period_us`, "utf8").trim(), "500000");
      } finally {
        await ok(["rm", "-f", id]);
      }
      // Gantry's parent cgroup holds no real-time budget (as dockerd's /docker holds none unless configured), so the
      // kernel refuses a container's share of it: the runtime's error names the file, as runc's does under dockerd.
      const over = await cli(["run", "--rm", "--cpu-rt-runtime", "95000", "--network", "none", busybox, "true"]);
      assert.notEqual(over.code, 0);
      assert.match(over.stderr, /cpu\.rt_runtime_us/);
    });
  });

  describe("system routes", () => {
    test("swarm endpoints answer as a dockerd outside a swarm: 503, and dockerd's parameter checks first", async () => {
      const notManager =
        'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
      const leave = await cli(["swarm", "leave"]);
      assert.equal(leave.code, 1);
      assert.match(leave.stderr, /Error response from daemon: This node is not part of a swarm/);
      const nodes = await cli(["node", "ls"]);
      assert.equal(nodes.code, 1);
      assert.ok(nodes.stderr.includes(notManager), nodes.stderr);
      const cases: [string, string, number, string][] = [
        ["POST", "/v1.43/swarm/leave", 503, "This node is not part of a swarm"],
        ["GET", "/v1.43/swarm", 503, notManager],
        ["GET", "/swarm/unlockkey", 503, notManager],
        ["POST", "/swarm/unlock", 503, notManager],
        ["POST", "/swarm/update", 400, `invalid swarm version '': strconv.ParseUint: parsing "": invalid syntax`],
        ["POST", "/swarm/update?version=3", 503, notManager],
        ["GET", "/nodes", 503, notManager],
        ["GET", "/nodes/n1", 503, notManager],
        ["DELETE", "/nodes/n1", 503, notManager],
        ["POST", "/nodes/n1/update?version=1", 503, notManager],
        ["GET", "/services", 503, notManager],
        ["POST", "/services/create", 503, notManager],
        ["GET", "/services/s1", 503, notManager],
        ["POST", "/services/s1/update", 400, `invalid service version '': strconv.ParseUint: parsing "": invalid syntax`],
        ["GET", "/services/s1/logs", 400, "Bad parameters: you must choose at least one stream"],
        ["GET", "/services/s1/logs?stdout=1", 503, notManager],
        ["GET", "/tasks", 503, notManager],
        ["GET", "/tasks/t1", 503, notManager],
        ["GET", "/tasks/t1/logs?stderr=true", 503, notManager],
        ["GET", "/secrets", 503, notManager],
        ["POST", "/secrets/create", 503, notManager],
        ["POST", "/secrets/x/update", 400, "invalid secret version"],
        ["DELETE", "/secrets/x", 503, notManager],
        ["GET", "/configs", 503, notManager],
        ["GET", "/configs/c1", 503, notManager],
        ["POST", "/configs/c1/update", 400, "invalid config version"],
        ["GET", "/nodes/n1/extra", 404, "page not found"],
      ];
      for (const [method, path, status, message] of cases) {
        const r = await call(method, path);
        assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
        assert.equal(JSON.parse(r.text).message, message, `${method} ${path}`);
      }
      const init = await call("POST", "/swarm/init", { body: JSON.stringify({ ListenAddr: "127.0.0.1:2377" }), headers: { "content-type": "application/json" } });
      assert.equal(init.status, 501);
      assert.match(JSON.parse(init.text).message, /does not implement swarm mode/);
    });

    test("plugins: an engine with none installed (empty list, not-found errors worded as dockerd's)", async () => {
      assert.equal((await ok(["plugin", "ls", "--format", "{{.Name}}"])).trim(), "");
      const inspect = await cli(["plugin", "inspect", "x"]);
      assert.equal(inspect.code, 1);
      assert.match(inspect.stderr, /Error response from daemon: plugin "x" not found/);
      const rm = await cli(["plugin", "rm", "vieux/sshfs:latest"]);
      assert.equal(rm.code, 1);
      assert.match(rm.stderr, /plugin "vieux\/sshfs:latest" not found/);
      assert.deepEqual(JSON.parse((await call("GET", "/plugins?filters=%7B%22enabled%22%3A%5B%22true%22%5D%7D")).text), []);
      const badFilter = await call("GET", "/plugins?filters=%7B%22bad%22%3A%5B%22x%22%5D%7D");
      assert.equal(badFilter.status, 400);
      assert.equal((await call("POST", "/plugins/x/enable?timeout=0")).status, 404);
      const install = await cli(["plugin", "install", "--grant-all-permissions", `${open.host}/someplugin`]);
      assert.equal(install.code, 1);
      assert.match(install.stderr, /does not support engine plugins/);
    });

    test("distribution inspect: a manifest's descriptor and platform, an index's platforms, credentials from X-Registry-Auth", async () => {
      const single = await call("GET", `/v1.43/distribution/${busybox}/json`);
      assert.equal(single.status, 200, single.text);
      const s = JSON.parse(single.text);
      // The registry's own digest of the manifest, as `docker pull` reports it.
      const pulled = (await ok(["image", "inspect", "--format", "{{index .RepoDigests 0}}", busybox])).trim();
      assert.equal(`${open.host}/busybox@${s.Descriptor.digest}`, pulled);
      assert.equal(s.Descriptor.mediaType, "application/vnd.oci.image.manifest.v1+json");
      assert.ok(s.Descriptor.size > 0);
      assert.deepEqual(s.Platforms, [{ architecture: "amd64", os: "linux" }]);

      const layer = await makeLayer(busyboxEntries());
      const amd = { os: "linux", architecture: "amd64" };
      const arm = { os: "linux", architecture: "arm64", variant: "v8" };
      const indexDigest = await pushIndex(open.host, "multi", "v1", [
        { image: makeImage([layer], { platform: amd }), platform: amd },
        { image: makeImage([layer], { platform: arm }), platform: arm },
      ]);
      const multi = await docker.getImage(`${open.host}/multi:v1`).distribution();
      assert.deepEqual(multi.Descriptor.digest, indexDigest);
      assert.equal(multi.Descriptor.mediaType, "application/vnd.oci.image.index.v1+json");
      assert.deepEqual(multi.Platforms, [
        { architecture: "amd64", os: "linux" },
        { architecture: "arm64", os: "linux", variant: "v8" },
      ]);
      const byDigest = JSON.parse((await call("GET", `/distribution/${open.host}/multi@${indexDigest}/json`)).text);
      assert.equal(byDigest.Descriptor.digest, indexDigest);

      const missing = await call("GET", `/distribution/${open.host}/nothere:1/json`);
      assert.equal(missing.status, 404);
      assert.match(JSON.parse(missing.text).message, /manifest unknown/);

      await ok(["tag", busybox, `${locked.host}/private:v1`]);
      const pushAuth = base64url({ username: "alice", password: "wonderland", serveraddress: locked.host });
      // Pushed with credentials on the request (the CLI's stored login is not involved).
      const pushed = await call("POST", `/images/${locked.host}/private/push?tag=v1`, { headers: { "X-Registry-Auth": pushAuth } });
      assert.equal(pushed.status, 200, pushed.text);
      assert.doesNotMatch(pushed.text, /errorDetail/);
      const anonymous = await call("GET", `/distribution/${locked.host}/private:v1/json`);
      assert.equal(anonymous.status, 401, anonymous.text);
      const authed = await call("GET", `/distribution/${locked.host}/private:v1/json`, { headers: { "X-Registry-Auth": pushAuth } });
      assert.equal(authed.status, 200, authed.text);
      assert.equal(JSON.parse(authed.text).Descriptor.digest, s.Descriptor.digest);
    });
  });
});
