// docker save / docker load. Save writes a docker-archive tar: one directory per layer holding layer.tar (the
// uncompressed layer), the config as <id>.json, manifest.json ([{Config, RepoTags, Layers}]) and repositories.
// Load takes a docker-archive (Docker ≤ 24, or 25+ whose layer.tar entries are symlinks into blobs/) or an OCI image
// layout (oci-layout + index.json); the archive is unpacked with the hostile-safe layer unpacker into a scratch dir,
// and every layer goes through ImageService.importLayer, so a load is verified like a pull.
import { closeSync, constants as FS, createReadStream, existsSync, fstatSync, mkdirSync, promises as fsp } from "node:fs";
import type { ServerResponse } from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { ImageService } from "../images/image-service";
import { ImageReference } from "../../lib/oci/reference";
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest, LayerInfo, ProgressEvent } from "../../lib/oci/types";
import { tarEnd, tarHeader, tarPadding } from "../layers/tar";
import { unpackLayer } from "../layers/unpack";
import { openInRoot, readFileInRoot } from "../rootfs/path";
import { badParameter } from "./errors";
import { JsonStream, queryBool, type Ctx } from "./http";
import { progressLine } from "./images";
import { route, type Route } from "./server";

export function archiveRoutes(images: ImageService, scratchDir: string): Route[] {
  return [
    route("GET", "/images/get", (ctx) => save(images, ctx, ctx.query.getAll("names"))),
    route("GET", "/images/{name}/get", (ctx) => save(images, ctx, [ctx.params[0]])),
    route("POST", "/images/load", (ctx) => load(images, scratchDir, ctx)),
  ];
}

const hex = (digest: string) => digest.replace(/^sha256:/, "");

interface SaveItem {
  id: string;
  tags: string[];
}

async function save(images: ImageService, { res, log }: Ctx, names: string[]) {
  if (!names.length) throw badParameter("names: at least one image is required");
  // Every name is resolved before the first byte goes out, so a typo is a clean 404.
  const items = new Map<string, SaveItem>();
  for (const n of names) {
    const id = await images.resolve(n);
    const item = items.get(id) ?? { id, tags: [] };
    const ref = ImageReference.tryParse(n);
    // A name that is a tag (not an id or id prefix) is saved as that tag; an id saves the image untagged.
    if (ref && !/^(sha256:)?[0-9a-f]{4,64}$/.test(n) && !ref.digest) item.tags.push(ref.familiar());
    items.set(id, item);
  }
  const plan = await Promise.all(
    [...items.values()].map(async (item) => ({ ...item, config: await images.getConfigBytes(item.id), layers: await images.getLayers(item.id) })),
  );
  res.writeHead(200, { "Content-Type": "application/x-tar" });
  try {
    for await (const chunk of archiveChunks(images, plan)) {
      if (!res.write(chunk)) await new Promise((r) => res.once("drain", r));
      if (res.destroyed) return;
    }
    res.end();
  } catch (e) {
    log(`save failed mid-stream: ${(e as Error).message}`);
    res.destroy(e as Error);
  }
}

async function* archiveChunks(images: ImageService, plan: (SaveItem & { config: Buffer; layers: LayerInfo[] })[]): AsyncGenerator<Buffer> {
  const now = Math.floor(Date.now() / 1000);
  const written = new Set<string>();
  const manifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const item of plan) {
    const layerPaths: string[] = [];
    for (const layer of item.layers) {
      const dir = hex(layer.diffId);
      layerPaths.push(`${dir}/layer.tar`);
      if (written.has(dir)) continue;
      written.add(dir);
      yield tarHeader({ name: `${dir}/`, type: "directory", mode: 0o755, mtime: now });
      yield* file(`${dir}/VERSION`, Buffer.from("1.0"), now);
      yield* file(`${dir}/json`, Buffer.from(JSON.stringify({ id: dir, created: new Date(now * 1000).toISOString() })), now);
      yield tarHeader({ name: `${dir}/layer.tar`, type: "file", mode: 0o644, size: layer.size, mtime: now });
      let sent = 0;
      for await (const c of await images.openLayerTar(layer.diffId)) {
        const chunk = c as Buffer;
        sent += chunk.length;
        if (sent > layer.size) throw new Error(`layer ${layer.diffId} is larger than its recorded size ${layer.size}`);
        yield chunk;
      }
      if (sent !== layer.size) throw new Error(`layer ${layer.diffId} gave ${sent} bytes, ${layer.size} recorded`);
      yield tarPadding(layer.size);
    }
    const configName = `${hex(item.id)}.json`;
    if (!written.has(configName)) {
      written.add(configName);
      // The stored bytes, whose sha256 is the id: a load elsewhere gives the same image id.
      yield* file(configName, item.config, now);
    }
    manifest.push({ Config: configName, RepoTags: item.tags.length ? item.tags : null, Layers: layerPaths });
    const top = item.layers.at(-1);
    for (const t of item.tags) {
      const ref = ImageReference.parse(t);
      if (top && ref.tag) (repositories[ref.familiarName] ??= {})[ref.tag] = hex(top.diffId);
    }
  }
  yield* file("manifest.json", Buffer.from(JSON.stringify(manifest)), now);
  yield* file("repositories", Buffer.from(JSON.stringify(repositories)), now);
  yield tarEnd();
}

function* file(name: string, body: Buffer, mtime: number): Generator<Buffer> {
  yield tarHeader({ name, type: "file", mode: 0o644, size: body.length, mtime });
  yield body;
  yield tarPadding(body.length);
}

async function load(images: ImageService, scratchDir: string, { req, res, query, log }: Ctx) {
  const quiet = queryBool(query, "quiet");
  const dir = join(scratchDir, `load-${randomBytes(8).toString("hex")}`);
  mkdirSync(dir, { recursive: true });
  const stream = new JsonStream(res);
  try {
    // As dockerd: the answer is a 200 stream from the start, and an unreadable archive is an error line in it.
    stream.start();
    try {
      await unpackLayer(req as unknown as Readable, dir);
    } catch (e) {
      throw badParameter(`Error processing tar file: the uploaded file is not an image archive: ${(e as Error).message}`);
    }
    const progress = (ev: ProgressEvent) => {
      if (!quiet) progressLine(stream, ev);
    };
    const loaded = existsSync(join(dir, "manifest.json"))
      ? await loadDockerArchive(images, dir, progress)
      : existsSync(join(dir, "index.json"))
        ? await loadOciLayout(images, dir, progress)
        : (() => {
            throw badParameter("the archive has neither manifest.json (docker-archive) nor index.json (OCI layout)");
          })();
    for (const l of loaded) {
      if (l.tags.length) for (const t of l.tags) stream.stream(`Loaded image: ${t}\n`);
      else stream.stream(`Loaded image ID: ${l.id}\n`);
    }
    stream.end();
  } catch (e) {
    stream.fail(e, log);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

function readJsonFile<T>(root: string, name: string, what: string): T {
  return readJsonBytes<T>(root, name, what).value;
}

/** A JSON file of the archive, with the bytes it was parsed from (an image config's digest is over those bytes). */
function readJsonBytes<T>(root: string, name: string, what: string): { value: T; bytes: Buffer } {
  try {
    const bytes = readFileInRoot(root, name);
    return { value: JSON.parse(bytes.toString("utf8")) as T, bytes };
  } catch (e) {
    throw badParameter(`${what} (${name}) is missing or not JSON: ${(e as Error).message}`);
  }
}

async function importChain(
  images: ImageService,
  root: string,
  paths: string[],
  config: ImageConfig,
  progress: (ev: ProgressEvent) => void,
): Promise<LayerInfo[]> {
  const layers: LayerInfo[] = [];
  const expected = config.rootfs?.diff_ids ?? [];
  if (expected.length !== paths.length) throw badParameter(`the image config lists ${expected.length} layers, the archive ${paths.length}`);
  for (const [i, p] of paths.entries()) {
    // Names in the archive (and its symlinks: Docker 25+'s layer.tar entries) resolve inside the unpacked archive.
    let fd: number;
    try {
      fd = openInRoot(root, p, FS.O_RDONLY | FS.O_NONBLOCK);
    } catch {
      throw badParameter(`layer ${p} is missing from the archive`);
    }
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw badParameter(`layer ${p} is not a file in the archive`);
    }
    const stream = createReadStream("", { fd });
    const layer = await images.importLayer(stream, { parentChainId: layers.at(-1)?.chainId ?? null }).finally(() => stream.destroy());
    if (layer.diffId !== expected[i]) throw badParameter(`layer ${p} has digest ${layer.diffId}, but the config expects ${expected[i]}`);
    layers.push(layer);
    // dockerd's line per loaded layer, complete (the import is not observable in between).
    progress({ status: "Loading layer", id: hex(layer.diffId).slice(0, 12), progressDetail: { current: layer.size, total: layer.size } });
  }
  return layers;
}

async function loadDockerArchive(images: ImageService, root: string, progress: (ev: ProgressEvent) => void) {
  const manifest = readJsonFile<{ Config: string; RepoTags?: string[] | null; Layers: string[] }[]>(root, "manifest.json", "manifest.json");
  if (!Array.isArray(manifest)) throw badParameter("manifest.json must be a list");
  const out: { id: string; tags: string[] }[] = [];
  for (const m of manifest) {
    if (!m || typeof m.Config !== "string" || !Array.isArray(m.Layers)) throw badParameter("manifest.json entries need Config and Layers");
    const { value: config, bytes } = readJsonBytes<ImageConfig>(root, m.Config, "image config");
    const layers = await importChain(images, root, m.Layers, config, progress);
    const tags = (m.RepoTags ?? []).map((t) => ImageReference.parse(t));
    const image = await images.createImage({ config, configBytes: bytes, layers, tags: tags.map((t) => t.toString()) });
    out.push({ id: image.id, tags: tags.map((t) => t.familiar()) });
  }
  return out;
}

async function loadOciLayout(images: ImageService, root: string, progress: (ev: ProgressEvent) => void) {
  const index = readJsonFile<ImageIndex>(root, "index.json", "index.json");
  const blob = (d: Descriptor) => {
    if (!/^sha256:[a-f0-9]{64}$/.test(d?.digest ?? "")) throw badParameter(`descriptor digest ${d?.digest} is not a sha256 digest`);
    return `blobs/sha256/${hex(d.digest)}`;
  };
  const out: { id: string; tags: string[] }[] = [];
  const visit = async (desc: Descriptor, name: string | null) => {
    const doc = readJsonFile<ImageManifest & ImageIndex>(root, blob(desc), "manifest");
    if (Array.isArray(doc.manifests)) {
      // An index: the linux/amd64 (host) entry, or the only one.
      const pick = doc.manifests.find((m) => m.platform?.os === "linux" && m.platform?.architecture === "amd64") ?? (doc.manifests.length === 1 ? doc.manifests[0] : null);
      if (!pick) throw badParameter("the OCI index has no linux/amd64 manifest");
      return visit(pick, name);
    }
    const { value: config, bytes } = readJsonBytes<ImageConfig>(root, blob(doc.config), "image config");
    const actual = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    if (actual !== doc.config.digest) throw badParameter(`the image config blob has digest ${actual}, but the manifest names ${doc.config.digest}`);
    const layers = await importChain(images, root, doc.layers.map(blob), config, progress);
    const ref = name ? ImageReference.tryParse(name) : null;
    const image = await images.createImage({ config, configBytes: bytes, layers, tags: ref ? [ref.toString()] : [] });
    out.push({ id: image.id, tags: ref ? [ref.familiar()] : [] });
  };
  for (const m of index.manifests ?? []) {
    const name = m.annotations?.["io.containerd.image.name"] ?? m.annotations?.["org.opencontainers.image.ref.name"] ?? null;
    // A bare ref.name ("latest") names no repository: the image is loaded untagged.
    await visit(m, name && /[/:]/.test(name) ? name : null);
  }
  return out;
}
