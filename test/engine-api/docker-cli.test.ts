// The Docker-compatible Engine API driven by the real docker CLI (28.x) against a standalone gantry-agent with its own
// GANTRY_ROOT and socket: version negotiation, pull/images/tag/rmi from a Debian docker-registry, login + push to an
// htpasswd registry (checked with skopeo), a multi-stage build (config and files checked through inspect and save),
// the step cache, build errors, save | load, history and image prune.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentProcess } from "../support/agent";
import { dockerCli, dockerClientEnv, networkingEnv, pushBusybox, removeNetworking, startEngineAgent, testNetworking, type TestNetworking } from "../support/docker-cli";
import { skopeo } from "../support/images";
import { startRegistry, type TestRegistry } from "../support/registry";

/** One request on the agent's socket, for what the CLI hides (headers, raw error bodies). */
function raw(socketPath: string, method: string, path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the Docker Engine API through the docker CLI", () => {
  let work: string;
  let agent: AgentProcess;
  let socket: string;
  let open: TestRegistry;
  let locked: TestRegistry;
  let base: string;
  // RUN steps are on the default bridge: a bridge and chains of this file's own, not the host's gantry0.
  let net: TestNetworking;
  const env: Record<string, string> = {};

  const { docker, ok } = dockerCli(env, { cwd: () => work, timeout: 120_000 });
  const inspect = async (name: string, format: string) => (await ok(["image", "inspect", "--format", format, name])).trim();

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "gantry-engine-api-"));
    socket = join(work, "run", "docker.sock");
    Object.assign(env, dockerClientEnv(work, socket, { DOCKER_BUILDKIT: "0" }));
    [open, locked] = await Promise.all([startRegistry("open"), startRegistry("htpasswd", { alice: "wonderland" })]);
    base = await pushBusybox(open.host);
    net = testNetworking("gci");
    agent = await startEngineAgent(join(work, "root"), socket, networkingEnv(net));
  });

  after(async () => {
    await agent?.stop();
    await Promise.all([open?.stop(), locked?.stop()]);
    if (net) await removeNetworking(join(work, "root"), net);
    rmSync(work, { recursive: true, force: true });
  });

  test("the CLI negotiates down to the offered API version; ping headers, unknown routes and bad versions answer as dockerd does", async () => {
    const version = await ok(["version"]);
    assert.match(version, /API version:\s+1\.43 \(downgraded from 1\.\d+\)/);
    assert.match(version, /Server: Gantry Engine/);
    assert.match(version, /API version:\s+1\.43 \(minimum version 1\.24\)/);

    assert.equal((await ok(["version", "--format", "{{.Client.APIVersion}} {{.Server.APIVersion}}"], { env: { DOCKER_API_VERSION: "1.41" } })).trim(), "1.41 1.43");
    const tooNew = await docker(["images"], { env: { DOCKER_API_VERSION: "1.99" } });
    assert.notEqual(tooNew.code, 0);
    assert.match(tooNew.stderr, /client version 1\.99 is too new\. Maximum supported API version is 1\.43/);
    const tooOld = await raw(socket, "GET", "/v1.12/images/json");
    assert.equal(tooOld.status, 400);
    assert.match(JSON.parse(tooOld.body).message, /client version 1\.12 is too old\. Minimum supported API version is 1\.24/);

    const ping = await raw(socket, "HEAD", "/_ping");
    assert.equal(ping.status, 200);
    assert.equal(ping.headers["api-version"], "1.43");
    assert.equal(ping.headers["ostype"], "linux");
    assert.equal(ping.headers["docker-experimental"], "false");
    assert.equal((await raw(socket, "GET", "/_ping")).body, "OK");

    const unknown = await raw(socket, "GET", "/v1.43/no/such/route");
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers["content-type"] ?? "", /application\/json/);
    assert.deepEqual(JSON.parse(unknown.body), { message: "page not found" });
    const missing = await raw(socket, "GET", "/images/nope:1/json");
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.body).message, "No such image: nope:1");
    const noRepo = await raw(socket, "POST", "/v1.43/images/nope/tag");
    assert.equal(noRepo.status, 400);
    assert.ok(JSON.parse(noRepo.body).message);

    const info = (await ok(["info", "--format", "{{.OSType}} {{.NCPU}} {{.DockerRootDir}}"])).trim();
    assert.match(info, new RegExp(`^linux [1-9][0-9]* ${join(work, "root")}$`));
  });

  test("bad input is a 400 (or 404) naming the problem, never a 500", async () => {
    const cases: [string, string, number, RegExp][] = [
      ["POST", "/images/create?fromImage=Bad//Name", 400, /invalid reference "Bad\/\/Name"/],
      ["POST", "/images/create", 400, /fromImage is required/],
      ["POST", "/images/create?fromSrc=-", 400, /the tar stream is empty/],
      ["POST", "/images/create?fromImage=busybox&platform=linux", 400, /invalid platform "linux"/],
      ["GET", "/images/json?filters=%7Bbad", 400, /invalid filters/],
      ["GET", "/images/json?filters=%7B%22color%22%3A%5B%22x%22%5D%7D", 400, /invalid filter 'color'/],
      ["POST", "/build?buildargs=%7Bx", 400, /buildargs is not valid JSON/],
      ["POST", "/build?version=2", 400, /BuildKit/],
      ["POST", "/build?remote=https%3A%2F%2Fexample.com%2Frepo.git", 400, /remote build contexts/],
      ["PUT", "/images/json", 404, /page not found/],
      ["GET", "/images/get", 400, /at least one image/],
      ["GET", "/images/nosuch:1/get", 404, /No such image: nosuch:1/],
      ["GET", "/images/nosuch:1/history", 404, /No such image: nosuch:1/],
      ["DELETE", "/images/nosuch:1", 404, /No such image: nosuch:1/],
      ["POST", "/images/nosuch:1/tag?repo=x", 404, /No such image: nosuch:1/],
      ["POST", "/images/prune?filters=%7B%22dangling%22%3A%5B%22maybe%22%5D%7D", 400, /dangling=maybe/],
    ];
    for (const [method, path, status, re] of cases) {
      const r = await raw(socket, method, path);
      assert.equal(r.status, status, `${method} ${path}: ${r.body}`);
      assert.match(JSON.parse(r.body).message, re, `${method} ${path}`);
    }
    const badAuth = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ socketPath: socket, method: "POST", path: "/auth", headers: { "content-type": "application/json" } }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end('{"username": 5}');
    });
    assert.equal(badAuth.status, 400);
    assert.match(JSON.parse(badAuth.body).message, /username must be a string/);
  });

  test("pull shows per-layer progress; images, tag, inspect, history and rmi", async () => {
    const pull = await ok(["pull", base]);
    assert.match(pull, /[0-9a-f]{12}: Pull complete/);
    assert.match(pull, /Digest: sha256:[0-9a-f]{64}/);
    assert.match(pull, new RegExp(`Status: Downloaded newer image for ${base}`));
    assert.match(await ok(["pull", base]), /Status: Image is up to date/);

    const id = await inspect(base, "{{.Id}}");
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.match(await ok(["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]), new RegExp(`${base} ${id.slice(7, 19)}`));

    await ok(["tag", base, "mybox:1"]);
    assert.equal(await inspect("mybox:1", "{{.Id}}"), id);
    assert.equal(await inspect("mybox:1", "{{json .Config.Cmd}}"), '["sh"]');
    assert.equal((await ok(["images", "--filter", "reference=mybox*", "--format", "{{.Repository}}:{{.Tag}}"])).trim(), "mybox:1");
    assert.match(await ok(["history", "mybox:1"]), /layer 0/);

    assert.match(await ok(["rmi", "mybox:1"]), /Untagged: mybox:1/);
    const gone = await docker(["image", "inspect", "mybox:1"]);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /No such image: mybox:1/);
    const notThere = await docker(["rmi", "nothing:here"]);
    assert.match(notThere.stderr, /No such image: nothing:here/);
  });

  test("login checks credentials against the registry; push sends the image, which skopeo reads back", async () => {
    const bad = await docker(["login", "-u", "alice", "--password-stdin", locked.host], { input: "wrong\n" });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /login attempt to .* failed|unauthorized/i);
    assert.match(await ok(["login", "-u", "alice", "--password-stdin", locked.host], { input: "wonderland\n" }), /Login Succeeded/);

    const target = `${locked.host}/team/app:v1`;
    await ok(["tag", base, target]);
    const push = await ok(["push", target]);
    assert.match(push, new RegExp(`The push refers to repository \\[${locked.host}/team/app\\]`));
    const digest = /v1: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(push)?.[1];
    assert.ok(digest, push);
    const seen = JSON.parse(await skopeo(["inspect", "--creds", "alice:wonderland", `docker://${target}`]));
    assert.equal(seen.Digest, digest);
    const anonymous = await skopeo(["inspect", `docker://${target}`]).then(
      () => "read",
      () => "refused",
    );
    assert.equal(anonymous, "refused", "the registry really requires the credentials");
    await ok(["rmi", target]);
    assert.match(await ok(["pull", target]), /Status: (Downloaded newer image|Image is up to date)/);
  });

  test("a multi-stage build: config, files, .dockerignore, ownership, the step cache, and errors with line numbers", async () => {
    const ctx = join(work, "ctx");
    mkdirSync(join(ctx, "src/sub"), { recursive: true });
    writeFileSync(join(ctx, "src/main.c"), "int main(void) { return 0; }\n");
    writeFileSync(join(ctx, "src/sub/data.txt"), "nested\n");
    writeFileSync(join(ctx, "src/debug.log"), "ignored\n");
    writeFileSync(join(ctx, "keep.log"), "kept by an exception\n");
    writeFileSync(join(ctx, "secret.txt"), "never sent\n");
    writeFileSync(join(ctx, ".dockerignore"), "secret.txt\n**/*.log\n!keep.log\n");
    writeFileSync(
      join(ctx, "Dockerfile"),
      [
        `ARG BASE=${base}`,
        "FROM ${BASE} AS build",
        "ARG FLAVOR=plain",
        "ENV OUT=/out",
        'RUN mkdir -p $OUT && echo "flavor=$FLAVOR" > $OUT/flavor.txt',
        "COPY src /src/",
        "RUN ls -R /src > $OUT/listing.txt \\",
        "  && echo done",
        "",
        "FROM ${BASE}",
        'LABEL org.example.name="demo app" version=1.0',
        "ENV MODE=release",
        "COPY --from=build --chown=app:app /out/ /opt/result/",
        "COPY keep.log src/*.c /opt/extra/",
        "WORKDIR /home/app",
        "USER app",
        'RUN id -u > whoami && pwd >> whoami && echo "$HOME" >> whoami',
        "EXPOSE 8080 53/udp",
        'ENTRYPOINT ["/bin/sh", "-c"]',
        'CMD ["cat /opt/result/flavor.txt"]',
      ].join("\n"),
    );
    const first = await ok(["build", "-t", "app:1", "--build-arg", "FLAVOR=spicy", "--label", "built.by=test", "."], { cwd: ctx });
    assert.match(first, /Step 1\/17 : FROM \$\{BASE\} AS build/);
    assert.match(first, /Successfully tagged app:1/);
    const id = await inspect("app:1", "{{.Id}}");

    const config = JSON.parse(await inspect("app:1", "{{json .Config}}"));
    assert.equal(config.User, "app");
    assert.equal(config.WorkingDir, "/home/app");
    assert.ok(config.Env.includes("MODE=release"));
    assert.ok(!config.Env.some((e: string) => e.startsWith("OUT=")), "ENV of the first stage stays there");
    assert.ok(!config.Env.some((e: string) => e.startsWith("FLAVOR=")), "build args are not kept in the image");
    assert.deepEqual(config.Entrypoint, ["/bin/sh", "-c"]);
    assert.deepEqual(config.Cmd, ["cat /opt/result/flavor.txt"]);
    assert.deepEqual(config.Labels, { "org.example.name": "demo app", version: "1.0", "built.by": "test" });
    assert.deepEqual(Object.keys(config.ExposedPorts).sort(), ["53/udp", "8080/tcp"]);

    // The files, read from `docker save`: every layer's entries, later layers winning.
    const files = await savedFiles("app:1");
    assert.equal(files.get("opt/result/flavor.txt")?.body, "flavor=spicy\n");
    assert.equal(files.get("opt/result/flavor.txt")?.owner, "1000/1000");
    assert.match(files.get("opt/result/listing.txt")?.body ?? "", /main\.c[\s\S]*data\.txt/);
    assert.doesNotMatch(files.get("opt/result/listing.txt")?.body ?? "", /debug\.log/);
    assert.equal(files.get("opt/extra/keep.log")?.body, "kept by an exception\n");
    assert.equal(files.get("opt/extra/main.c")?.owner, "0/0");
    assert.equal(files.get("home/app/whoami")?.body, "1000\n/home/app\n/home/app\n");
    assert.equal(files.get("home/app/whoami")?.owner, "1000/1000");
    assert.ok(![...files.keys()].some((f) => f.includes("secret.txt") || f.endsWith("debug.log")));
    assert.ok(!files.has("out/flavor.txt"), "the build stage's files are not in the final image");

    // Same context again: every step from the cache, same image.
    const second = await ok(["build", "-t", "app:1", "--build-arg", "FLAVOR=spicy", "--label", "built.by=test", "."], { cwd: ctx });
    assert.equal(second.match(/Using cache/g)?.length, 15, second);
    assert.equal(await inspect("app:1", "{{.Id}}"), id);
    // A changed source file misses the cache from its COPY on.
    writeFileSync(join(ctx, "src/main.c"), "int main(void) { return 1; }\n");
    const third = await ok(["build", "-t", "app:2", "--build-arg", "FLAVOR=spicy", "."], { cwd: ctx });
    assert.match(third, /Step 5\/17 : COPY src \/src\/\n ---> [0-9a-f]{12}/);
    // --target stops at a stage; --no-cache runs every step again.
    const staged = await ok(["build", "--target", "build", "-t", "stage:build", "."], { cwd: ctx });
    assert.match(staged, /Step 6\/6 : RUN/);
    assert.ok(JSON.parse(await inspect("stage:build", "{{json .Config.Env}}")).includes("OUT=/out"));
    assert.doesNotMatch(await ok(["build", "--no-cache", "--target", "build", "."], { cwd: ctx }), /Using cache/);
    const noTarget = await docker(["build", "--target", "nope", "."], { cwd: ctx });
    assert.match(noTarget.stderr, /failed to reach build target nope/);

    const failing = join(work, "failing");
    mkdirSync(failing);
    writeFileSync(join(failing, "Dockerfile"), `FROM ${base}\nRUN echo about to fail\nRUN exit 7\n`);
    const failed = await docker(["build", "."], { cwd: failing });
    assert.equal(failed.code, 7);
    assert.match(failed.stdout, /about to fail/);
    assert.match(failed.stderr, /The command '\/bin\/sh -c exit 7' returned a non-zero code: 7/);

    writeFileSync(join(failing, "Dockerfile"), `# a comment\nFROM ${open.host}/no/such-image:1\n`);
    const noBase = await docker(["build", "."], { cwd: failing });
    assert.notEqual(noBase.code, 0);
    assert.match(noBase.stdout + noBase.stderr, new RegExp(`Dockerfile:2: FROM: .*${open.host}/no/such-image`));

    writeFileSync(join(failing, "Dockerfile"), `FROM ${base}\nRUN true\nFORM scratch\n`);
    const syntax = await docker(["build", "."], { cwd: failing });
    assert.equal(syntax.code, 1);
    assert.match(syntax.stderr, /Dockerfile:3: unknown instruction: FORM/);
  });

  test("save | load round trip keeps the image id; history lists the steps; image prune removes dangling images", async () => {
    const id = await inspect("app:1", "{{.Id}}");
    const archive = join(work, "app.tar");
    await ok(["save", "-o", archive, "app:1"]);
    assert.match(await ok(["rmi", "app:1"]), /Untagged: app:1/);
    assert.match(await ok(["load", "-i", archive]), /Loaded image: app:1/);
    assert.equal(await inspect("app:1", "{{.Id}}"), id);

    const history = await ok(["history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Size}}", "app:1"]);
    const rows = history.trim().split("\n");
    assert.match(rows[0], /#\(nop\) LABEL built.by=test\|0B/, "--label is applied last");
    assert.match(rows[1], /#\(nop\) CMD \["cat \/opt\/result\/flavor.txt"\]\|0B/);
    assert.ok(rows.some((r) => /COPY --from=build --chown=app:app dir:[0-9a-f]{64} in \/opt\/result\//.test(r)), history);
    assert.ok(rows.some((r) => r.startsWith("id -u") || r.startsWith("/bin/sh -c id -u > whoami")), history);
    assert.match(rows.at(-1)!, /^layer 0\|/);

    // Rebuilding a tag leaves the old image dangling; prune takes it, tagged images stay.
    const ctx = join(work, "prune");
    mkdirSync(ctx);
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${base}\nLABEL round=1\n`);
    await ok(["build", "-q", "-t", "prune-me:1", "."], { cwd: ctx });
    const old = await inspect("prune-me:1", "{{.Id}}");
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${base}\nLABEL round=2\n`);
    await ok(["build", "-q", "-t", "prune-me:1", "."], { cwd: ctx });
    assert.match(await ok(["images", "--filter", "dangling=true", "--format", "{{.ID}}"]), new RegExp(old.slice(7, 19)));
    const pruned = await ok(["image", "prune", "-f"]);
    assert.match(pruned, new RegExp(`deleted: ${old}`));
    assert.match(pruned, /Total reclaimed space/);
    assert.equal((await ok(["images", "--filter", "dangling=true", "--format", "{{.ID}}"])).trim(), "");
    assert.equal(await inspect("app:1", "{{.Id}}"), id);
  });

  test("ADD unpacks local archives and fetches URLs; SHELL, HEALTHCHECK, STOPSIGNAL, ONBUILD, VOLUME are stored; a bare Dockerfile on stdin builds", async () => {
    const served = http.createServer((req, res) => {
      if (req.url !== "/files/served.txt") return void res.writeHead(404).end();
      res.writeHead(200, { "Last-Modified": "Tue, 01 Jan 2030 00:00:00 GMT" }).end("served over http\n");
    });
    await new Promise<void>((r) => served.listen(0, "127.0.0.1", r));
    const port = (served.address() as import("node:net").AddressInfo).port;
    try {
      const ctx = join(work, "ctx-add");
      mkdirSync(join(ctx, "payload/inner"), { recursive: true });
      writeFileSync(join(ctx, "payload/a.txt"), "a\n");
      writeFileSync(join(ctx, "payload/inner/b.txt"), "b\n");
      execFileSync("tar", ["-czf", join(ctx, "payload.tgz"), "-C", join(ctx, "payload"), "."]);
      writeFileSync(
        join(ctx, "Dockerfile"),
        [
          "# escape=`",
          `FROM ${base}`,
          "ADD payload.tgz /unpacked/",
          `ADD http://127.0.0.1:${port}/files/served.txt /fetched/`,
          "COPY --chmod=0750 payload/a.txt /modes/a.txt",
          'SHELL ["/bin/sh", "-ec"]',
          "RUN echo ran > /shell.txt `",
          "  && cat /unpacked/inner/b.txt /fetched/served.txt",
          'HEALTHCHECK --interval=5s --retries=2 CMD ["true"]',
          "STOPSIGNAL SIGTERM",
          "ONBUILD RUN echo child",
          "VOLUME /data",
        ].join("\n"),
      );
      const out = await ok(["build", "-t", "adds:1", "."], { cwd: ctx });
      assert.match(out, /b\nserved over http\n/);
      const config = JSON.parse(await inspect("adds:1", "{{json .Config}}"));
      assert.deepEqual(config.Shell, ["/bin/sh", "-ec"]);
      assert.deepEqual(config.Healthcheck, { Test: ["CMD", "true"], Interval: 5_000_000_000, Retries: 2 });
      assert.equal(config.StopSignal, "SIGTERM");
      assert.deepEqual(config.OnBuild, ["RUN echo child"]);
      assert.deepEqual(config.Volumes, { "/data": {} });
      const files = await savedFiles("adds:1");
      assert.equal(files.get("unpacked/inner/b.txt")?.body, "b\n");
      assert.ok(!files.has("unpacked/payload.tgz"), "the archive itself is not copied");
      assert.equal(files.get("fetched/served.txt")?.body, "served over http\n");
      assert.equal(files.get("modes/a.txt")?.mode, "-rwxr-x---");
      assert.equal(files.get("shell.txt")?.body, "ran\n");

      // A child of adds:1 runs its ONBUILD trigger first and does not inherit it.
      const child = await ok(["build", "-t", "child:1", "-"], { input: "FROM adds:1\nLABEL child=yes\n" });
      assert.match(child, /# Executing 1 build trigger\n[\s\S]*\nchild\n/);
      assert.equal(await inspect("child:1", "{{json .Config.OnBuild}}"), "null");

      const stdin = await ok(["build", "-t", "stdin:1", "-"], { input: `FROM ${base}\nRUN echo from-stdin > /marker\n` });
      assert.match(stdin, /Successfully tagged stdin:1/);
      assert.equal((await savedFiles("stdin:1")).get("marker")?.body, "from-stdin\n");

      // FROM scratch with no /etc/passwd: RUN as uid 0, HOME=/.
      const bare = await ok(["build", "-t", "bare:1", "-"], {
        input: `FROM ${base} AS tools\nFROM scratch\nCOPY --from=tools /bin/busybox /busybox\nRUN ["/busybox", "sh", "-c", "/busybox id -u > /uid; echo $HOME >> /uid"]\n`,
      });
      assert.match(bare, /Successfully tagged bare:1/);
      assert.equal((await savedFiles("bare:1")).get("uid")?.body, "0\n/\n");

      // -f: a Dockerfile elsewhere in the context, or outside it (the CLI then sends a tar without its end blocks).
      mkdirSync(join(ctx, "sub"));
      writeFileSync(join(ctx, "sub/Dockerfile.dev"), `FROM ${base}\nCOPY payload/a.txt /from-sub\n`);
      assert.match(await ok(["build", "-f", "sub/Dockerfile.dev", "-t", "dash-f:1", "."], { cwd: ctx }), /Successfully tagged dash-f:1/);
      writeFileSync(join(work, "Dockerfile.outside"), `FROM ${base}\nCOPY payload/a.txt /from-outside\n`);
      assert.match(await ok(["build", "-f", join(work, "Dockerfile.outside"), "-t", "dash-f:2", "."], { cwd: ctx }), /Successfully tagged dash-f:2/);
      assert.equal((await savedFiles("dash-f:2")).get("from-outside")?.body, "a\n");
    } finally {
      served.close();
    }
  });

  test("symlinks in the context or the image never lead COPY outside its roots", async () => {
    const outside = join(work, `outside-${process.pid}`);
    mkdirSync(outside);
    writeFileSync(join(outside, "host-secret"), "host only\n");
    const ctx = join(work, "ctx-links");
    mkdirSync(ctx);
    writeFileSync(join(ctx, "f.txt"), "payload\n");
    // A context symlink to a host file: followed inside the context only, so it names nothing.
    symlinkSync(join(outside, "host-secret"), join(ctx, "escape"));
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${base}\nCOPY escape /got\n`);
    const refused = await docker(["build", "."], { cwd: ctx });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Dockerfile:2: COPY failed: file not found in build context/);

    // An image symlink to an absolute host path: COPY through it lands inside the image, never on the host.
    const landing = join(outside, "landing");
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${base}\nRUN ln -s ${landing} /evil && ln -s ../../../../.. /up\nCOPY f.txt /evil/f.txt\nCOPY f.txt /up${landing}/g.txt\n`);
    await ok(["build", "-t", "links:1", "."], { cwd: ctx });
    assert.equal(existsSync(landing), false, "nothing was written on the host");
    const files = await savedFiles("links:1");
    assert.equal(files.get(`${landing.slice(1)}/f.txt`)?.body, "payload\n");
    assert.equal(files.get(`${landing.slice(1)}/g.txt`)?.body, "payload\n");
  });

  test("docker load takes an OCI image layout and skopeo's docker-archive; skopeo reads docker save's archive", async () => {
    const archive = join(work, "oci.tar");
    await skopeo(["copy", `docker://${base}`, `oci-archive:${archive}:example.com/oci/busybox:v9`]);
    assert.match(await ok(["load", "-i", archive]), /Loaded image: example.com\/oci\/busybox:v9/);
    assert.equal(await inspect("example.com/oci/busybox:v9", "{{json .Config.Cmd}}"), '["sh"]');
    // skopeo writes docker-archive its own way (layer.tar links), and reads what docker save writes.
    const skopeoArchive = join(work, "skopeo.tar");
    await skopeo(["copy", `docker://${base}`, `docker-archive:${skopeoArchive}:skopeo/bb:2`]);
    assert.match(await ok(["load", "-i", skopeoArchive]), /Loaded image: skopeo\/bb:2/);
    const saved = join(work, "saved.tar");
    await ok(["save", "-o", saved, "skopeo/bb:2"]);
    const seen = JSON.parse(execFileSync("skopeo", ["--insecure-policy", "inspect", `docker-archive:${saved}`], { encoding: "utf8" }));
    assert.deepEqual(seen.Layers, JSON.parse(await inspect("skopeo/bb:2", "{{json .RootFS.Layers}}")));
    const broken = join(work, "broken.tar");
    writeFileSync(broken, "this is not a tar archive at all");
    const r = await docker(["load", "-i", broken]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not an image archive/);
  });

  /** Files of an image as `docker save` writes them: path → body (regular files) and owner "uid/gid". */
  async function savedFiles(name: string): Promise<Map<string, { body: string | null; owner: string; mode: string }>> {
    const dir = mkdtempSync(join(work, "save-"));
    await ok(["save", "-o", join(dir, "image.tar"), name]);
    execFileSync("tar", ["-xf", join(dir, "image.tar"), "-C", dir]);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { Layers: string[] }[];
    const files = new Map<string, { body: string | null; owner: string; mode: string }>();
    for (const layer of manifest[0].Layers) {
      const out = join(dir, "x");
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out);
      const listing = execFileSync("tar", ["-tvf", join(dir, layer), "--numeric-owner"], { encoding: "utf8" });
      execFileSync("tar", ["-xf", join(dir, layer), "-C", out, "--numeric-owner"]);
      for (const line of listing.trim().split("\n").filter(Boolean)) {
        const m = /^((\S)\S+)\s+(\d+\/\d+)\s+\d+\s+\S+\s+\S+\s+(.+?)(?: -> .*)?$/.exec(line);
        if (!m) continue;
        const path = m[4].replace(/\/$/, "");
        files.set(path, { body: m[2] === "-" ? readFileSync(join(out, path), "utf8") : null, owner: m[3], mode: m[1] });
      }
    }
    assert.ok(readdirSync(dir).includes("repositories"));
    return files;
  }
});
