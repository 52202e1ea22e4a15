// POST /build: the build context arrives as a tar body (plain, gzip or zstd), is unpacked with the hostile-safe
// unpacker into a scratch dir, and handed to the Dockerfile builder; its output streams back as jsonmessage lines
// ({"stream"}, {"aux": {"ID"}}, {"errorDetail", "error"}). Only the classic builder's API is offered (version=1).
import { randomBytes } from "node:crypto";
import { mkdirSync, promises as fsp, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { BuildError, type Builder } from "../image-builder/builder";
import { DockerfileError } from "../image-builder/dockerfile";
import type { RegistryAuth } from "../../lib/oci/types";
import { unpackLayer } from "../layers/unpack";
import { buildHostsFile } from "../network/container-files";
import { badParameter } from "./errors";
import { JsonStream, parseFilters, queryBool, sendJson, type Ctx } from "./http";
import { progressLine } from "./images";
import { authFromJson, registryHost } from "./registry-auth";
import { route, type Route } from "./server";

export function buildRoutes(builder: Builder, scratchDir: string): Route[] {
  return [
    route("POST", "/build", (ctx) => build(builder, scratchDir, ctx)),
    route("POST", "/build/prune", async ({ res, query }) => {
      const filters = parseFilters(query, ["until", "id", "parent", "type", "description", "inuse", "shared", "private"]);
      if (filters.size) throw badParameter(`build cache prune filters (${[...filters.keys()].join(", ")}) are not supported by Gantry: its step cache is pruned whole`);
      const r = await builder.prune();
      sendJson(res, 200, { CachesDeleted: r.deleted.length ? r.deleted : null, SpaceReclaimed: r.spaceReclaimed });
    }),
  ];
}

const MAX_BARE_DOCKERFILE = 1 << 20;

/** The first `n` bytes of a request (fewer if it is shorter) and a stream of the whole body. */
async function peek(req: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = req[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const r = await it.next();
    if (r.done) break;
    first.push(r.value);
    got += r.value.length;
  }
  const head = Buffer.concat(first);
  async function* all() {
    if (head.length) yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head, stream: Readable.from(all()) };
}

const isPlainTar = (head: Buffer) => head.length >= 262 && head.toString("latin1", 257, 262) === "ustar";

/**
 * The docker CLI sends `build -f <file outside the context>` as a tar cut off right after the last entry's data (no
 * padding, no end blocks); dockerd accepts it. The missing zeros are added here (after a complete archive they are
 * ignored), so the strict unpacker sees a well-formed tar.
 */
function completeTar(stream: Readable): Readable {
  async function* padded() {
    let total = 0;
    for await (const c of stream) {
      total += (c as Buffer).length;
      yield c as Buffer;
    }
    yield Buffer.alloc(((512 - (total % 512)) % 512) + 1024);
  }
  return Readable.from(padded());
}

/** A tar, or a gzip/zstd stream (a compressed tar), by magic bytes. */
function looksLikeArchive(head: Buffer): boolean {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return true;
  return isPlainTar(head);
}

function jsonParam<T>(q: URLSearchParams, name: string): T | undefined {
  const raw = q.get(name);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw badParameter(`${name} is not valid JSON: ${raw}`);
  }
}

/** `--add-host name:ip`, repeated or comma-separated; checked here so a bad one is a 400 before the build starts. */
function parseExtraHosts(values: string[]): { name: string; ip: string }[] {
  const out = values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean)
    .map((h) => {
      const i = h.indexOf(":");
      if (i < 1) throw badParameter(`invalid IP address in add-host: "${h}" (expected name:ip)`);
      return { name: h.slice(0, i), ip: h.slice(i + 1) };
    });
  buildHostsFile({ hostname: "check", ipv4: null, extraHosts: out });
  return out;
}

function registryConfig(header: string | string[] | undefined): Record<string, RegistryAuth> {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8"));
  } catch {
    throw badParameter("X-Registry-Config is not base64url-encoded JSON");
  }
  const out: Record<string, RegistryAuth> = {};
  for (const [server, v] of Object.entries((parsed ?? {}) as Record<string, unknown>)) {
    const auth = authFromJson(v);
    if (auth) out[registryHost(server)] = auth;
  }
  return out;
}

async function build(builder: Builder, scratchDir: string, { req, res, query, log }: Ctx) {
  if (query.get("remote")) throw badParameter("remote build contexts (git URLs, tarball URLs) are not supported by Gantry: send the context as the request body");
  if ((query.get("version") ?? "1") !== "1") throw badParameter("only the classic builder (version=1) is available: Gantry does not implement BuildKit; set DOCKER_BUILDKIT=0");
  const tags = query.getAll("t").filter(Boolean);
  const buildArgs = new Map<string, string | null>();
  for (const [k, v] of Object.entries(jsonParam<Record<string, unknown>>(query, "buildargs") ?? {})) {
    if (v !== null && typeof v !== "string") throw badParameter(`buildargs: the value of ${k} must be a string or null`);
    buildArgs.set(k, v as string | null);
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(jsonParam<Record<string, unknown>>(query, "labels") ?? {})) {
    if (typeof v !== "string") throw badParameter(`labels: the value of ${k} must be a string`);
    labels[k] = v;
  }
  const dockerfile = query.get("dockerfile") || "Dockerfile";
  const extraHosts = parseExtraHosts(query.getAll("extrahosts"));
  const cacheFrom = jsonParam<unknown>(query, "cachefrom") ?? [];
  if (!Array.isArray(cacheFrom) || cacheFrom.some((c) => typeof c !== "string")) throw badParameter("cachefrom must be a JSON list of image names");
  const registryAuth = registryConfig(req.headers["x-registry-config"]);
  const contextDir = join(scratchDir, `context-${randomBytes(8).toString("hex")}`);
  mkdirSync(contextDir, { recursive: true });
  const stream = new JsonStream(res);
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  try {
    const body = await peek(req, 512);
    if (looksLikeArchive(body.head)) {
      try {
        await unpackLayer(isPlainTar(body.head) ? completeTar(body.stream) : body.stream, contextDir);
      } catch (e) {
        throw badParameter(`the build context is not a readable tar archive: ${(e as Error).message}`);
      }
    } else {
      // `docker build - < Dockerfile`: the body is the Dockerfile itself, and the context is empty.
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of body.stream) {
        size += (c as Buffer).length;
        if (size > MAX_BARE_DOCKERFILE) throw badParameter(`a Dockerfile sent without a context is larger than ${MAX_BARE_DOCKERFILE} bytes`);
        chunks.push(c as Buffer);
      }
      writeFileSync(join(contextDir, dockerfile.replace(/^.*\//, "") || "Dockerfile"), Buffer.concat(chunks));
    }
    await builder.build(
      {
        contextDir,
        dockerfile,
        tags,
        buildArgs,
        labels,
        noCache: queryBool(query, "nocache"),
        target: query.get("target") || null,
        pull: queryBool(query, "pull"),
        quiet: queryBool(query, "q"),
        registryAuth,
        extraHosts,
        cacheFrom: cacheFrom as string[],
        networkMode: query.get("networkmode") || undefined,
        signal: abort.signal,
      },
      {
        stream: (text) => stream.stream(text),
        progress: (ev) => progressLine(stream, ev),
        aux: (v) => stream.aux(v),
      },
    );
    stream.end();
  } catch (e) {
    const user = e instanceof DockerfileError || e instanceof BuildError;
    stream.fail(user ? badParameter((e as Error).message) : e, log, e instanceof BuildError ? e.code : undefined);
  } finally {
    await fsp.rm(contextDir, { recursive: true, force: true });
  }
}
