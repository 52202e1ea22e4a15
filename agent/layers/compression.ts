// Layer blobs come gzip-, zstd- or un-compressed; the media type may lie, so the magic bytes decide.
// gzip goes through zlib, or igzip (ISA-L) for large layers where it is installed; zstd through Debian's `zstd`
// binary (streaming, no shell, argument array).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createGunzip, createGzip, constants as zc } from "node:zlib";
import { PassThrough, Readable } from "node:stream";
import { LayerError } from "../../lib/oci/errors";

export type Compression = "gzip" | "zstd" | "none";

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return "zstd";
  return "none";
}

async function peek(source: Readable, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let have = 0;
  for (;;) {
    if (have >= n) break;
    const chunk: Buffer | null = source.read();
    if (chunk === null) {
      if (source.readableEnded || source.destroyed) break;
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          source.off("readable", done);
          source.off("end", done);
          source.off("error", fail);
          resolve();
        };
        const fail = (e: Error) => {
          source.off("readable", done);
          source.off("end", done);
          reject(e);
        };
        source.once("readable", done);
        source.once("end", done);
        source.once("error", fail);
      });
      if (source.readableEnded) break;
      continue;
    }
    parts.push(chunk);
    have += chunk.length;
  }
  const head = Buffer.concat(parts);
  if (head.length) source.unshift(head);
  return head;
}

/** igzip (ISA-L, Debian's isal): a third of zlib's time to inflate; where it is installed, gzip layers use it. */
const IGZIP = ["/usr/bin/igzip", "/usr/local/bin/igzip"].find((p) => existsSync(p)) ?? null;
/** Below this, inflating in-process costs less than starting igzip. */
const IGZIP_MIN_BYTES = 1 << 20;

/**
 * Decompresses whatever `source` holds into a plain tar stream; errors become LayerErrors naming the format.
 * `size`: the compressed size when known — a large gzip stream is inflated by igzip (in its own process, in
 * parallel with the tar reader) when it is installed, else by zlib.
 */
export async function decompress(source: Readable, size?: number): Promise<{ stream: Readable; compression: Compression }> {
  const head = await peek(source, 4);
  const compression = detectCompression(head);
  if (compression === "none") return { stream: source, compression };
  if (compression === "gzip" && IGZIP && (size ?? 0) >= IGZIP_MIN_BYTES) {
    return { stream: throughProgram(source, IGZIP, ["-d", "-c"], "gzip"), compression };
  }
  if (compression === "gzip") {
    // Large output chunks: every chunk costs a trip through the tar reader's async iteration.
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    const out = new PassThrough();
    source.on("error", (e) => out.destroy(e));
    gunzip.on("error", (e) => out.destroy(new LayerError(`corrupt gzip stream: ${e.message}`)));
    source.pipe(gunzip).pipe(out);
    return { stream: out, compression };
  }
  return { stream: throughProgram(source, "zstd", ["-d", "-c", "-q"], "zstd"), compression };
}

/** `source` through a decompressing program (no shell, argument array); its failure is a LayerError. */
function throughProgram(source: Readable, program: string, args: string[], format: Compression): Readable {
  const child = spawn(program, args, { stdio: ["pipe", "pipe", "pipe"] });
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  child.on("error", (e) => out.destroy(new LayerError(`cannot run ${program} to decompress a ${format} layer: ${e.message}`)));
  child.stdin.on("error", () => {}); // EPIPE when the program gives up early; its exit status reports why
  source.on("error", (e) => {
    child.kill();
    out.destroy(e);
  });
  source.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  let stdoutEnded = false;
  let exitCode: number | null | undefined;
  const finish = () => {
    if (!stdoutEnded || exitCode === undefined) return;
    if (exitCode === 0) out.end();
    else out.destroy(new LayerError(`corrupt ${format} stream: ${stderr.trim() || `${program} exited with ${exitCode}`}`));
  };
  child.stdout.on("end", () => {
    stdoutEnded = true;
    finish();
  });
  child.on("close", (code) => {
    exitCode = code;
    finish();
  });
  out.on("close", () => {
    if (exitCode === undefined) child.kill();
  });
  return out;
}

/** A gzip compressor at Docker's default speed/size trade-off. */
export function gzipStream() {
  return createGzip({ level: zc.Z_DEFAULT_COMPRESSION });
}

/** Compresses with zstd (for tests and for users who ask for zstd layers). */
export function zstdCompress(input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("zstd", ["-c", "-q", "-3"], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`zstd failed: ${err.trim()}`))));
    child.stdin.end(input);
  });
}

export { Readable };
