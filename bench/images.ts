// Pull of a generated multi-layer image from a local registry: Gantry's image engine vs dockerd vs skopeo.
//   node --import tsx bench/images.ts [ROUNDS] [TARGET_MB]
// The image (Docker schema2, gzip layers): a busybox-static base layer and six more layers of random binary files
// and generated log-like text, ~TARGET_MB (default 200) MB compressed. It is pushed once to Debian's
// docker-registry on 127.0.0.1:<free port>, then pulled ROUNDS times (default 3) by each tool, the order rotating
// per round, each pull into an empty store, after one untimed warm-up pull each:
//   gantry   createImageEngine → images.pull into a fresh GANTRY_ROOT: download + verify + unpack into the store
//            (in this process, which also built the image)
//   gantry agent  a standalone agent started as gantry-agent is (bin/gantry-agent.mjs), pulled through the docker CLI
//            as dockerd is; `docker rmi` + `docker image prune -af` after every round
//   dockerd  apt's docker.io 20.10, started here on its own data root, exec root and socket (no bridge, no iptables),
//            pulled through the docker CLI; `docker rmi` + `docker image prune -af` after every round: download +
//            verify + unpack into overlay2
//   skopeo   `skopeo copy docker://… dir:…`: download + verify only, no unpack
//   skopeo+umoci (when umoci is installed or installable from apt): `skopeo copy … oci:…` then `umoci unpack`
// Prints each tool's median wall time, throughput (compressed bytes / median time, MB = 10^6 bytes) and the
// ratios of Gantry's time to the others'. Only loopback traffic. Every process and temp dir is removed on exit.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createImageEngine } from "../agent/images/engine.ts";
import { NetworkService } from "../agent/network/network-service.ts";
import type { ProgressEvent } from "../lib/oci/types.ts";
import { startRegistry, type TestRegistry } from "../test/support/registry.ts";
import { busyboxEntries, makeImage, makeLayer, pushImage, skopeo, type BuiltLayer, type TestEntry } from "../test/support/images.ts";
import { Cleanups, DOCKER_CLI, ensureAptPackage, loadAverage, runBench, startDockerd, stopChild, waitForPing } from "./support.ts";

const ROUNDS = Number(process.argv[2] ?? 3);
const TARGET_MB = Number(process.argv[3] ?? 200);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`ROUNDS must be a positive integer, got "${process.argv[2]}"`);
if (!(TARGET_MB >= 5)) throw new Error(`TARGET_MB must be a number ≥ 5, got "${process.argv[3]}"`);

// ---------------------------------------------------------------- cleanup, even on failure or a signal

const cleanups = new Cleanups();
cleanups.runOnSignals();

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(`rm ${dir}`, () => removeTree(dir));
  return dir;
}

/** Unmounts anything left mounted below `dir` (deepest first), then removes it. */
function removeTree(dir: string) {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((m) => m && (m === dir || m.startsWith(dir + "/")))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync("umount", ["-l", m], { stdio: "ignore" });
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- the image

const WORDS = "agent alpha apply bravo build cache chain commit config daemon delta digest engine fetch fleet gantry host image index layer manifest mount node overlay pull push queue registry runtime snapshot socket store tag token unpack volume worker".split(" ");
const LEVELS = ["DEBUG", "INFO", "INFO", "INFO", "WARN", "ERROR"];

/** Log-like text: repetitive structure, random ids and numbers (gzip gets it to ~0.28). */
function logText(bytes: number): Buffer {
  const lines: string[] = [];
  let n = 0;
  let t = Date.UTC(2026, 10, 23);
  while (n < bytes) {
    t += randomInt(1, 5000);
    const line =
      `${new Date(t).toISOString()} ${LEVELS[randomInt(LEVELS.length)]} ${WORDS[randomInt(WORDS.length)]}-${randomInt(64)} ` +
      `request id=${randomBytes(6).toString("hex")} path=/api/${WORDS[randomInt(WORDS.length)]}/${WORDS[randomInt(WORDS.length)]} ` +
      `status=${[200, 200, 201, 204, 404, 500][randomInt(6)]} took=${randomInt(1, 2000)}ms\n`;
    lines.push(line);
    n += line.length;
  }
  return Buffer.from(lines.join("")).subarray(0, bytes);
}

/** One layer of about `mb` MB once gzipped: big random files, many small random or text files, a few text files. */
function dataLayerEntries(index: number, mb: number): TestEntry[] {
  const MB = 1_000_000;
  const dir = `opt/data${index}`;
  const entries: TestEntry[] = [{ name: "opt/", type: "directory", mode: 0o755 }, { name: `${dir}/`, type: "directory", mode: 0o755 }];
  // ~60% of the compressed size in big random files (4–12 MB each).
  let left = mb * 0.6 * MB;
  for (let i = 0; left > 0; i++) {
    const size = Math.min(left, randomInt(4 * MB, 12 * MB));
    entries.push({ name: `${dir}/blob-${i}.bin`, type: "file", mode: 0o644, body: randomBytes(size) });
    left -= size;
  }
  // ~20% in small files (4–64 KB), half random, half text (text gzips to ~0.28 of its size).
  entries.push({ name: `${dir}/small/`, type: "directory", mode: 0o755 });
  left = mb * 0.2 * MB;
  for (let i = 0; left > 0; i++) {
    const size = randomInt(4_000, 64_000);
    const text = i % 2 === 1;
    entries.push({ name: `${dir}/small/f${i}.${text ? "log" : "dat"}`, type: "file", mode: 0o644, body: text ? logText(size) : randomBytes(size) });
    left -= text ? size / 3.5 : size;
  }
  // ~20% in text files of 1–4 MB (raw 3.5 times that).
  entries.push({ name: `${dir}/logs/`, type: "directory", mode: 0o755 });
  left = mb * 0.2 * MB * 3.5;
  for (let i = 0; left > 0; i++) {
    const size = Math.min(left, randomInt(1 * MB, 4 * MB));
    entries.push({ name: `${dir}/logs/app-${i}.log`, type: "file", mode: 0o644, body: logText(size) });
    left -= size;
  }
  return entries;
}

async function buildImage() {
  // Uneven layer sizes, like real images: 1/21, 2/21, … 6/21 of the target above the base.
  const layers: BuiltLayer[] = [await makeLayer(busyboxEntries(), "gzip", true)];
  for (let i = 1; i <= 6; i++) layers.push(await makeLayer(dataLayerEntries(i, (TARGET_MB * i) / 21), "gzip", true));
  return makeImage(layers, { docker: true, cmd: ["/bin/sh"] });
}

// ---------------------------------------------------------------- helpers

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += dirBytes(p);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}

// ---------------------------------------------------------------- main

interface Tool {
  name: string;
  what: string;
  pull(round: number): Promise<number>;
}

async function main() {
  console.log(`images pull benchmark, ${new Date().toISOString()}, load average ${loadAverage(2)}, ${ROUNDS} round(s)`);
  ensureAptPackage("docker.io", { required: true });
  const haveUmoci = ensureAptPackage("umoci", { required: false });

  const t0 = Date.now();
  const img = await buildImage();
  const compressed = img.layers.reduce((n, l) => n + l.blob.length, 0) + img.config.length + img.manifest.length;
  const unpacked = img.layers.reduce((n, l) => n + l.tar.length, 0);
  console.log(
    `image: ${img.layers.length} layers, ${mb(compressed)} MB compressed (layers ${img.layers.map((l) => mb(l.blob.length)).join(" + ")}), ` +
      `${mb(unpacked)} MB of tar, ${img.layers.reduce((n, l) => n + countTarEntries(l.tar), 0)} entries; built in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  const registry: TestRegistry = await startRegistry("open");
  cleanups.push("stop registry", () => registry.stop());
  const repo = "bench/pull";
  const ref = `${registry.host}/${repo}:v1`;
  await pushImage(registry.host, repo, "v1", img);
  console.log(`pushed ${ref} (${img.manifestDigest})`);
  // The built buffers are not needed any more; let the pulls run without 400 MB of them held.
  const layerCount = img.layers.length;
  img.layers.length = 0;

  const dockerd = await startDockerd({ cleanups, base: tempDir("gantry-bench-dockerd-"), registryHost: registry.host });
  console.log(`dockerd ${dockerd.docker(["version", "--format", "{{.Server.Version}}"]).trim()} ready; skopeo ${execFileSync("skopeo", ["--version"], { encoding: "utf8" }).trim().replace(/^skopeo version /, "")}${haveUmoci ? `; umoci ${execFileSync("umoci", ["--version"], { encoding: "utf8" }).trim().replace(/^umoci version /, "")}` : ""}`);

  const scratch = tempDir("gantry-bench-pulls-");
  const agent = await startAgent(tempDir("gantry-bench-agent-"));
  const tools: Tool[] = [
    {
      name: "gantry",
      what: "download + verify + unpack (content store)",
      async pull(round) {
        const root = join(scratch, `gantry-${round}`);
        let layers = 0;
        let lastDownload = 0;
        const t0 = process.hrtime.bigint();
        const s = await timed(async () => {
          const engine = createImageEngine({ root });
          const onProgress = (e: ProgressEvent) => {
            if (e.status === "Download complete") lastDownload = Number(process.hrtime.bigint() - t0) / 1e9;
          };
          layers = (await engine.images.pull(ref, { onProgress })).image.layers.length;
        });
        if (round >= 0) gantryDownloaded.push(lastDownload);
        if (layers !== layerCount) throw new Error(`gantry pulled ${layers} layers, expected ${layerCount}`);
        removeTree(root);
        return s;
      },
    },
    {
      name: "gantry agent",
      what: "download + verify + unpack (the agent, through the docker CLI)",
      async pull() {
        const s = await timed(() => agent.docker(["pull", "-q", ref]));
        const layers = JSON.parse(agent.docker(["image", "inspect", "--format", "{{json .RootFS.Layers}}", ref])).length;
        if (layers !== layerCount) throw new Error(`the agent pulled ${layers} layers, expected ${layerCount}`);
        agent.docker(["rmi", ref]);
        agent.docker(["image", "prune", "-af"]);
        const left = agent.docker(["images", "-aq"]).trim();
        if (left) throw new Error(`the agent still has images after rmi + prune: ${left}`);
        return s;
      },
    },
    {
      name: "dockerd",
      what: "download + verify + unpack (overlay2)",
      async pull() {
        const s = await timed(() => dockerd.docker(["pull", "-q", ref]));
        const layers = JSON.parse(dockerd.docker(["image", "inspect", "--format", "{{json .RootFS.Layers}}", ref])).length;
        if (layers !== layerCount) throw new Error(`dockerd pulled ${layers} layers, expected ${layerCount}`);
        dockerd.docker(["rmi", ref]);
        dockerd.docker(["image", "prune", "-af"]);
        const left = dockerd.docker(["images", "-aq"]).trim();
        if (left) throw new Error(`dockerd still has images after rmi + prune: ${left}`);
        return s;
      },
    },
    {
      name: "skopeo dir:",
      what: "download + verify only, no unpack",
      async pull(round) {
        const dir = join(scratch, `skopeo-${round}`);
        const s = await timed(() => skopeo(["copy", "-q", `docker://${ref}`, `dir:${dir}`]));
        const blobs = readdirSync(dir).filter((f) => /^[0-9a-f]{64}$/.test(f)).length;
        if (blobs !== layerCount + 1) throw new Error(`skopeo wrote ${blobs} blobs, expected ${layerCount + 1}`);
        removeTree(dir);
        return s;
      },
    },
  ];
  const umociSplit: { copy: number[]; unpack: number[] } = { copy: [], unpack: [] };
  // When Gantry's last layer finished downloading (unpacking runs alongside, layer by layer, bottom-up).
  const gantryDownloaded: number[] = [];
  if (haveUmoci) {
    tools.push({
      name: "skopeo oci:+umoci",
      what: "download + verify, then unpack (umoci)",
      async pull(round) {
        const layout = join(scratch, `oci-${round}`);
        const bundle = join(scratch, `bundle-${round}`);
        const copy = await timed(() => skopeo(["copy", "-q", `docker://${ref}`, `oci:${layout}:v1`]));
        const unpack = await timed(() => execFileSync("umoci", ["unpack", "--image", `${layout}:v1`, bundle], { stdio: "ignore" }));
        if (!existsSync(join(bundle, "rootfs", "bin", "busybox"))) throw new Error("umoci unpack left no rootfs/bin/busybox");
        if (round >= 0) umociSplit.copy.push(copy), umociSplit.unpack.push(unpack);
        removeTree(layout);
        removeTree(bundle);
        return copy + unpack;
      },
    });
  }

  // One untimed warm-up pull each: Gantry's first pull in a fresh process also pays for loading and compiling its
  // modules, and an agent (like dockerd) is a long-running process.
  const warm: string[] = [];
  for (const t of tools) warm.push(`${t.name} ${(await t.pull(-1)).toFixed(2)} s`);
  console.log(`warm-up (not counted): ${warm.join(", ")}`);

  const times = new Map<string, number[]>(tools.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so no tool always goes first (or always follows the same one).
    const order = tools.map((_, i) => tools[(i + round) % tools.length]);
    const line: string[] = [];
    for (const t of order) {
      spawnSync("sync"); // the previous pull's dirty pages are written back before this one starts
      const s = await t.pull(round);
      times.get(t.name)!.push(s);
      line.push(`${t.name} ${s.toFixed(2)} s`);
    }
    console.log(`round ${round + 1}: ${line.join(", ")} (load ${loadavg()[0].toFixed(2)})`);
  }

  console.log(`\nresults (median of ${ROUNDS}; throughput = ${mb(compressed)} MB compressed / median time):`);
  const med = new Map(tools.map((t) => [t.name, median(times.get(t.name)!)]));
  for (const t of tools) {
    const m = med.get(t.name)!;
    const extra = t.name === "gantry" ? ` [last layer downloaded at ${median(gantryDownloaded).toFixed(2)} s]` : t.name === "skopeo oci:+umoci" ? ` [copy ${median(umociSplit.copy).toFixed(2)} s + unpack ${median(umociSplit.unpack).toFixed(2)} s]` : "";
    console.log(`  ${t.name.padEnd(18)} ${m.toFixed(2).padStart(7)} s  ${(compressed / 1e6 / m).toFixed(1).padStart(6)} MB/s  ${t.what}${extra}  (all: ${times.get(t.name)!.map((s) => s.toFixed(2)).join(" ")})`);
  }
  const g = med.get("gantry")!;
  const ratio = (other: string) => `${(g / med.get(other)!).toFixed(2)}`;
  console.log(`  time ratio gantry agent/dockerd ${(med.get("gantry agent")! / med.get("dockerd")!).toFixed(2)} (both through the docker CLI)`);
  console.log(
    `  time ratio gantry/dockerd ${ratio("dockerd")} (both unpack), gantry/skopeo dir: ${ratio("skopeo dir:")} (skopeo does not unpack)` +
      (haveUmoci ? `, gantry/(skopeo oci:+umoci) ${ratio("skopeo oci:+umoci")} (both unpack)` : "") +
      "; below 1 means Gantry is faster",
  );
  console.log(`load average at the end: ${loadAverage(2)}`);
}

/** A standalone agent on its own GANTRY_ROOT and socket (no containers run: its bridge is never made). */
async function startAgent(base: string) {
  const sock = join(base, "docker.sock");
  const log = join(base, "agent.log");
  const fd = openSync(log, "a");
  const child = spawn(process.execPath, [join(import.meta.dirname, "..", "bin/gantry-agent.mjs")], {
    stdio: ["ignore", fd, fd],
    env: { ...process.env, GANTRY_ROOT: join(base, "root"), GANTRY_DOCKER_SOCKET: sock, GANTRY_SERVER_URL: "", GANTRY_BRIDGE: "gpull0",
      GANTRY_BRIDGE_SUBNET: "10.191.0.0/16", GANTRY_NETWORK_POOL: "10.190.0.0/16", GANTRY_CHAIN_PREFIX: "GPULL" },
  });
  closeSync(fd);
  // Its bridge and chains go once it has stopped (pushed first, so undone after the stop below).
  cleanups.push("remove the agent's network", async () => {
    const n = new NetworkService({ root: join(base, "root"), defaultBridge: "gpull0", defaultSubnet: "10.191.0.0/16", userPool: "10.190.0.0/16", chainPrefix: "GPULL" });
    await n.start({ containerExists: () => false }).catch(() => {});
    await n.uninstall();
  });
  cleanups.push("stop gantry-agent", () => stopChild(child, "gantry-agent"));
  await waitForPing({ socket: sock }, child, "gantry-agent", log);
  const env = { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(base, "cli"), DOCKER_CLI_HINTS: "false" };
  return { docker: (a: string[]) => execFileSync(DOCKER_CLI, a, { env, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 }) };
}

/** Number of entries in a tar (headers up to the end marker). */
function countTarEntries(tar: Buffer): number {
  let n = 0;
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = parseInt(h.subarray(124, 136).toString("ascii").replace(/\0.*$/, "").trim() || "0", 8);
    off += 512 + Math.ceil(size / 512) * 512;
    n++;
  }
  return n;
}

await runBench(main, cleanups);
