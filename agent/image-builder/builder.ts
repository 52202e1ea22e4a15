// The Dockerfile builder, with the classic builder's meaning. Each instruction is a step that makes an image from the
// previous one: config-only steps (ENV, LABEL, CMD, ...) add a history record, filesystem steps (RUN, COPY, ADD) run
// in a snapshot of the previous image and commit its upper dir as a layer (commit.ts). Steps are cached: the key is
// the parent image, the instruction as expanded, and for COPY/ADD the content hash of the sources; a hit reuses the
// image ("Using cache"). Stages (FROM ... AS name) build in order; COPY --from reads another stage's (or any image's)
// root filesystem. Output is streamed as dockerd streams it ("Step 2/7 : RUN ...", " ---> 3f57d9401f8d").
// Why one file of ~700 lines: the step loop and each instruction's step share the stage state and the cache lookups;
// what stands alone (Dockerfile parsing, COPY, RUN, commit, config instructions, .dockerignore) lives beside it.
import { createHash, randomBytes } from "node:crypto";
import type { RuntimeClient } from "../runtime/runtime";
import { createReadStream, createWriteStream, existsSync, mkdirSync, promises as fsp, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, posix } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ImageService } from "../images/image-service";
import { ImageError, ImageNotFoundError } from "../../lib/oci/errors";
import { ImageReference, ReferenceError } from "../../lib/oci/reference";
import type { HistoryRecord, ImageRuntimeConfig, Platform, ProgressEvent, RegistryAuth } from "../../lib/oci/types";
import { unpackLayer } from "../layers/unpack";
import type { SnapshotService } from "../snapshots/types";
import { applyConfigInstruction, CONFIG_INSTRUCTIONS, DEFAULT_SHELL, substitutionEnv } from "./config-instructions";
import { baseFromImage, commitConfig, commitSnapshot, scratchBase, type BaseImage } from "./commit";
import { copyMatches, CopyError, hashMatches, matchSources, mkdirInRoot, type Match, type SourceRoot } from "./copy";
import { DockerfileError, parseDockerfile, parseInstructionLine, splitRaw, type Instruction } from "./dockerfile";
import { parseDockerignore, type IgnoreRule } from "./dockerignore";
import { resolveInRoot } from "../rootfs/path";
import { missingMountPoints, removeMountPoints, runStep, type StepNetwork } from "./run-step";
import type { NetworkService } from "../network/network-service";
import { expandWord, expandWords, ExpansionError } from "./shell-words";
import { lookupUser, UserLookupError } from "../rootfs/users";
import { buildHostsFile, filterHostResolvConf } from "../network/container-files";

export class BuildError extends Error {
  constructor(
    message: string,
    /** The failing command's exit code, for RUN failures (the CLI exits with it). */
    readonly code?: number,
  ) {
    super(message);
    this.name = "BuildError";
  }
}

export interface BuildDeps {
  images: ImageService;
  snapshots: SnapshotService;
  /** gantry-runtime over the builder's own state root (stateDir/runtime), where step containers live. */
  runtime: RuntimeClient;
  /** The builder's own state: step cache index, runtime state, scratch space (GANTRY_ROOT/build). */
  stateDir: string;
  platform: Platform;
  log: (msg: string) => void;
  /** The network engine, for RUN steps on the default bridge (or a named network); absent: loopback only. */
  networks?: () => Promise<NetworkService | null>;
}

export interface BuildRequest {
  contextDir: string;
  dockerfile: string;
  tags: string[];
  buildArgs: Map<string, string | null>;
  labels: Record<string, string>;
  noCache: boolean;
  target: string | null;
  pull: boolean;
  quiet: boolean;
  /** Credentials per registry host (X-Registry-Config), for pulling base images. */
  registryAuth: Record<string, RegistryAuth>;
  /** `--cache-from` images: steps are also found in their history (the classic builder's meaning). */
  cacheFrom?: string[];
  /** `--network`: "default"/"bridge" (the default bridge), "host", "none", or a network's name. */
  networkMode?: string;
  /** `--add-host name:ip` pairs: RUN steps see them in /etc/hosts. */
  extraHosts?: { name: string; ip: string }[];
  signal?: AbortSignal;
}

export interface BuildOutput {
  stream(text: string): void;
  progress(ev: ProgressEvent): void;
  aux(value: unknown): void;
}

interface Stage {
  index: number;
  name: string | null;
  from: Instruction;
  instructions: Instruction[];
}

/** What a stage holds while it builds: its current image and the variables in scope. */
interface StageState {
  base: BaseImage;
  cfg: ImageRuntimeConfig;
  /** Declared ARGs with a value, in scope for substitution and RUN's environment. */
  args: Map<string, string>;
  shell: string[];
  cmdSetHere: boolean;
}

const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const shortId = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v ?? {}));

/** The stages of a parsed Dockerfile and the ARGs before the first FROM. */
function splitStages(instructions: Instruction[]): { metaArgs: Instruction[]; stages: Stage[] } {
  const metaArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const words = splitRaw(ins.rest);
      stages.push({ index: stages.length, name: words.length === 3 ? words[2].toLowerCase() : null, from: ins, instructions: [] });
    } else if (!stages.length) metaArgs.push(ins);
    else stages.at(-1)!.instructions.push(ins);
  }
  return { metaArgs, stages };
}

export class Builder {
  constructor(private readonly deps: BuildDeps) {}

  private get cacheFile() {
    return join(this.deps.stateDir, "cache.json");
  }

  private readCache(): Record<string, string> {
    try {
      return JSON.parse(readFileSync(this.cacheFile, "utf8"));
    } catch {
      return {};
    }
  }

  private async cached(key: string): Promise<BaseImage | null> {
    const id = this.readCache()[key];
    if (!id) return null;
    try {
      return await baseFromImage(this.deps.images, id);
    } catch (e) {
      if (!(e instanceof ImageNotFoundError) && (e as { code?: string }).code !== "not_found") throw e;
      this.forget(key);
      return null;
    }
  }

  /** An entry whose image was removed (rmi, prune) is dropped when it is next looked up. */
  private forget(key: string) {
    this.update((cache) => delete cache[key]);
  }

  private remember(key: string, id: string) {
    this.update((cache) => (cache[key] = id));
  }

  private update(change: (cache: Record<string, string>) => void) {
    // Read-modify-write without an await in between: atomic within this process; the rename makes it so on disk.
    mkdirSync(this.deps.stateDir, { recursive: true });
    const cache = this.readCache();
    change(cache);
    const tmp = `${this.cacheFile}.${process.pid}.${randomBytes(4).toString("hex")}`;
    writeFileSync(tmp, JSON.stringify(cache));
    renameSync(tmp, this.cacheFile);
  }

  /**
   * `docker builder prune`: forgets every cached step and deletes the step images nothing else needs (untagged, no
   * container, no child image). Tagged images and the layers under them stay.
   */
  async prune(): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    const ids = new Set(Object.values(this.readCache()));
    this.update((cache) => {
      for (const k of Object.keys(cache)) delete cache[k];
    });
    const r = await this.deps.images.prune({ only: ids });
    return { deleted: r.deleted, spaceReclaimed: r.spaceReclaimed };
  }

  /** The --cache-from images of a build, resolved once (names that are not here are skipped, as dockerd does). */
  private readonly cacheSources = new WeakMap<BuildRequest, Promise<BaseImage[]>>();

  private sourcesOf(req: BuildRequest): Promise<BaseImage[]> {
    let p = this.cacheSources.get(req);
    if (!p) {
      p = (async () => {
        const out: BaseImage[] = [];
        for (const name of req.cacheFrom ?? []) {
          try {
            out.push(await baseFromImage(this.deps.images, name));
          } catch (e) {
            if (!(e instanceof ImageNotFoundError) && !(e instanceof ReferenceError) && (e as { code?: string }).code !== "not_found") throw e;
            this.deps.log(`build: cache-from image ${name} is not here; not used`);
          }
        }
        return out;
      })();
      this.cacheSources.set(req, p);
    }
    return p;
  }

  /**
   * The classic builder's --cache-from: an image whose history begins with the current image's history and layers,
   * and whose next history record was made by this very step, gives the step's result — its layer (unless the record
   * is an empty layer) over the current image, with the step's config and that record. Images pulled from a registry,
   * which have no local parent chain, serve this way.
   */
  private async fromCacheSources(key: string, st: StageState, createdBy: string, req: BuildRequest): Promise<BaseImage | null> {
    const parent = st.base;
    const parentHistory = parent.config.history ?? [];
    const parentDiffs = parent.layers.map((l) => l.diffId);
    const sameRecord = (a: HistoryRecord, b: HistoryRecord) =>
      a.created === b.created && a.created_by === b.created_by && a.comment === b.comment && a.author === b.author && !!a.empty_layer === !!b.empty_layer;
    for (const target of await this.sourcesOf(req)) {
      const history = target.config.history ?? [];
      const diffs = target.layers.map((l) => l.diffId);
      if (history.length <= parentHistory.length || diffs.length < parentDiffs.length) continue;
      if (!parentHistory.every((h, i) => sameRecord(h, history[i]!)) || !parentDiffs.every((d, i) => d === diffs[i])) continue;
      const record = history[parentHistory.length]!;
      if (record.created_by !== createdBy) continue;
      const layer = record.empty_layer ? null : target.layers[parent.layers.length];
      if (!record.empty_layer && !layer) continue;
      const { rootfs: _rootfs, ...rest } = parent.config;
      const img = await this.deps.images.createImage({
        config: {
          ...rest,
          architecture: target.config.architecture,
          os: target.config.os,
          created: record.created ?? new Date().toISOString(),
          config: clone(st.cfg),
          history: [...parentHistory, record],
        },
        layers: layer ? [...parent.layers, layer] : parent.layers,
        ...(parent.id ? { parentId: parent.id } : {}),
      });
      this.remember(key, img.id);
      return { id: img.id, config: img.config, layers: img.layers };
    }
    return null;
  }

  /** Builds and returns the final image id ("sha256:…"). Throws DockerfileError or BuildError for user mistakes. */
  async build(req: BuildRequest, out: BuildOutput): Promise<string> {
    const say = (text: string) => {
      if (!req.quiet) out.stream(text);
    };
    const dockerfilePath = resolveInRoot(req.contextDir, req.dockerfile);
    if (!existsSync(dockerfilePath)) throw new BuildError(`Cannot locate specified Dockerfile: ${req.dockerfile}`);
    const df = parseDockerfile(readFileSync(dockerfilePath, "utf8"), req.dockerfile);
    const ignorePath = join(req.contextDir, ".dockerignore");
    const ignore: IgnoreRule[] = existsSync(ignorePath) ? parseDockerignore(readFileSync(ignorePath, "utf8")) : [];
    const tags = req.tags.map((t) => ImageReference.parse(t));
    const { metaArgs, stages } = splitStages(df.instructions);

    let last = stages.length - 1;
    if (req.target) {
      last = stages.findIndex((s) => s.name === req.target!.toLowerCase());
      if (last < 0) throw new BuildError(`failed to reach build target ${req.target} in Dockerfile`);
    }
    const total = stages.slice(0, last + 1).reduce((n, s) => n + 1 + s.instructions.length, 0);
    let step = 0;
    const usedArgs = new Set<string>();
    const fail = (ins: Instruction, e: unknown): never => {
      if (e instanceof CopyError) throw new BuildError(`${df.file}:${ins.line}: ${e.message}`);
      const userError =
        e instanceof ExpansionError || e instanceof UserLookupError || e instanceof ReferenceError || (e instanceof ImageError && e.code !== "store");
      if (userError) throw new BuildError(`${df.file}:${ins.line}: ${ins.keyword}: ${(e as Error).message}`);
      throw e;
    };

    // ARGs before the first FROM: usable in FROM lines, and as defaults for a stage's ARG of the same name.
    const metaEnv = new Map<string, string>();
    for (const ins of metaArgs) {
      for (const w of splitRaw(ins.rest, df.escape)) {
        const eq = w.indexOf("=");
        const name = eq < 0 ? w : w.slice(0, eq);
        const dflt = eq < 0 ? null : expandWord(w.slice(eq + 1), metaEnv, df.escape);
        const given = req.buildArgs.get(name);
        if (req.buildArgs.has(name)) usedArgs.add(name);
        const value = given ?? dflt;
        if (value !== null) metaEnv.set(name, value);
      }
    }

    const results = new Map<number, BaseImage>();
    const work = join(this.deps.stateDir, "tmp", randomBytes(8).toString("hex"));
    mkdirSync(work, { recursive: true });
    try {
      for (const stage of stages.slice(0, last + 1)) {
        // ---- FROM
        step++;
        say(`Step ${step}/${total} : ${stage.from.original}\n`);
        const base = await (async () => {
          const fromName = expandWord(splitRaw(stage.from.rest, df.escape)[0], metaEnv, df.escape);
          return this.resolveFrom(fromName, stages, stage, results, req, out);
        })().catch((e) => fail(stage.from, e));
        const st: StageState = {
          base,
          cfg: clone(base.config.config ?? {}),
          args: new Map(),
          shell: (base.config.config?.Shell as string[] | undefined) ?? DEFAULT_SHELL,
          cmdSetHere: false,
        };
        if (base.id) say(` ---> ${shortId(base.id)}\n`);
        // ONBUILD triggers of the base run first, as steps of this stage; they are not passed on further.
        const triggers = (st.cfg.OnBuild as string[] | null | undefined) ?? [];
        st.cfg.OnBuild = null;
        if (triggers.length) say(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? "s" : ""}\n`);
        for (const trigger of triggers) {
          try {
            const ins = { ...parseInstructionLine(trigger, df.file, stage.from.line), line: stage.from.line };
            await this.step(ins, st, { req, out, say, df: { escape: "\\", file: df.file }, ignore, stages, results, work, metaEnv, usedArgs });
          } catch (e) {
            if (e instanceof DockerfileError) throw new BuildError(`${df.file}:${stage.from.line}: ONBUILD trigger ${JSON.stringify(trigger)} of the base image: ${e.reason}`);
            fail(stage.from, e);
          }
        }
        for (const ins of stage.instructions) {
          if (req.signal?.aborted) throw new BuildError("the build was cancelled: the client went away");
          step++;
          say(`Step ${step}/${total} : ${ins.original}\n`);
          try {
            await this.step(ins, st, { req, out, say, df: { escape: df.escape, file: df.file }, ignore, stages, results, work, metaEnv, usedArgs });
          } catch (e) {
            fail(ins, e);
          }
          say(` ---> ${shortId(st.base.id!)}\n`);
        }
        if (stage.index === last && Object.keys(req.labels).length) {
          const labels = { ...(st.cfg.Labels ?? {}), ...req.labels };
          await this.metaStep(st, `LABEL ${Object.entries(req.labels).map(([k, v]) => `${k}=${v}`).join(" ")}`, req, () => {
            st.cfg.Labels = labels;
          });
        }
        if (!st.base.id) {
          // FROM scratch with nothing after it still names an image.
          await this.metaStep(st, "FROM scratch", req, () => {});
        }
        results.set(stage.index, st.base);
      }
    } finally {
      await fsp.rm(work, { recursive: true, force: true });
    }

    const unused = [...req.buildArgs.keys()].filter((a) => !usedArgs.has(a));
    if (unused.length) say(`[Warning] One or more build-args [${unused.join(" ")}] were not consumed\n`);
    const finalId = results.get(last)!.id!;
    out.aux({ ID: finalId });
    if (req.quiet) out.stream(`${finalId}\n`);
    say(`Successfully built ${shortId(finalId)}\n`);
    for (const t of tags) {
      await this.deps.images.tag(finalId, t.toString());
      say(`Successfully tagged ${t.familiar()}\n`);
    }
    return finalId;
  }

  private async resolveFrom(name: string, stages: Stage[], stage: Stage, results: Map<number, BaseImage>, req: BuildRequest, out: BuildOutput): Promise<BaseImage> {
    const earlier = stages.find((s) => s.index < stage.index && s.name === name.toLowerCase());
    if (earlier) return results.get(earlier.index)!;
    if (name.toLowerCase() === "scratch") return scratchBase(this.deps.platform);
    return this.imageBase(name, req, out);
  }

  /** An image by reference: used as is when present (unless pull was asked), else pulled with progress. */
  private async imageBase(name: string, req: BuildRequest, out: BuildOutput): Promise<BaseImage> {
    const ref = ImageReference.parse(name);
    if (!req.pull) {
      try {
        return await baseFromImage(this.deps.images, ref.toString());
      } catch (e) {
        if (!(e instanceof ImageNotFoundError) && (e as { code?: string }).code !== "not_found") throw e;
      }
    }
    if (!req.quiet) out.progress({ status: `Pulling from ${ref.repository}`, id: ref.tag ?? ref.digest ?? "latest" });
    const pulled = await this.deps.images.pull(ref.toString(), {
      auth: req.registryAuth[ref.registry],
      platform: this.deps.platform,
      signal: req.signal,
      onProgress: (ev) => {
        // Whole-image lines are written here, once, whether or not the engine reports them too.
        if (req.quiet || /^(Pulling from|Digest:|Status:)/.test(ev.status)) return;
        out.progress(ev);
      },
    });
    if (!req.quiet) {
      out.progress({ status: `Digest: ${pulled.digest}` });
      out.progress({ status: `Status: Downloaded newer image for ${ref.familiar()}` });
    }
    return baseFromImage(this.deps.images, pulled.image.id);
  }

  /** A config-only step: cached on (parent, text). */
  private async metaStep(st: StageState, text: string, req: BuildRequest, apply: () => void, say?: (t: string) => void) {
    apply();
    const createdBy = `/bin/sh -c #(nop) ${text}`;
    const key = cacheKey(st.base.id, createdBy, st, "");
    const hit = req.noCache ? null : ((await this.cached(key)) ?? (await this.fromCacheSources(key, st, createdBy, req)));
    if (hit) {
      say?.(" ---> Using cache\n");
      st.base = hit;
      return;
    }
    const img = await commitConfig(this.deps.images, st.base, { runtimeConfig: clone(st.cfg), createdBy });
    this.remember(key, img.id);
    st.base = { id: img.id, config: img.config, layers: img.layers };
  }

  /** A filesystem step: cached on (parent, text, content); else `change` runs on a fresh snapshot which is committed. */
  private async fsStep(
    st: StageState,
    createdBy: string,
    contentHash: string,
    req: BuildRequest,
    say: (t: string) => void,
    /** May return the mount points the runtime had to create (relative paths), kept out of the layer. */
    change: (rootfs: string, snapshotId: string) => Promise<void | string[]>,
  ) {
    const key = cacheKey(st.base.id, createdBy, st, contentHash);
    const hit = req.noCache ? null : ((await this.cached(key)) ?? (await this.fromCacheSources(key, st, createdBy, req)));
    if (hit) {
      say(" ---> Using cache\n");
      st.base = hit;
      return;
    }
    const snapshotId = `build-${randomBytes(6).toString("hex")}`;
    const snap = await this.deps.snapshots.prepare(snapshotId, st.base.id ?? "", { labels: { "gantry.build": "step" } });
    try {
      if (st.cfg.WorkingDir) await mkdirInRoot(snap.rootfs, st.cfg.WorkingDir);
      const madeMountPoints = await change(snap.rootfs, snapshotId);
      await this.deps.snapshots.unmount(snapshotId);
      if (madeMountPoints) await removeMountPoints(snap.upper, madeMountPoints);
      // A step that changed nothing adds no layer (as BuildKit does), only its history record.
      const changed = (await fsp.readdir(snap.upper)).length > 0;
      const opts = { runtimeConfig: clone(st.cfg), createdBy };
      const img = changed ? await commitSnapshot(this.deps, snapshotId, st.base, opts) : await commitConfig(this.deps.images, st.base, opts);
      this.remember(key, img.id);
      st.base = { id: img.id, config: img.config, layers: img.layers };
    } finally {
      await this.deps.snapshots.remove(snapshotId).catch((e) => this.deps.log(`build: removing snapshot ${snapshotId}: ${(e as Error).message}`));
    }
  }

  private async step(
    ins: Instruction,
    st: StageState,
    c: {
      req: BuildRequest;
      out: BuildOutput;
      say: (t: string) => void;
      df: { escape: string; file: string };
      ignore: IgnoreRule[];
      stages: Stage[];
      results: Map<number, BaseImage>;
      work: string;
      metaEnv: Map<string, string>;
      usedArgs: Set<string>;
    },
  ) {
    const esc = c.df.escape;
    const env = () => stageEnv(st);
    const meta = (text: string, apply: () => void) => this.metaStep(st, text, c.req, apply, c.say);
    if (CONFIG_INSTRUCTIONS.has(ins.keyword)) {
      const text = applyConfigInstruction(st, ins, env(), esc);
      return meta(text, () => {});
    }
    switch (ins.keyword) {
      case "ARG": {
        const names: string[] = [];
        for (const w of splitRaw(ins.rest, esc)) {
          const eq = w.indexOf("=");
          const name = eq < 0 ? w : w.slice(0, eq);
          let value: string | null = eq < 0 ? (c.metaEnv.get(name) ?? null) : expandWord(w.slice(eq + 1), env(), esc);
          if (c.req.buildArgs.has(name)) {
            c.usedArgs.add(name);
            value = c.req.buildArgs.get(name) ?? value;
          }
          if (value !== null) st.args.set(name, value);
          names.push(eq < 0 ? name : `${name}=${w.slice(eq + 1)}`);
        }
        // Values in scope are part of every later step's cache key, so a different --build-arg misses the cache.
        return meta(`ARG ${names.join(" ")}`, () => {});
      }
      case "MAINTAINER":
        return meta(`MAINTAINER ${ins.rest}`, () => {
          st.base = { ...st.base, config: { ...st.base.config, author: ins.rest } };
        });
      case "RUN":
        return this.run(ins, st, c);
      case "COPY":
      case "ADD":
        return this.copy(ins, st, c);
    }
    throw new BuildError(`${c.df.file}:${ins.line}: ${ins.keyword} is not supported`);
  }

  private async run(ins: Instruction, st: StageState, c: Parameters<Builder["step"]>[2]) {
    const args = ins.json ?? [...st.shell, ins.rest];
    if (!args.length) throw new BuildError(`${c.df.file}:${ins.line}: RUN needs a command`);
    // Build args in scope reach the command's environment (not the image); they are part of the cache key.
    const envNames = new Set((st.cfg.Env ?? []).map((e) => e.split("=")[0]));
    const argEnv = [...st.args].filter(([k]) => !envNames.has(k)).sort(([a], [b]) => (a < b ? -1 : 1));
    const createdBy = (argEnv.length ? `|${argEnv.length} ${argEnv.map(([k, v]) => `${k}=${v}`).join(" ")} ` : "") + args.join(" ");
    const runEnv = [...(st.cfg.Env ?? []), ...argEnv.map(([k, v]) => `${k}=${v}`)];
    if (!runEnv.some((e) => e.startsWith("PATH="))) runEnv.unshift(DEFAULT_PATH);
    await this.fsStep(st, createdBy, "", c.req, c.say, async (rootfs, snapshotId) => {
      const user = lookupUser(rootfs, st.cfg.User || "0", { supplementary: true });
      // As dockerd does for every process: HOME from the user's passwd entry unless the image sets it.
      const env = runEnv.some((e) => e.startsWith("HOME=")) ? runEnv : [...runEnv, `HOME=${user.home}`];
      c.say(` ---> Running in ${snapshotId.slice(6, 18)}\n`);
      // Where the image lacks /proc, /sys, /dev or the /etc files bound over it, the runtime makes empty mount points:
      // they are not part of the step's layer (dockerd keeps them in a layer of their own, below the step's).
      const mountPoints = missingMountPoints(rootfs);
      const hostname = snapshotId.slice(6, 18);
      const network = await this.stepNetwork(snapshotId, hostname, c.req);
      const code = await runStep({
        runtime: this.deps.runtime,
        bundleDir: join(c.work, `bundle-${snapshotId}`),
        containerId: snapshotId,
        rootfs,
        args,
        env,
        cwd: st.cfg.WorkingDir || "/",
        user,
        hostname,
        network: network.namespace,
        files: network.files,
        // The classic builder's stderr is red: each piece wrapped in ESC[91m … ESC[0m, as dockerd sends it.
        onOutput: (text, stream) => c.say(stream === "stderr" ? `\u001b[91m${text}\u001b[0m` : text),
        signal: c.req.signal,
      }).finally(() => network.release());
      if (code !== 0) throw new BuildError(`The command '${args.join(" ")}' returned a non-zero code: ${code}`, code);
      c.say(`Removing intermediate container ${snapshotId.slice(6, 18)}\n`);
      return mountPoints;
    });
  }

  /**
   * A RUN step's network, as `docker build --network` chooses it: the default bridge (like a container's; a network
   * by name works the same way), "host", or "none" (loopback only). Without a network engine (it could not start),
   * steps get loopback only. The files bound at /etc/hosts and /etc/resolv.conf go with it.
   */
  private async stepNetwork(
    stepId: string,
    hostname: string,
    req: BuildRequest,
  ): Promise<{ namespace: StepNetwork; files: { hosts: string; resolvConf: string }; release: () => Promise<void> }> {
    const extraHosts = req.extraHosts ?? [];
    const mode = !req.networkMode || req.networkMode === "default" ? "bridge" : req.networkMode;
    const isolated = {
      namespace: { kind: "private" } as StepNetwork,
      files: { hosts: buildHostsFile({ hostname, ipv4: null, extraHosts }), resolvConf: filterHostResolvConf(readFileSafe("/etc/resolv.conf")) },
      release: async () => {},
    };
    if (mode === "none") return isolated;
    if (mode === "host") {
      const hosts = readFileSafe("/etc/hosts") + extraHosts.map((h) => `${h.ip}\t${h.name}\n`).join("");
      return { namespace: { kind: "host" }, files: { hosts, resolvConf: readFileSafe("/etc/resolv.conf") }, release: async () => {} };
    }
    const net = await this.deps.networks?.();
    if (!net) {
      if (mode !== "bridge") throw new BuildError(`network ${mode} is not available: the network engine did not start`);
      return isolated;
    }
    const netns = await net.createNetns(stepId);
    const release = async () => {
      await net.detachAll(stepId, { namespaceGoing: true }).catch((e) => this.deps.log(`build step ${stepId}: detach: ${(e as Error).message}`));
      await net.removeNetns(stepId).catch((e) => this.deps.log(`build step ${stepId}: remove netns: ${(e as Error).message}`));
    };
    try {
      await net.attach(stepId, netns, mode, { containerName: stepId });
      const hosts = await net.hostsFileFor(stepId, { hostname, extraHosts });
      return { namespace: { kind: "path", path: netns }, files: { hosts, resolvConf: await net.resolvConfFor(stepId) }, release };
    } catch (e) {
      await release();
      throw e;
    }
  }

  private async copy(ins: Instruction, st: StageState, c: Parameters<Builder["step"]>[2]) {
    const esc = c.df.escape;
    const env = stageEnv(st);
    const words = ins.json ?? expandWords(ins.rest, env, esc);
    if (words.length < 2) throw new BuildError(`${c.df.file}:${ins.line}: ${ins.keyword} requires at least two arguments`);
    const dest = words.at(-1)!;
    const srcs = words.slice(0, -1);
    const chownSpec = ins.flags.get("chown") ? expandWord(ins.flags.get("chown")!, env, esc) : null;
    const chmodSpec = ins.flags.get("chmod") ?? null;
    if (chmodSpec !== null && !/^[0-7]{3,4}$/.test(chmodSpec)) throw new BuildError(`${c.df.file}:${ins.line}: invalid --chmod=${chmodSpec}: an octal mode is expected`);
    let fromSpec = ins.flags.get("from") ?? null;
    if (fromSpec) fromSpec = expandWord(fromSpec, env, esc);

    // Where sources come from: the context, an earlier stage, or an image.
    const cleanups: (() => Promise<void>)[] = [];
    try {
      const sets: { root: SourceRoot; matches: Match[]; archive: boolean }[] = [];
      if (fromSpec) {
        if (ins.keyword === "ADD") throw new BuildError(`${c.df.file}:${ins.line}: ADD does not support --from; use COPY --from`);
        const byIndex = /^[0-9]+$/.test(fromSpec) ? c.stages.find((s) => s.index === Number(fromSpec)) : null;
        const stage = byIndex ?? c.stages.find((s) => s.name === fromSpec!.toLowerCase());
        if (stage && !c.results.has(stage.index)) throw new BuildError(`${c.df.file}:${ins.line}: COPY --from=${fromSpec} refers to a stage that is not built before this one`);
        const image = stage ? c.results.get(stage.index)! : await this.imageBase(fromSpec, c.req, c.out);
        const snapId = `build-from-${randomBytes(6).toString("hex")}`;
        const snap = await this.deps.snapshots.prepare(snapId, image.id ?? "", { labels: { "gantry.build": "copy-from" } });
        cleanups.push(() => this.deps.snapshots.remove(snapId));
        const root = { dir: snap.rootfs, ignore: [] };
        for (const s of srcs) sets.push({ root, matches: await matchSources(root, s, "COPY"), archive: false });
      } else {
        const root = { dir: c.req.contextDir, ignore: c.ignore };
        for (const s of srcs) {
          if (/^https?:\/\//i.test(s)) {
            if (ins.keyword !== "ADD") throw new BuildError(`${c.df.file}:${ins.line}: COPY cannot fetch URLs (${s}); use ADD`);
            const dl = await download(s, join(c.work, `dl-${randomBytes(4).toString("hex")}`));
            const dlRoot = { dir: dl.dir, ignore: [] };
            sets.push({ root: dlRoot, matches: await matchSources(dlRoot, dl.name, "ADD"), archive: false });
            continue;
          }
          const matches = await matchSources(root, s, ins.keyword);
          for (const m of matches) sets.push({ root, matches: [m], archive: ins.keyword === "ADD" && m.stat.isFile() && (await isArchive(m.host)) });
        }
      }
      const hash = createHash("sha256");
      for (const s of sets) hash.update(`${s.archive ? "archive" : "copy"}:${await hashMatches(s.root, s.matches)}\n`);
      const contentHash = hash.digest("hex");
      const count = sets.reduce((n, s) => n + s.matches.length, 0);
      const kind = count > 1 ? "multi" : sets[0].matches[0].stat.isDirectory() ? "dir" : "file";
      const createdBy = `/bin/sh -c #(nop) ${ins.keyword} ${fromSpec ? `--from=${fromSpec} ` : ""}${chownSpec ? `--chown=${chownSpec} ` : ""}${kind}:${contentHash} in ${dest} `;
      const manySources = count > 1 || srcs.some((s) => /[*?[]/.test(s));
      await this.fsStep(st, createdBy, contentHash, c.req, c.say, async (rootfs) => {
        const owner = chownSpec ? lookupUser(rootfs, chownSpec) : fromSpec ? null : { uid: 0, gid: 0 };
        const mode = chmodSpec ? parseInt(chmodSpec, 8) : null;
        const destPath = (dest.startsWith("/") ? dest : posix.join(st.cfg.WorkingDir || "/", dest)) + (dest.endsWith("/") || dest === "." ? "/" : "");
        for (const s of sets) {
          if (!s.archive) {
            await copyMatches(s.root, s.matches, rootfs, destPath, { owner, mode }, ins.keyword, manySources);
            continue;
          }
          // ADD of a local tar archive: unpacked (safely) into a scratch dir, then its contents copied to the destination.
          const unpacked = join(c.work, `x-${randomBytes(4).toString("hex")}`);
          mkdirSync(unpacked, { recursive: true });
          await unpackLayer(createReadStream(s.matches[0].host), unpacked);
          const xroot = { dir: unpacked, ignore: [] };
          const dirDest = destPath.endsWith("/") ? destPath : destPath + "/";
          await copyMatches(xroot, await matchSources(xroot, ".", "ADD"), rootfs, dirDest, { owner: chownSpec ? owner : null, mode }, "ADD", false);
          await fsp.rm(unpacked, { recursive: true, force: true });
        }
      });
    } finally {
      for (const f of cleanups) await f().catch(() => {});
    }
  }
}

function readFileSafe(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}

function cacheKey(parent: string | null, createdBy: string, st: StageState, contentHash: string): string {
  return createHash("sha256")
    .update(JSON.stringify([parent ?? "scratch", createdBy, st.cfg, [...st.args].sort(), contentHash]))
    .digest("hex");
}

/** Variables for substitution: declared ARGs, overridden by the image's ENV. */
function stageEnv(st: StageState): Map<string, string> {
  return substitutionEnv(st.cfg, st.args);
}

/** gzip, bzip2, xz or a plain tar (by its magic bytes): ADD extracts these. */
async function isArchive(path: string): Promise<boolean> {
  const fh = await fsp.open(path, "r");
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
    if (bytesRead >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return true; // zstd
    return bytesRead >= 262 && head.toString("latin1", 257, 262) === "ustar";
  } finally {
    await fh.close();
  }
}

/** ADD <url>: fetched into `dir` under the URL's last path component, mode 0600, mtime from Last-Modified. */
async function download(url: string, dir: string): Promise<{ dir: string; name: string }> {
  mkdirSync(dir, { recursive: true });
  let res: Response;
  try {
    res = await fetch(url, { redirect: "follow" });
  } catch (e) {
    throw new BuildError(`ADD failed: cannot fetch ${url}: ${(e as Error).message}`);
  }
  if (!res.ok || !res.body) throw new BuildError(`ADD failed: ${url} answered ${res.status} ${res.statusText}`);
  const name = decodeURIComponent(new URL(url).pathname.split("/").filter(Boolean).pop() ?? "") || "download";
  if (name.includes("/") || name === ".." || name === ".") throw new BuildError(`ADD failed: cannot name a file after ${url}`);
  const file = join(dir, name);
  await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), createWriteStream(file, { mode: 0o600 }));
  const modified = res.headers.get("last-modified");
  if (modified && !Number.isNaN(Date.parse(modified))) await fsp.utimes(file, new Date(modified), new Date(modified));
  return { dir, name };
}

export { DockerfileError };
