// A client for one registry, per the OCI distribution spec (and Docker Hub's dialect of it): ping, manifests,
// blobs (verified, resumable), uploads with cross-repository mounts, and authentication (anonymous, Basic,
// Bearer tokens). Plain http is used only for loopback addresses and registries listed in
// GANTRY_INSECURE_REGISTRIES ("host:port,host2"); everything else is https.
// Why one file of ~530 lines: one protocol client (the distribution spec's verbs over one connection's auth state);
// the authentication handshake itself lives in auth.ts.
import { createReadStream, createWriteStream, promises as fsp } from "node:fs";
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { pipeline } from "node:stream/promises";
import { Readable, Transform, Writable } from "node:stream";
import { systemClock, type Clock } from "../clock";
import { DigestMismatchError, ImageError, RegistryError } from "../../lib/oci/errors";
import { sha256 } from "../store/digest";
import { MediaTypes, type Descriptor, type RegistryAuth } from "../../lib/oci/types";
import { basicHeader, fetchToken, parseChallenge, TokenCache, type Challenge } from "./auth";

export const MANIFEST_ACCEPT = [MediaTypes.ociManifest, MediaTypes.ociIndex, MediaTypes.dockerManifest, MediaTypes.dockerManifestList];

export interface RegistryClientOptions {
  auth?: RegistryAuth;
  /** Hosts (host or host:port) allowed over plain http besides loopback. Default: GANTRY_INSECURE_REGISTRIES. */
  insecure?: string[];
  clock?: Clock;
  fetch?: typeof fetch;
  /** Download retries after a broken connection (each resumes where the last stopped). Default 5. */
  retries?: number;
}

export interface FetchedManifest {
  mediaType: string;
  digest: string;
  body: Buffer;
}

export function insecureFromEnv(env: Record<string, string | undefined> = process.env): string[] {
  return (env.GANTRY_INSECURE_REGISTRIES ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/** True for localhost, 127.0.0.0/8 and ::1 (with or without a port). */
export function isLoopbackHost(host: string): boolean {
  let h = host.toLowerCase();
  if (h.startsWith("[")) h = h.slice(1, h.indexOf("]"));
  else if (h.split(":").length === 2) h = h.split(":")[0];
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

function repoPath(repository: string) {
  return repository.split("/").map(encodeURIComponent).join("/");
}

export class RegistryClient {
  readonly host: string;
  private readonly auth?: RegistryAuth;
  private readonly insecure: boolean;
  private readonly insecureHosts: string[];
  private readonly fetchImpl: typeof fetch;
  private readonly tokens: TokenCache;
  private readonly retries: number;
  private challenge: Challenge | null | undefined;
  private base: string | null = null;

  constructor(host: string, opts: RegistryClientOptions = {}) {
    this.host = host === "docker.io" ? "registry-1.docker.io" : host;
    this.auth = opts.auth && (opts.auth.username || opts.auth.identitytoken || opts.auth.registrytoken) ? opts.auth : undefined;
    const allowed = opts.insecure ?? insecureFromEnv();
    this.insecureHosts = allowed;
    this.insecure = isLoopbackHost(this.host) || allowed.includes(this.host.toLowerCase());
    this.fetchImpl = opts.fetch ?? fetch;
    this.tokens = new TokenCache(opts.clock ?? systemClock);
    this.retries = opts.retries ?? 5;
  }

  /** https://host, or http://host for loopback/insecure registries that do not speak TLS. */
  private async baseUrl(): Promise<string> {
    if (this.base) return this.base;
    if (!this.insecure) return (this.base = `https://${this.host}`);
    try {
      await this.fetchImpl(`https://${this.host}/v2/`, { method: "GET", signal: AbortSignal.timeout(3000) });
      this.base = `https://${this.host}`;
    } catch {
      this.base = `http://${this.host}`;
    }
    return this.base;
  }

  private scopeKey(scopes: string[]) {
    return `${this.challenge?.params.service ?? ""}|${[...scopes].sort().join(" ")}`;
  }

  private async authHeader(scopes: string[], fresh: boolean): Promise<string | null> {
    if (this.auth?.registrytoken) return `Bearer ${this.auth.registrytoken}`;
    const ch = this.challenge;
    if (!ch) return null;
    if (ch.scheme === "basic") {
      if (!this.auth?.username) throw new RegistryError("unauthorized", 401, `${this.host} requires a username and password: log in first`);
      return basicHeader(this.auth);
    }
    const key = this.scopeKey(scopes);
    if (fresh) this.tokens.drop(key);
    let token = this.tokens.get(key);
    if (!token) {
      const got = await fetchToken(ch, scopes, this.auth, this.host, this.fetchImpl, (h) => isLoopbackHost(h) || this.insecureHosts.includes(h.toLowerCase()));
      this.tokens.set(key, got.token, got.expiresIn);
      token = got.token;
    }
    return `Bearer ${token}`;
  }

  /**
   * One request with authentication: answers a 401 challenge once (fetching a fresh token), then gives up with a
   * clear error. Bodies that are streams cannot be replayed, so callers authenticate with a cheap request first.
   */
  async request(
    method: string,
    pathOrUrl: string,
    opts: { scopes: string[]; headers?: Record<string, string>; body?: BodyInit | Readable; signal?: AbortSignal; replayable?: boolean } = { scopes: [] },
  ): Promise<Response> {
    const base = await this.baseUrl();
    const url = pathOrUrl.startsWith("http") ? pathOrUrl : `${base}${pathOrUrl}`;
    if (!url.startsWith(base + "/") && new URL(url).host !== this.host) {
      // A Location header pointing elsewhere (blob storage): no registry credentials go there.
      return this.send(method, url, opts, null);
    }
    const replayable = opts.replayable ?? !(opts.body && typeof (opts.body as Readable).pipe === "function");
    let res = await this.send(method, url, opts, await this.authHeader(opts.scopes, false));
    if (res.status === 401) {
      const ch = parseChallenge(res.headers.get("www-authenticate"));
      await res.body?.cancel().catch(() => {});
      const hadAuth = this.challenge !== undefined && this.challenge !== null;
      if (!ch) throw new RegistryError("unauthorized", 401, `${this.host} answered 401 Unauthorized without saying how to authenticate`);
      this.challenge = ch;
      if (!replayable) throw new RegistryError("unauthorized", 401, `${this.host} asked for authentication in the middle of an upload`);
      res = await this.send(method, url, opts, await this.authHeader(opts.scopes, true));
      if (res.status === 401) {
        await res.body?.cancel().catch(() => {});
        const who = this.auth?.username ? `as "${this.auth.username}"` : "anonymously";
        throw new RegistryError(
          "unauthorized",
          401,
          `${this.host} refused the request ${who}${hadAuth || this.auth ? " (wrong username or password, or no access to this repository)" : ": log in first"}`,
        );
      }
    }
    return res;
  }

  private async send(
    method: string,
    url: string,
    opts: { headers?: Record<string, string>; body?: BodyInit | Readable; signal?: AbortSignal },
    authorization: string | null,
  ): Promise<Response> {
    const headers: Record<string, string> = { "user-agent": "gantry-agent", ...opts.headers };
    if (authorization) headers.authorization = authorization;
    try {
      return await this.fetchImpl(url, {
        method,
        headers,
        body: opts.body as BodyInit | undefined,
        signal: opts.signal,
        redirect: "follow",
        // Node's fetch needs this to send a stream body.
        ...(opts.body && typeof (opts.body as Readable).pipe === "function" ? { duplex: "half" } : {}),
      } as RequestInit);
    } catch (e) {
      if ((e as Error).name === "AbortError") throw e;
      throw new RegistryError("registry", 0, `cannot reach registry ${this.host}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`, {
        cause: e,
      });
    }
  }

  private async fail(res: Response, what: string): Promise<never> {
    const text = await res.text().catch(() => "");
    let detail = "";
    try {
      const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
      detail = (parsed.errors ?? []).map((e) => `${e.code ?? ""}${e.message ? `: ${e.message}` : ""}`).join("; ");
    } catch {
      detail = text.slice(0, 200);
    }
    const code = res.status === 404 ? "not_found" : res.status === 401 ? "unauthorized" : res.status === 403 ? "denied" : "registry";
    throw new RegistryError(code, res.status, `${what}: ${this.host} answered ${res.status}${detail ? ` (${detail})` : ""}`);
  }

  /** GET /v2/: reachable and (with credentials) authenticated. Returns true when credentials were needed and accepted. */
  async ping(scopes: string[] = []): Promise<void> {
    const res = await this.request("GET", "/v2/", { scopes });
    await res.body?.cancel().catch(() => {});
    if (res.status === 200) return;
    await this.fail(res, `ping of ${this.host}`);
  }

  /** Fetches a manifest or index by tag or digest, refusing schema 1 and verifying the digest. */
  async getManifest(repository: string, reference: string, scopes = [`repository:${repository}:pull`]): Promise<FetchedManifest> {
    const res = await this.request("GET", `/v2/${repoPath(repository)}/manifests/${encodeURIComponent(reference)}`, {
      scopes,
      headers: { accept: [...MANIFEST_ACCEPT, `${MediaTypes.dockerSchema1Signed};q=0.1`, `${MediaTypes.dockerSchema1};q=0.1`].join(", ") },
    });
    if (res.status === 404) {
      await res.body?.cancel().catch(() => {});
      throw new ImageError("not_found", `manifest for ${this.host}/${repository}:${reference} not found: manifest unknown`);
    }
    if (!res.ok) await this.fail(res, `fetching manifest ${repository}:${reference}`);
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > 4 * 1024 * 1024) throw new ImageError("unsupported", `manifest ${repository}:${reference} is larger than 4 MiB`);
    let mediaType = (res.headers.get("content-type") ?? "").split(";")[0].trim();
    let parsed: { schemaVersion?: number; mediaType?: string; manifests?: unknown; layers?: unknown; config?: unknown };
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw new ImageError("registry", `manifest ${repository}:${reference} from ${this.host} is not JSON`);
    }
    if (parsed.schemaVersion === 1 || mediaType === MediaTypes.dockerSchema1 || mediaType === MediaTypes.dockerSchema1Signed) {
      throw new ImageError(
        "unsupported",
        `${this.host}/${repository}:${reference} is a Docker image manifest schema 1 image, which Gantry does not pull (deprecated since 2017): push it again with a current client to convert it to schema 2 or OCI`,
      );
    }
    if (parsed.mediaType) mediaType = parsed.mediaType;
    else if (!MANIFEST_ACCEPT.includes(mediaType as (typeof MANIFEST_ACCEPT)[number])) mediaType = parsed.manifests ? MediaTypes.ociIndex : MediaTypes.ociManifest;
    if (!MANIFEST_ACCEPT.includes(mediaType as (typeof MANIFEST_ACCEPT)[number])) {
      throw new ImageError("unsupported", `${this.host}/${repository}:${reference} has manifest type "${mediaType}", which is not an image`);
    }
    const digest = sha256(body);
    if (reference.startsWith("sha256:") && reference !== digest) throw new DigestMismatchError(reference, digest, `manifest ${repository}@${reference}`);
    const header = res.headers.get("docker-content-digest");
    if (header && header.startsWith("sha256:") && header !== digest) throw new DigestMismatchError(header, digest, `manifest ${repository}:${reference}`);
    return { mediaType, digest, body };
  }

  /** A small blob (an image config) read into memory, its size and digest checked against `desc`. */
  async getSmallBlob(repository: string, desc: Descriptor, maxBytes: number, scopes = [`repository:${repository}:pull`]): Promise<Buffer> {
    if (desc.size > maxBytes) throw new ImageError("unsupported", `blob ${desc.digest} of ${desc.size} bytes is larger than ${maxBytes}`);
    const res = await this.request("GET", `/v2/${repoPath(repository)}/blobs/${encodeURIComponent(desc.digest)}`, { scopes });
    if (!res.ok) await this.fail(res, `fetching blob ${desc.digest} of ${repository}`);
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length !== desc.size) throw new ImageError("registry", `blob ${desc.digest} of ${repository} has ${body.length} bytes, its descriptor says ${desc.size}`);
    const digest = sha256(body);
    if (digest !== desc.digest) throw new DigestMismatchError(desc.digest, digest, `blob of ${repository}`);
    return body;
  }

  /**
   * Downloads blob `desc` into `partialPath`, appending to what is already there (a Range request resumes an
   * interrupted download). Retries broken connections. Returns the sha256 digest of the whole file, hashed as it
   * is written (a kept prefix is hashed from disk once); the caller compares it with the digest it wanted.
   *
   * With `tap`, a download that goes from the blob's first byte to its last in one response also writes every
   * byte to `tap` as it arrives (at the pace `tap` takes them), then ends it: the layer is unpacked while it
   * downloads, without reading the blob back. Otherwise (a kept prefix, a retry, nothing to download) `tap` is
   * destroyed with a TapNotFed error and the file is completed all the same. A `tap` that fails or closes early is
   * simply not written to any more.
   */
  async downloadBlob(
    repository: string,
    desc: Descriptor,
    partialPath: string,
    onProgress?: (done: number, total: number) => void,
    signal?: AbortSignal,
    tap?: Writable,
  ): Promise<string> {
    let tapState: "unused" | "feeding" | "off" = tap && !tap.destroyed && !tap.writableEnded ? "unused" : "off";
    const dropTap = (why: string) => {
      if (tap && tapState !== "off") tap.destroy(new TapNotFed(why));
      tapState = "off";
    };
    try {
      return await this.downloadBlobTo(repository, desc, partialPath, onProgress, signal, (offset) => {
        // Called as each attempt starts writing; the tap goes along only with the first, and only from byte 0.
        if (tapState === "unused" && offset === 0) {
          tapState = "feeding";
          return {
            tap: tap!,
            done: () => {
              if (tapState === "feeding") tap!.end();
              tapState = "off";
            },
            failed: () => dropTap("the download was interrupted"),
          };
        }
        dropTap(offset > 0 ? "the download resumed a kept prefix" : "the download was retried");
        return null;
      });
    } finally {
      dropTap("nothing was downloaded");
    }
  }

  private async downloadBlobTo(
    repository: string,
    desc: Descriptor,
    partialPath: string,
    onProgress: ((done: number, total: number) => void) | undefined,
    signal: AbortSignal | undefined,
    tapFor: (offset: number) => { tap: Writable; done(): void; failed(): void } | null,
  ): Promise<string> {
    let lastError: unknown = null;
    let hash = createHash("sha256");
    let hashed = -1; // bytes of the file `hash` covers; -1: none yet
    const rehash = async (n: number) => {
      hash = createHash("sha256");
      hashed = 0;
      if (n === 0) return;
      for await (const c of createReadStream(partialPath, { start: 0, end: n - 1 })) {
        hash.update(c as Buffer);
        hashed += (c as Buffer).length;
      }
    };
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      let offset = 0;
      try {
        offset = (await fsp.stat(partialPath)).size;
      } catch {
        /* nothing yet */
      }
      if (offset > desc.size) {
        await fsp.truncate(partialPath, 0);
        offset = 0;
      }
      if (offset === desc.size && desc.size > 0) {
        if (hashed !== offset) await rehash(offset);
        return `sha256:${hash.digest("hex")}`;
      }
      const headers: Record<string, string> = {};
      if (offset > 0) headers.range = `bytes=${offset}-`;
      let res: Response;
      try {
        res = await this.request("GET", `/v2/${repoPath(repository)}/blobs/${desc.digest}`, { scopes: [`repository:${repository}:pull`], headers, signal });
      } catch (e) {
        if (e instanceof RegistryError && e.status === 0 && attempt < this.retries) {
          lastError = e;
          await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
          continue;
        }
        throw e;
      }
      if (res.status === 416) {
        await res.body?.cancel().catch(() => {});
        await fsp.truncate(partialPath, 0).catch(() => {});
        continue;
      }
      if (res.status === 404) {
        await res.body?.cancel().catch(() => {});
        throw new ImageError("not_found", `blob ${desc.digest} not found in ${this.host}/${repository}`);
      }
      if (res.status !== 200 && res.status !== 206) await this.fail(res, `downloading blob ${desc.digest}`);
      if (res.status === 200 && offset > 0) offset = 0; // the server ignored Range: start over
      if (hashed !== offset) await rehash(offset);
      let done = offset;
      const counter = new Transform({
        transform(chunk: Buffer, _e, cb) {
          done += chunk.length;
          if (done > desc.size) return cb(new DigestMismatchError(desc.digest, "(more bytes than the descriptor's size)", `blob ${desc.digest}`));
          hash.update(chunk);
          hashed += chunk.length;
          onProgress?.(done, desc.size);
          cb(null, chunk);
        },
      });
      const file = createWriteStream(partialPath, { flags: offset > 0 ? "a" : "w", mode: 0o600 });
      const teed = tapFor(offset);
      try {
        await pipeline(Readable.fromWeb(res.body as never), counter, teed ? tee(file, teed.tap) : file);
        if (done === desc.size) {
          teed?.done();
          return `sha256:${hash.digest("hex")}`;
        }
        teed?.failed();
        hashed = -1; // what reached the disk is unknown: hash the kept prefix again next time
        lastError = new RegistryError("registry", res.status, `download of ${desc.digest} ended after ${done} of ${desc.size} bytes`);
      } catch (e) {
        teed?.failed();
        if (e instanceof DigestMismatchError) {
          await fsp.rm(partialPath, { force: true });
          throw e;
        }
        if (signal?.aborted) throw e;
        hashed = -1;
        lastError = e;
      }
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
    throw new RegistryError("registry", 0, `download of blob ${desc.digest} from ${this.host} kept failing: ${(lastError as Error)?.message ?? "unknown error"}`);
  }

  /** HEAD a blob: true if the repository has it. */
  async hasBlob(repository: string, digest: string, scopes: string[]): Promise<boolean> {
    const res = await this.request("HEAD", `/v2/${repoPath(repository)}/blobs/${digest}`, { scopes });
    await res.body?.cancel().catch(() => {});
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    return this.fail(res, `checking blob ${digest}`);
  }

  /**
   * Uploads a blob unless the repository has it: HEAD, then a cross-repository mount from each of `mountFrom`
   * (same registry), then POST + PATCH (the content) + PUT ?digest=. Returns what happened.
   */
  async pushBlob(
    repository: string,
    desc: Descriptor,
    open: () => Readable,
    opts: { mountFrom?: string[]; onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
  ): Promise<{ result: "exists" | "mounted" | "uploaded"; from?: string }> {
    const push = [`repository:${repository}:pull,push`];
    if (await this.hasBlob(repository, desc.digest, push)) return { result: "exists" };
    let location: string | null = null;
    for (const from of opts.mountFrom ?? []) {
      if (from === repository) continue;
      const scopes = [...push, `repository:${from}:pull`];
      const res = await this.request("POST", `/v2/${repoPath(repository)}/blobs/uploads/?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(from)}`, {
        scopes,
        signal: opts.signal,
      });
      await res.body?.cancel().catch(() => {});
      if (res.status === 201) return { result: "mounted", from };
      if (res.status === 202) {
        location = res.headers.get("location");
        break;
      }
    }
    const base = await this.baseUrl();
    if (!location) {
      const res = await this.request("POST", `/v2/${repoPath(repository)}/blobs/uploads/`, { scopes: push, signal: opts.signal });
      await res.body?.cancel().catch(() => {});
      if (res.status !== 202) await this.fail(res, `starting upload of ${desc.digest}`);
      location = res.headers.get("location");
    }
    if (!location) throw new RegistryError("registry", 202, `${this.host} started an upload without a Location`);
    let url = new URL(location, base);
    let sent = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        sent += chunk.length;
        opts.onProgress?.(sent, desc.size);
        cb(null, chunk);
      },
    });
    const body = open().pipe(counter);
    const patch = await this.request("PATCH", url.toString(), {
      scopes: push,
      body,
      headers: { "content-type": "application/octet-stream", "content-length": String(desc.size) },
      signal: opts.signal,
    });
    await patch.body?.cancel().catch(() => {});
    if (patch.status !== 202 && patch.status !== 204) await this.fail(patch, `uploading ${desc.digest}`);
    url = new URL(patch.headers.get("location") ?? url.toString(), base);
    url.searchParams.set("digest", desc.digest);
    const put = await this.request("PUT", url.toString(), { scopes: push, headers: { "content-length": "0" }, signal: opts.signal });
    await put.body?.cancel().catch(() => {});
    if (put.status !== 201) await this.fail(put, `completing upload of ${desc.digest}`);
    return { result: "uploaded" };
  }

  /** PUT a manifest (or index) under a tag or its digest. Returns the digest the registry reports. */
  async putManifest(repository: string, reference: string, mediaType: string, body: Buffer): Promise<string> {
    const res = await this.request("PUT", `/v2/${repoPath(repository)}/manifests/${encodeURIComponent(reference)}`, {
      scopes: [`repository:${repository}:pull,push`],
      headers: { "content-type": mediaType },
      body: new Uint8Array(body),
    });
    await res.body?.cancel().catch(() => {});
    if (res.status !== 201 && res.status !== 200) await this.fail(res, `pushing manifest ${repository}:${reference}`);
    const digest = sha256(body);
    const reported = res.headers.get("docker-content-digest");
    if (reported && reported !== digest) throw new DigestMismatchError(digest, reported, `manifest as stored by ${this.host}`);
    return digest;
  }
}

/** What a download's tap is destroyed with when it was not given the whole blob from its first byte. */
export class TapNotFed extends Error {
  constructor(why: string) {
    super(`the blob did not stream in one piece (${why})`);
    this.name = "TapNotFed";
  }
}

/**
 * A sink writing each chunk to `file` and to `tap`, waiting for both (the slower sets the pace). A `tap` that errors
 * or closes before it has been ended is left out from then on; the file's errors are the sink's.
 */
function tee(file: Writable, tap: Writable): Writable {
  // The file's failures reach the sink through write callbacks and end(); a write still in flight when the sink is
  // destroyed (the download broke) fails quietly.
  file.on("error", () => {});
  let tapGone = false;
  const gone = () => (tapGone = true);
  tap.once("error", gone);
  tap.once("close", gone);
  const toTap = (chunk: Buffer) =>
    new Promise<void>((resolve) => {
      if (tapGone || tap.destroyed || tap.write(chunk)) return resolve();
      const go = () => {
        tap.off("drain", go);
        tap.off("close", go);
        resolve();
      };
      tap.on("drain", go);
      tap.on("close", go);
    });
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      let fileDone = false;
      let tapDone = false;
      let failed = false;
      const both = () => fileDone && tapDone && !failed && cb();
      file.write(chunk, (e) => {
        if (e) return failed || ((failed = true), cb(e));
        fileDone = true;
        both();
      });
      void toTap(chunk).then(() => {
        tapDone = true;
        both();
      });
    },
    final(cb) {
      file.end((e?: Error | null) => cb(e ?? null));
    },
    destroy(err, cb) {
      // The error is the sink's to report (to the pipeline); the file is only closed.
      file.destroy();
      cb(err);
    },
  });
}
