// Test images built at test time: tars written with Gantry's own tar writer from busybox-static and generated
// files, compressed (gzip/zstd/none), wrapped in a config and an OCI or Docker schema2 manifest, and pushed to a
// test registry with Gantry's registry client. skopeo (run here through `skopeo()`) checks them independently.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { zstdCompress } from "../../agent/layers/compression";
import { tarEnd, tarHeader, tarPadding, type TarWriteEntry } from "../../agent/layers/tar";
import { RegistryClient } from "../../agent/registry/client";
import { MediaTypes, type ImageIndex, type ImageManifest, type Platform, type RegistryAuth } from "../../lib/oci/types";

export interface TestEntry extends Omit<TarWriteEntry, "size"> {
  body?: Buffer | string;
}

export interface BuiltLayer {
  tar: Buffer;
  blob: Buffer;
  mediaType: string;
  digest: string;
  diffId: string;
}

export interface BuiltImage {
  config: Buffer;
  configDigest: string;
  manifest: Buffer;
  manifestDigest: string;
  mediaType: string;
  layers: BuiltLayer[];
}

export const sha = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** A tar archive of `entries`, in order. */
export function tarOf(entries: TestEntry[], opts: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    parts.push(tarHeader({ mtime: 1_700_000_000, ...e, size: body.length }));
    if (e.type === "file" && body.length) parts.push(body, tarPadding(body.length));
  }
  if (opts.end !== false) parts.push(tarEnd());
  return Buffer.concat(parts);
}

/** A base layer: /bin/busybox (static), sh/ls/cat/echo links, /etc/passwd, /tmp. */
export function busyboxEntries(): TestEntry[] {
  return [
    { name: "bin/", type: "directory", mode: 0o755 },
    { name: "bin/busybox", type: "file", mode: 0o755, body: readFileSync("/bin/busybox") },
    ...["sh", "ls", "cat", "echo", "true"].map((a): TestEntry => ({ name: `bin/${a}`, type: "symlink", linkname: "busybox", mode: 0o777 })),
    { name: "etc/", type: "directory", mode: 0o755 },
    { name: "etc/passwd", type: "file", mode: 0o644, body: "root:x:0:0:root:/root:/bin/sh\n" },
    { name: "tmp/", type: "directory", mode: 0o1777 },
  ];
}

export async function makeLayer(entries: TestEntry[] | Buffer, compression: "gzip" | "zstd" | "none" = "gzip", docker = false): Promise<BuiltLayer> {
  const tar = Buffer.isBuffer(entries) ? entries : tarOf(entries);
  const blob = compression === "gzip" ? gzipSync(tar) : compression === "zstd" ? await zstdCompress(tar) : tar;
  const mediaType =
    compression === "gzip"
      ? docker
        ? MediaTypes.dockerLayerGzip
        : MediaTypes.ociLayerGzip
      : compression === "zstd"
        ? MediaTypes.ociLayerZstd
        : docker
          ? "application/vnd.docker.image.rootfs.diff.tar"
          : MediaTypes.ociLayer;
  return { tar, blob, mediaType, digest: sha(blob), diffId: sha(tar) };
}

/** The Docker schema2 name of a layer media type (schema2 has no zstd). */
function dockerLayerType(mediaType: string): string {
  if (mediaType === MediaTypes.ociLayerGzip) return MediaTypes.dockerLayerGzip;
  if (mediaType === MediaTypes.ociLayer) return "application/vnd.docker.image.rootfs.diff.tar";
  if (mediaType === MediaTypes.ociLayerZstd) throw new Error("a Docker schema2 manifest cannot carry a zstd layer");
  return mediaType;
}

export function makeImage(layers: BuiltLayer[], opts: { docker?: boolean; platform?: Platform; cmd?: string[]; label?: string } = {}): BuiltImage {
  const platform = opts.platform ?? { os: "linux", architecture: "amd64" };
  const config = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      created: "2026-01-02T03:04:05Z",
      config: { Cmd: opts.cmd ?? ["/bin/sh"], Env: ["PATH=/bin"], Labels: opts.label ? { "test.label": opts.label } : {} },
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created: "2026-01-02T03:04:05Z", created_by: `layer ${i}` })),
    }),
  );
  const mediaType = opts.docker ? MediaTypes.dockerManifest : MediaTypes.ociManifest;
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: opts.docker ? MediaTypes.dockerConfig : MediaTypes.ociConfig, digest: sha(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: opts.docker ? dockerLayerType(l.mediaType) : l.mediaType, digest: l.digest, size: l.blob.length })),
  };
  const body = Buffer.from(JSON.stringify(manifest));
  return { config, configDigest: sha(config), manifest: body, manifestDigest: sha(body), mediaType, layers };
}

/** Pushes a built image with Gantry's client (every blob, then the manifest under `tag`). */
export async function pushImage(host: string, repo: string, tag: string, img: BuiltImage, auth?: RegistryAuth): Promise<void> {
  const c = new RegistryClient(host, { auth });
  for (const l of img.layers) await c.pushBlob(repo, { mediaType: l.mediaType, digest: l.digest, size: l.blob.length }, () => Readable.from([l.blob]));
  await c.pushBlob(repo, { mediaType: MediaTypes.ociConfig, digest: img.configDigest, size: img.config.length }, () => Readable.from([img.config]));
  await c.putManifest(repo, tag, img.mediaType, img.manifest);
}

/** Pushes several images and an index over them under `tag`. Returns the index digest. */
export async function pushIndex(host: string, repo: string, tag: string, entries: { image: BuiltImage; platform: Platform }[], docker = false, auth?: RegistryAuth): Promise<string> {
  for (const e of entries) await pushImage(host, repo, e.image.manifestDigest, e.image, auth);
  const mediaType = docker ? MediaTypes.dockerManifestList : MediaTypes.ociIndex;
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType,
    manifests: entries.map((e) => ({ mediaType: e.image.mediaType, digest: e.image.manifestDigest, size: e.image.manifest.length, platform: e.platform })),
  };
  const body = Buffer.from(JSON.stringify(index));
  return new RegistryClient(host, { auth }).putManifest(repo, tag, mediaType, body);
}

const run = promisify(execFile);

/** Runs skopeo against a plain-http loopback registry (no TLS verification, no signature policy). */
export async function skopeo(args: string[]): Promise<string> {
  const [verb, ...rest] = args;
  const tls = verb === "copy" ? ["--src-tls-verify=false", "--dest-tls-verify=false"] : ["--tls-verify=false"];
  const { stdout } = await run("skopeo", ["--insecure-policy", verb, ...tls, ...rest], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}
