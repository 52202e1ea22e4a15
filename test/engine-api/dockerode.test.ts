// The Docker Engine API through dockerode (5.x), the way a Node program drives Docker, against a standalone gantry-agent
// with its own GANTRY_ROOT, socket, bridge and iptables chains: pull from a Debian docker-registry, images, containers
// created with Env/Cmd/Labels/HostConfig, logs demultiplexed, attach and exec hijacked, the lifecycle verbs, events,
// stats, top, archives, networks, volumes, system routes, and the JSON error bodies dockerode turns into its errors.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import Docker from "dockerode";
import { readTar } from "../../agent/layers/tar";
import type { AgentProcess } from "../support/agent";
import { waitFor } from "../support/agent";
import { networkingEnv, pushBusybox, removeNetworking, startEngineAgent, testNetworking, type TestNetworking } from "../support/docker-cli";
import { tarOf } from "../support/images";
import { startRegistry, type TestRegistry } from "../support/registry";

/** An error dockerode rejects with: the HTTP status and the parsed {"message"} body. */
interface DockerodeError extends Error {
  statusCode: number;
  json: { message?: string } | null;
}

async function rejection(p: Promise<unknown>): Promise<DockerodeError> {
  try {
    await p;
  } catch (e) {
    return e as DockerodeError;
  }
  assert.fail("expected the call to fail");
}

/** Everything a readable stream carries until it ends (dockerode answers logs without `follow` as one Buffer). */
async function drain(s: NodeJS.ReadableStream | Buffer): Promise<Buffer> {
  if (Buffer.isBuffer(s)) return s;
  const chunks: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** A multiplexed stream split with dockerode's own demuxer: stdout and stderr, read until the stream ends. */
async function demuxed(docker: Docker, from: NodeJS.ReadableStream | Buffer): Promise<{ stdout: string; stderr: string }> {
  const stream = Buffer.isBuffer(from) ? Readable.from([from]) : from;
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (d) => (stdout += d));
  err.on("data", (d) => (stderr += d));
  docker.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", reject);
  });
  return { stdout, stderr };
}

describe("the Docker Engine API through dockerode", () => {
  let work: string;
  let root: string;
  let agent: AgentProcess;
  let registry: TestRegistry;
  let docker: Docker;
  let image: string;
  let net: TestNetworking;
  /** The progress of the first pull, made in `before`. */
  const firstPull: { status?: string; id?: string }[] = [];
  const run = `d${process.pid}`;
  const name = (n: string) => `${run}-${n}`;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "gantry-dockerode-"));
    root = join(work, "root");
    const socket = join(work, "run", "docker.sock");
    net = testNetworking("gdo");
    registry = await startRegistry("open");
    image = await pushBusybox(registry.host);
    agent = await startEngineAgent(root, socket, networkingEnv(net));
    docker = new Docker({ socketPath: socket });
    const stream = await docker.pull(image);
    await new Promise((resolve, reject) => docker.modem.followProgress(stream, (e, r) => (e ? reject(e) : resolve(r)), (ev) => firstPull.push(ev)));
  });

  after(async () => {
    if (docker) for (const c of await docker.listContainers({ all: true }).catch(() => [])) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {});
    await agent?.stop();
    await registry?.stop();
    if (net) await removeNetworking(root, net);
    rmSync(work, { recursive: true, force: true });
  });

  test("ping, version and info describe the agent", async () => {
    assert.equal((await docker.ping()).toString(), "OK");
    const v = await docker.version();
    assert.equal(v.ApiVersion, "1.43");
    assert.equal(v.MinAPIVersion, "1.24");
    assert.equal(v.Os, "linux");
    assert.equal(v.Components?.[0]?.Name, "Engine");
    const info = await docker.info();
    assert.equal(info.OSType, "linux");
    assert.equal(info.DockerRootDir, root);
    assert.ok(info.NCPU >= 1);
    assert.ok(info.MemTotal > 0);
    assert.ok(info.Images >= 1);
    assert.equal(info.Swarm.LocalNodeState, "inactive");
    assert.deepEqual(info.Plugins.Volume, ["local"]);
  });

  test("pull reports progress; listImages, tag, inspect and remove; a missing image is a 404 with its message", async () => {
    const statuses = firstPull.map((e) => e.status);
    assert.equal(statuses[0], "Pulling from busybox");
    assert.ok(firstPull.some((e) => e.status === "Pull complete" && /^[0-9a-f]{12}$/.test(e.id ?? "")), JSON.stringify(firstPull));
    assert.match(statuses.at(-2) ?? "", /^Digest: sha256:[0-9a-f]{64}$/);
    assert.equal(statuses.at(-1), `Status: Downloaded newer image for ${image}`);
    // Pulled again: the image is there already, and the progress says so.
    const events: { status?: string }[] = [];
    const stream = await docker.pull(image);
    await new Promise((resolve, reject) => docker.modem.followProgress(stream, (e, r) => (e ? reject(e) : resolve(r)), (ev) => events.push(ev)));
    assert.ok(events.some((e) => e.status === `Status: Image is up to date for ${image}`), JSON.stringify(events));

    const listed = await docker.listImages();
    const mine = listed.find((i) => i.RepoTags?.includes(image));
    assert.ok(mine, JSON.stringify(listed));
    assert.match(mine.Id, /^sha256:[0-9a-f]{64}$/);
    assert.ok(mine.Size > 0);

    await docker.getImage(image).tag({ repo: `${run}/box`, tag: "v1" });
    const tagged = await docker.getImage(`${run}/box:v1`).inspect();
    assert.equal(tagged.Id, mine.Id);
    assert.deepEqual(tagged.Config.Cmd, ["sh"]);
    const filtered = await docker.listImages({ filters: { reference: [`${run}/*`] } });
    assert.deepEqual(filtered.flatMap((i) => i.RepoTags ?? []), [`${run}/box:v1`]);
    assert.deepEqual(await docker.getImage(`${run}/box:v1`).remove(), [{ Untagged: `${run}/box:v1` }]);

    const missing = await rejection(docker.getImage(`${run}/box:v1`).inspect());
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json, { message: `No such image: ${run}/box:v1` });
    // A pull of an image the registry does not have fails as the call's own error, before any progress is streamed.
    const notThere = await rejection(docker.pull(`${registry.host}/${run}/absent:1`));
    assert.equal(notThere.statusCode, 404);
    assert.match(notThere.message, new RegExp(`manifest for ${registry.host}/${run}/absent:1 not found`));
  });

  test("push and pull with an authconfig to a registry that requires a login; wrong credentials end the stream with the registry's refusal", async () => {
    const locked = await startRegistry("htpasswd", { alice: "wonderland" });
    try {
      const repo = `${locked.host}/team/${run}`;
      await docker.getImage(image).tag({ repo, tag: "v1" });
      const progress = async (s: NodeJS.ReadableStream) => {
        const events: { error?: string; aux?: { Tag?: string; Digest?: string } }[] = [];
        await new Promise((resolve, reject) => docker.modem.followProgress(s, (e, r) => (e ? reject(e) : resolve(r)), (ev) => events.push(ev)));
        return events;
      };
      const refused = await progress(await docker.getImage(`${repo}:v1`).push({ authconfig: { username: "alice", password: "wrong", serveraddress: locked.host } }));
      assert.match(refused.at(-1)?.error ?? "", /refused the request as "alice"/);
      const pushed = await progress(await docker.getImage(`${repo}:v1`).push({ authconfig: { username: "alice", password: "wonderland", serveraddress: locked.host } }));
      const aux = pushed.find((e) => e.aux)?.aux;
      assert.equal(aux?.Tag, "v1");
      assert.match(aux?.Digest ?? "", /^sha256:[0-9a-f]{64}$/);

      await docker.getImage(`${repo}:v1`).remove();
      const anonymous = await rejection(docker.pull(`${repo}:v1`));
      assert.equal(anonymous.statusCode, 401);
      const pulled = await progress(await docker.pull(`${repo}:v1`, { authconfig: { username: "alice", password: "wonderland", serveraddress: locked.host } }));
      assert.ok(pulled.some((e) => (e as { status?: string }).status === `Digest: ${aux!.Digest}`), JSON.stringify(pulled));
      await docker.getImage(`${repo}:v1`).remove();
    } finally {
      await locked.stop();
    }
  });

  test("createContainer with Env, Cmd, Labels and HostConfig: inspect shows them, the published port answers on 127.0.0.1, logs/top/stats/list", async () => {
    const site = join(work, "site");
    mkdirSync(site);
    writeFileSync(join(site, "index.html"), "served from a bind mount\n");
    const c = await docker.createContainer({
      name: name("web"),
      Image: image,
      Env: ["GREETING=hello", "EMPTY="],
      Cmd: ["sh", "-c", 'echo "ready $GREETING"; echo warming >&2; exec httpd -f -p 8080 -h /site'],
      Labels: { suite: run, tier: "front" },
      ExposedPorts: { "8080/tcp": {} },
      HostConfig: {
        PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] },
        Memory: 64 * 1024 * 1024,
        Binds: [`${site}:/site:ro`],
        RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 },
      },
    });
    assert.match(c.id, /^[0-9a-f]{64}$/);
    await c.start();
    const info = await c.inspect();
    assert.equal(info.Name, `/${name("web")}`);
    assert.equal(info.State.Status, "running");
    assert.equal(info.State.Running, true);
    assert.ok(info.State.Pid > 0);
    assert.ok(info.Config.Env.includes("GREETING=hello") && info.Config.Env.includes("EMPTY="), info.Config.Env.join(" "));
    assert.deepEqual(info.Config.Cmd, ["sh", "-c", 'echo "ready $GREETING"; echo warming >&2; exec httpd -f -p 8080 -h /site']);
    assert.deepEqual(info.Config.Labels, { suite: run, tier: "front" });
    assert.equal(info.HostConfig.Memory, 64 * 1024 * 1024);
    assert.deepEqual(info.HostConfig.RestartPolicy, { Name: "on-failure", MaximumRetryCount: 3 });
    assert.deepEqual(info.HostConfig.Binds, [`${site}:/site:ro`]);
    const bind = info.Mounts.find((m) => m.Destination === "/site");
    assert.equal(bind?.Type, "bind");
    assert.equal(bind?.Source, site);
    assert.equal(bind?.RW, false);
    assert.match((info.NetworkSettings as unknown as { IPAddress: string }).IPAddress, /^10\.\d+\.\d+\.\d+$/);
    const binding = info.NetworkSettings.Ports["8080/tcp"]?.[0];
    assert.equal(binding?.HostIp, "127.0.0.1");
    assert.match(binding?.HostPort ?? "", /^\d+$/);

    const body = await waitFor("the published port", async () => {
      const res = await fetch(`http://127.0.0.1:${binding!.HostPort}/index.html`);
      return res.ok ? res.text() : undefined;
    });
    assert.equal(body, "served from a bind mount\n");

    // The logs as dockerode's demuxer splits them; timestamps lead each line.
    const logs = await demuxed(docker, (await c.logs({ stdout: true, stderr: true, timestamps: true, follow: false })));
    assert.match(logs.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z ready hello\n$/);
    assert.match(logs.stderr, /^\d{4}-\d\d-\d\dT[\d:.]+Z warming\n$/);

    const listed = await docker.listContainers({ filters: { label: [`suite=${run}`, "tier=front"] } });
    assert.deepEqual(listed.map((x) => x.Id), [c.id]);
    assert.deepEqual(listed[0]!.Names, [`/${name("web")}`]);
    assert.equal(listed[0]!.State, "running");
    assert.deepEqual(listed[0]!.Ports, [{ IP: "127.0.0.1", PrivatePort: 8080, PublicPort: Number(binding!.HostPort), Type: "tcp" }]);
    assert.deepEqual(await docker.listContainers({ filters: { label: ["tier=back"] } }), []);

    const top = await c.top();
    assert.ok(top.Titles.includes("PID") && top.Titles.includes("CMD"), top.Titles.join(" "));
    assert.ok(top.Processes.some((p: string[]) => p.at(-1)?.includes("httpd -f -p 8080")), JSON.stringify(top.Processes));

    const stats = await c.stats({ stream: false });
    assert.ok(stats.memory_stats.usage > 0, JSON.stringify(stats.memory_stats));
    assert.equal(stats.memory_stats.limit, 64 * 1024 * 1024);
    assert.equal(stats.pids_stats?.current, 1);
    assert.ok(stats.cpu_stats.cpu_usage.total_usage > 0);

    await c.stop({ t: 1 });
    const stopped = await c.inspect();
    assert.equal(stopped.State.Status, "exited");
    assert.equal(stopped.RestartCount, 0, "a stop is not a failure to restart from");
    const exited = await docker.listContainers({ all: true, filters: { status: ["exited"], name: [name("web")] } });
    assert.deepEqual(exited.map((x) => x.Id), [c.id]);
    await c.remove();
  });

  test("logs with follow: stdout and stderr apart, the stream ends when the container exits", async () => {
    const c = await docker.createContainer({ name: name("follow"), Image: image, Cmd: ["sh", "-c", "echo a; sleep 0.5; echo b >&2; sleep 0.5; echo c"] });
    await c.start();
    const stream = await c.logs({ follow: true, stdout: true, stderr: true });
    const { stdout, stderr } = await demuxed(docker, stream);
    assert.equal(stdout, "a\nc\n");
    assert.equal(stderr, "b\n");
    const only = await drain((await c.logs({ follow: false, stdout: false, stderr: true })));
    // One multiplexed frame: stream 2, three zero bytes, a big-endian length, "b\n".
    assert.deepEqual([...only], [2, 0, 0, 0, 0, 0, 0, 2, 0x62, 0x0a]);
    await c.remove();
  });

  test("attach (hijacked, with stdin) before start sees the output from the first byte; wait answers the exit code", async () => {
    const c = await docker.createContainer({
      name: name("attach"),
      Image: image,
      Cmd: ["sh", "-c", "echo first; read line; echo got:$line; echo bye >&2; exit 5"],
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = (await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream;
    const waited = c.wait({ condition: "next-exit" });
    const output = demuxed(docker, stream);
    await c.start();
    stream.write("hello\n");
    const { stdout, stderr } = await output;
    assert.equal(stdout, "first\ngot:hello\n");
    assert.equal(stderr, "bye\n");
    assert.equal((await waited).StatusCode, 5);

    // With a TTY the stream is raw (no frames), and the terminal turns \n into \r\n.
    const t = await docker.createContainer({ name: name("attach-tty"), Image: image, Tty: true, OpenStdin: true, Cmd: ["sh", "-c", "echo tty-first; read x; echo tty:$x"] });
    const raw = (await t.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream;
    const rawOut = drain(raw);
    await t.start();
    await waitFor("the first line", async () => (await t.inspect()).State.Running);
    raw.write("typed\n");
    const text = (await rawOut).toString();
    assert.match(text, /^tty-first\r\n/);
    assert.match(text, /tty:typed\r\n$/);
    assert.equal((await t.wait()).StatusCode, 0);
    await Promise.all([c.remove(), t.remove()]);
  });

  test("stats: per-CPU usage and the memory high-water mark on cgroup v1, absent on pure v2, as dockerd reports them", async () => {
    const c = await docker.createContainer({
      name: name("stats"),
      Image: image,
      // Some CPU and a peak of memory (a 16 MB string, then let go), before it settles.
      Cmd: ["sh", "-c", "x=$(head -c 16000000 /dev/zero | tr '\\0' a); x=; echo settled; exec sleep 600"],
      HostConfig: { Memory: 128 * 1024 * 1024 },
    });
    await c.start();
    await waitFor("the container to settle", async () => ((await drain(await c.logs({ stdout: true, follow: false }))).includes("settled") ? true : undefined));
    const stats = await c.stats({ stream: false });
    const v1 = existsSync("/sys/fs/cgroup/memory/memory.max_usage_in_bytes");
    if (v1) {
      const percpu = stats.cpu_stats.cpu_usage.percpu_usage;
      assert.ok(Array.isArray(percpu) && percpu.length >= stats.cpu_stats.online_cpus, JSON.stringify(stats.cpu_stats));
      // cpuacct.usage is the sum of cpuacct.usage_percpu; the container sleeps, so both were read at the same total.
      assert.equal(percpu.reduce((a: number, b: number) => a + b, 0), stats.cpu_stats.cpu_usage.total_usage);
      assert.ok(stats.memory_stats.max_usage! >= 16_000_000, JSON.stringify(stats.memory_stats));
      assert.ok(stats.memory_stats.max_usage! >= stats.memory_stats.usage, JSON.stringify(stats.memory_stats));
      assert.equal(typeof stats.memory_stats.failcnt, "number");
    } else {
      assert.equal(stats.cpu_stats.cpu_usage.percpu_usage, undefined);
      assert.equal(stats.memory_stats.max_usage, undefined);
    }
    await c.remove({ force: true });
  });

  test("exec without and with a TTY: output, Env/WorkingDir/User, ExitCode from exec.inspect", async () => {
    const c = await docker.createContainer({ name: name("exec"), Image: image, Cmd: ["sleep", "600"] });
    await c.start();
    const hc = (await c.inspect()).HostConfig;
    assert.deepEqual(hc.PortBindings, {}, "nothing published is an empty object, as dockerd shows it");
    assert.equal(hc.IpcMode, "private");
    const plain = await c.exec({
      Cmd: ["sh", "-c", 'echo "$X $(pwd) $(id -u)"; echo err >&2; exit 3'],
      Env: ["X=1"],
      WorkingDir: "/tmp",
      User: "app",
      AttachStdout: true,
      AttachStderr: true,
    });
    const { stdout, stderr } = await demuxed(docker, await plain.start({}));
    assert.equal(stdout, "1 /tmp 1000\n");
    assert.equal(stderr, "err\n");
    const done = await plain.inspect();
    assert.equal(done.ExitCode, 3);
    assert.equal(done.Running, false);
    assert.equal(done.ContainerID, c.id);

    const tty = await c.exec({ Cmd: ["sh"], Tty: true, AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const sock = (await tty.start({ hijack: true, stdin: true, Tty: true })) as NodeJS.ReadWriteStream;
    const out = drain(sock);
    // Pid is the exec's own process, the shell (in the host's pid namespace), as dockerd reports it.
    await waitFor("the exec's Pid to be its shell", async () => {
      const pid = (await tty.inspect()).Pid;
      return pid > 0 && readFileSync(`/proc/${pid}/cmdline`, "utf8") === "sh\0";
    });
    sock.write("echo $((6*7)); [ -t 0 ] && [ -t 1 ] && echo on-a-terminal; tty\nexit 2\n");
    const text = (await out).toString();
    // The terminal is a pty of the container's own devpts, so `tty` names it, as under dockerd.
    assert.match(text, /\r\n42\r\non-a-terminal\r\n\/dev\/pts\/\d+\r\n/);
    assert.equal((await tty.inspect()).ExitCode, 2);

    const missing = await rejection(docker.getExec("0".repeat(64)).inspect());
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json?.message, `No such exec instance: ${"0".repeat(64)}`);

    // An exec whose container stopped before it started is refused with a status, not a stream carrying the error.
    const late = await c.exec({ Cmd: ["true"], AttachStdout: true });
    await c.stop({ t: 0 });
    const refused = await rejection(late.start({ hijack: true, stdin: true }));
    assert.equal(refused.statusCode, 409);
    assert.match(refused.message, new RegExp(`Container ${c.id} is not running`));
    assert.equal((await rejection(c.exec({ Cmd: ["true"] }))).statusCode, 409);
    await c.remove({ force: true });
  });

  test("kill with a signal, pause/unpause, rename, restart, stop, remove {force, v}; a filtered event stream sees exactly them", async () => {
    const other = await docker.createContainer({ name: name("bystander"), Image: image, Cmd: ["true"] });
    const c = await docker.createContainer({
      name: name("life"),
      Image: image,
      Cmd: ["sh", "-c", "trap 'echo got-usr1' USR1; while true; do sleep 0.1; done"],
      Volumes: { "/scratch": {} },
    });
    const events = (await docker.getEvents({ filters: { container: [c.id], type: ["container"] } }));
    const seen: { Action: string; Actor: { ID: string; Attributes: Record<string, string> } }[] = [];
    let buf = "";
    events.on("data", (d: Buffer) => {
      buf += d;
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        if (buf.slice(0, nl).trim()) seen.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
    });
    await other.start();

    await c.start();
    assert.equal((await rejection(c.start())).statusCode, 304, "starting a running container is a 304, not an error");
    await c.kill({ signal: "USR1" });
    await waitFor("the trap", async () => (await drain((await c.logs({ stdout: true })))).includes("got-usr1"));
    assert.equal((await c.inspect()).State.Running, true, "USR1 was trapped, not fatal");
    await c.pause();
    const paused = (await c.inspect()).State;
    assert.equal(paused.Status, "paused");
    assert.equal(paused.Paused, true);
    await c.unpause();
    await c.rename({ name: name("life2") });
    assert.equal((await c.inspect()).Name, `/${name("life2")}`);
    await assert.rejects(c.rename({ name: name("life2") }), (e: { statusCode?: number; message?: string }) => e.statusCode === 400 && /same name/.test(String(e.message)));
    await c.restart({ t: 1 });
    assert.equal((await c.inspect()).State.Running, true);
    await c.stop({ t: 1 });
    assert.equal((await c.inspect()).State.ExitCode, 137, "sh ignores TERM as pid 1: killed after the timeout");

    const anon = (await c.inspect()).Mounts.find((m) => m.Destination === "/scratch");
    assert.equal(anon?.Type, "volume");
    assert.ok((await docker.listVolumes()).Volumes.some((v) => v.Name === anon!.Name));
    await c.start();
    const busy = await rejection(c.remove());
    assert.equal(busy.statusCode, 409);
    assert.match(busy.json?.message ?? "", /running/);
    await c.remove({ force: true, v: true });
    assert.ok(!(await docker.listVolumes()).Volumes.some((v) => v.Name === anon!.Name), "v: true removed the anonymous volume");
    const gone = await rejection(c.inspect());
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json?.message, `No such container: ${c.id}`);

    await waitFor("the destroy event", async () => seen.some((e) => e.Action === "destroy"));
    (events as unknown as { destroy(): void }).destroy();
    assert.ok(seen.every((e) => e.Actor.ID === c.id), "only the filtered container's events");
    const actions = seen.map((e) => e.Action);
    for (const a of ["start", "kill", "pause", "unpause", "rename", "restart", "die", "stop", "destroy"]) assert.ok(actions.includes(a), `${a} in ${actions.join(",")}`);
    assert.equal(seen.find((e) => e.Action === "kill" && e.Actor.Attributes.signal === "10")?.Actor.Attributes.name, name("life"));
    await other.remove({ force: true });
  });

  test("putArchive and getArchive move files in and out; a missing path is a 404", async () => {
    const c = await docker.createContainer({ name: name("files"), Image: image, Cmd: ["sleep", "600"] });
    await c.start();
    const upload = tarOf([
      { name: "up/", type: "directory", mode: 0o755 },
      { name: "up/hello.txt", type: "file", mode: 0o640, body: "from dockerode\n" },
    ]);
    await c.putArchive(Readable.from([upload]), { path: "/tmp" });
    const exec = await c.exec({ Cmd: ["sh", "-c", "cat /tmp/up/hello.txt; stat -c %a /tmp/up/hello.txt"], AttachStdout: true, AttachStderr: true });
    assert.equal((await demuxed(docker, await exec.start({}))).stdout, "from dockerode\n640\n");

    const tar = (await c.getArchive({ path: "/tmp/up" }));
    const files = new Map<string, string>();
    await readTar(tar as AsyncIterable<Buffer>, async (e, body) => {
      const chunks: Buffer[] = [];
      for await (const b of body) chunks.push(b);
      files.set(e.header.name, Buffer.concat(chunks).toString());
    });
    assert.equal(files.get("up/hello.txt"), "from dockerode\n", [...files.keys()].join(" "));
    assert.ok(files.has("up/") || files.has("up"), [...files.keys()].join(" "));

    // The path-stat header of a relative symlink names where it leads inside the container, as dockerd's does.
    const head = (await c.infoArchive({ path: "/bin/sh" })) as unknown as { headers: Record<string, string> };
    const stat = JSON.parse(Buffer.from(head.headers["x-docker-container-path-stat"]!, "base64").toString());
    assert.equal(stat.name, "sh");
    assert.equal(stat.linkTarget, "/bin/busybox");
    assert.equal(stat.mode & 2 ** 27, 2 ** 27, "Go's symlink mode bit");

    const missing = await rejection(c.getArchive({ path: "/no/such/file" }));
    assert.equal(missing.statusCode, 404);
    // A streamed endpoint's error body is read by dockerode into the error's message.
    assert.match(missing.message, new RegExp(`Could not find the file /no/such/file in container ${c.id}`));
    await c.remove({ force: true });
  });

  test("a user network: createNetwork, connect, containers reach each other by name; volumes create/list/remove", async () => {
    const network = await docker.createNetwork({ Name: name("net"), Driver: "bridge", Labels: { suite: run } });
    const netInfo = await network.inspect();
    assert.equal(netInfo.Name, name("net"));
    assert.equal(netInfo.Driver, "bridge");
    assert.deepEqual(netInfo.Labels, { suite: run });
    assert.ok((await docker.listNetworks({ filters: { label: [`suite=${run}`] } })).some((n) => n.Id === network.id));

    const volume = await docker.createVolume({ Name: name("data"), Labels: { suite: run } });
    const vol = await volume.inspect();
    assert.equal(vol.Name, name("data"));
    assert.equal(vol.Driver, "local");
    const listed = await docker.listVolumes({ filters: { label: [`suite=${run}`] } });
    assert.deepEqual(listed.Volumes.map((v) => v.Name), [name("data")]);

    // The server starts on the default bridge and joins the user network afterwards, as `docker network connect` does.
    const db = await docker.createContainer({
      name: name("db"),
      Image: image,
      Cmd: ["sh", "-c", "echo stored > /data/f; exec httpd -f -p 80 -h /data"],
      HostConfig: { Binds: [`${name("data")}:/data`] },
    });
    await db.start();
    await network.connect({ Container: db.id });
    const joined = await db.inspect();
    assert.match(joined.NetworkSettings.Networks[name("net")]?.IPAddress ?? "", /^\d+\.\d+\.\d+\.\d+$/);
    assert.ok(Object.keys((await network.inspect()).Containers ?? {}).includes(db.id));

    const client = await docker.createContainer({
      Image: image,
      Cmd: ["sh", "-c", `for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://${name("db")}/f && exit 0; sleep 0.3; done; exit 1`],
      HostConfig: { NetworkMode: name("net") },
    });
    const waited = client.wait({ condition: "next-exit" });
    await client.start();
    assert.equal((await waited).StatusCode, 0);
    assert.equal((await demuxed(docker, (await client.logs({ stdout: true, stderr: true })))).stdout, "stored\n");
    await client.remove();

    const inUse = await rejection(volume.remove());
    assert.equal(inUse.statusCode, 409);
    assert.match(inUse.json?.message ?? "", /in use/);
    await network.disconnect({ Container: db.id });
    await db.remove({ force: true });
    await network.remove();
    assert.equal((await rejection(network.inspect())).statusCode, 404);
    await volume.remove();
    assert.deepEqual((await docker.listVolumes({ filters: { label: [`suite=${run}`] } })).Volumes, []);
  });

  test("a hijacked request whose body arrives in a packet of its own still carries the client's input afterwards", async () => {
    const c = await docker.createContainer({ name: name("late-body"), Image: image, Cmd: ["sleep", "600"] });
    await c.start();
    const exec = await c.exec({ Cmd: ["sh", "-c", "read line; echo got:$line"], AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const body = JSON.stringify({ Detach: false, Tty: false });
    const sock = connect((docker.modem as unknown as { socketPath: string }).socketPath);
    let raw = Buffer.alloc(0);
    sock.on("data", (d: Buffer) => (raw = Buffer.concat([raw, d])));
    let closed = false;
    sock.on("close", () => (closed = true));
    await new Promise((r) => sock.once("connect", r));
    sock.write(`POST /v1.43/exec/${exec.id}/start HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: ${body.length}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 200));
    sock.write(body);
    await waitFor("the 101", async () => raw.includes("\r\n\r\n"));
    assert.match(raw.toString("latin1"), /^HTTP\/1\.1 101 UPGRADED\r\n/);
    sock.write("typed\n");
    await waitFor("the exec to answer and end", async () => closed, 15_000).finally(() => sock.destroy());
    const frames = raw.subarray(raw.indexOf("\r\n\r\n") + 4);
    assert.equal((await demuxed(docker, frames)).stdout, "got:typed\n");
    assert.equal((await exec.inspect()).ExitCode, 0);
    await c.remove({ force: true });
  });

  test("docker.run streams the output (raw with a TTY, demultiplexed without) and resolves with the wait result", async () => {
    const tty = new PassThrough();
    let text = "";
    tty.on("data", (d) => (text += d));
    const [result, c] = (await docker.run(image, ["sh", "-c", "echo with-tty; exit 4"], tty, { name: name("run-tty") })) as [{ StatusCode: number }, Docker.Container];
    assert.equal(result.StatusCode, 4);
    assert.equal(text, "with-tty\r\n");
    await c.remove();

    const out = new PassThrough();
    const err = new PassThrough();
    let stdout = "";
    let stderr = "";
    out.on("data", (d) => (stdout += d));
    err.on("data", (d) => (stderr += d));
    const [plain] = (await docker.run(image, ["sh", "-c", "echo o; echo e >&2"], [out, err], { Tty: false, HostConfig: { AutoRemove: true } })) as [{ StatusCode: number }];
    assert.equal(plain.StatusCode, 0);
    assert.equal(stdout, "o\n");
    assert.equal(stderr, "e\n");

    // A --rm container that ended and was removed before the client asked to wait still answers with its exit code.
    const quick = await docker.createContainer({ Image: image, Cmd: ["sh", "-c", "exit 6"], name: name("rm-quick"), HostConfig: { AutoRemove: true } });
    await quick.start();
    await waitFor("the --rm container removed", async () => (await docker.listContainers({ all: true, filters: { name: [name("rm-quick")] } })).length === 0);
    assert.equal(((await quick.wait()) as { StatusCode: number }).StatusCode, 6);
    await assert.rejects(quick.inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  test("buildImage from a tar context; the image's history and a commit of a container", async () => {
    const context = tarOf([{ name: "Dockerfile", type: "file", mode: 0o644, body: `FROM ${image}\nRUN echo built > /built.txt\nLABEL built.by=dockerode\n` }]);
    const stream = await docker.buildImage(Readable.from([context]), { t: `${run}/built:1` });
    const progress = (await new Promise((resolve, reject) => docker.modem.followProgress(stream, (e, r) => (e ? reject(e) : resolve(r))))) as { stream?: string }[];
    const log = progress.map((p) => p.stream ?? "").join("");
    assert.match(log, /Step 2\/3 : RUN echo built > \/built.txt/);
    assert.match(log, new RegExp(`Successfully tagged ${run}/built:1`));
    const built = docker.getImage(`${run}/built:1`);
    assert.deepEqual((await built.inspect()).Config.Labels, { "built.by": "dockerode" });
    const history = await built.history();
    assert.match(history[0]!.CreatedBy, /LABEL built.by=dockerode/);
    assert.match(history[1]!.CreatedBy, /echo built > \/built.txt/);

    const c = await docker.createContainer({ Image: `${run}/built:1`, Cmd: ["sh", "-c", "cat /built.txt > /copy.txt"] });
    const waited = c.wait({ condition: "next-exit" });
    await c.start();
    await waited;
    const committed = await c.commit({ repo: `${run}/committed`, tag: "1", changes: 'CMD ["cat", "/copy.txt"]' });
    assert.match(committed.Id, /^sha256:[0-9a-f]{64}$/);
    const out = new PassThrough();
    let text = "";
    out.on("data", (d) => (text += d));
    const [r, again] = (await docker.run(`${run}/committed:1`, [], out, { Tty: true })) as [{ StatusCode: number }, Docker.Container];
    assert.equal(r.StatusCode, 0);
    assert.equal(text, "built\r\n");
    await Promise.all([c.remove(), again.remove()]);
    await docker.getImage(`${run}/committed:1`).remove();
    await built.remove();
  });

  test("export gives the container's whole filesystem; pruneContainers removes the stopped ones its filters name", async () => {
    const labels = (prune: string) => ({ suite: run, prune });
    const done = await docker.createContainer({ Image: image, Labels: labels("yes"), Cmd: ["sh", "-c", "head -c 100000 /dev/zero > /bulk"] });
    const kept = await docker.createContainer({ Image: image, Labels: labels("no"), Cmd: ["true"] });
    const live = await docker.createContainer({ Image: image, Labels: labels("yes"), Cmd: ["sh", "-c", "echo exported > /made.txt; exec sleep 600"] });
    for (const c of [done, kept]) {
      const waited = c.wait({ condition: "next-exit" });
      await c.start();
      assert.equal((await waited).StatusCode, 0);
    }
    await live.start();

    const files = new Map<string, string>();
    await waitFor("the file written", async () => {
      files.clear();
      await readTar((await live.export()) as AsyncIterable<Buffer>, async (e, body) => {
        const chunks: Buffer[] = [];
        for await (const b of body) chunks.push(b);
        files.set(e.header.name, e.header.type === "file" && e.header.size < 1000 ? Buffer.concat(chunks).toString() : "");
      });
      return files.get("made.txt") === "exported\n";
    });
    assert.ok(files.has("bin/busybox") && files.has("etc/passwd"), [...files.keys()].slice(0, 20).join(" "));

    const df = await docker.df();
    const used = (df.Containers as { Id: string; Status: string; SizeRw: number; SizeRootFs: number }[]).find((x) => x.Id === done.id);
    assert.match(used?.Status ?? "", /^Exited \(0\)/);
    assert.ok(used!.SizeRw >= 100_000 && used!.SizeRootFs > used!.SizeRw, JSON.stringify(used));

    const pruned = await docker.pruneContainers({ filters: { label: [`suite=${run}`, "prune=yes"] } });
    assert.deepEqual(pruned.ContainersDeleted, [done.id], "the running one and the one without the label stay");
    assert.ok(pruned.SpaceReclaimed >= 100_000, String(pruned.SpaceReclaimed));
    assert.equal((await rejection(done.inspect())).statusCode, 404);
    assert.equal((await kept.inspect()).State.Status, "exited");
    assert.equal((await live.inspect()).State.Running, true);
    assert.deepEqual(await docker.pruneContainers({ filters: { label: [`suite=${run}`, "prune=yes"] } }), { ContainersDeleted: null, SpaceReclaimed: 0 });
    await Promise.all([kept.remove(), live.remove({ force: true })]);
  });

  test("bad requests answer dockerd's status codes with a JSON {message} dockerode shows", async () => {
    const noImage = await rejection(docker.createContainer({ Image: `${run}/absent:1` }));
    assert.equal(noImage.statusCode, 404);
    assert.match(noImage.json?.message ?? "", /No such image: .*absent:1/);
    const noContainer = await rejection(docker.getContainer(name("absent")).inspect());
    assert.equal(noContainer.statusCode, 404);
    assert.deepEqual(noContainer.json, { message: `No such container: ${name("absent")}` });
    assert.equal((await rejection(docker.getContainer(name("absent")).start())).statusCode, 404);

    const c = await docker.createContainer({ name: name("dup"), Image: image, Cmd: ["true"] });
    const dup = await rejection(docker.createContainer({ name: name("dup"), Image: image, Cmd: ["true"] }));
    assert.equal(dup.statusCode, 409);
    assert.match(dup.json?.message ?? "", new RegExp(`/${name("dup")}.*already in use`));
    const badName = await rejection(docker.createContainer({ name: "bad name!", Image: image }));
    assert.equal(badName.statusCode, 400);
    assert.ok(badName.json?.message);
    const badTimeout = await rejection(c.stop({ t: "soon" as unknown as number })); // what an unchecked caller passes on
    assert.equal(badTimeout.statusCode, 400);
    assert.match(badTimeout.json?.message ?? "", /invalid value for t: "soon"/);
    const notRunning = await rejection(c.pause());
    assert.equal(notRunning.statusCode, 409);
    assert.match(notRunning.json?.message ?? "", /not running/);
    await c.remove();
  });
});
