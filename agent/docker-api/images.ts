// The /images routes of the Engine API over the agent's ImageService: pull with streamed progress, list with filters,
// inspect, history, tag, remove, push with X-Registry-Auth, prune, and /auth. Shapes are Docker's (moby's api/types).
import { Readable } from "node:stream";
import { applyChanges, CommitChangeError } from "../image-builder/commit";
import { hostPlatform, type ImageService } from "../images/image-service";
import { ImageReference } from "../../lib/oci/reference";
import type { ImageDetail, ImageRuntimeConfig, ImageSummary, Platform, ProgressEvent } from "../../lib/oci/types";
import { ApiError, badParameter, unauthorizedError } from "./errors";
import { JsonStream, parseFilters, progressBar, queryBool, readJson, sendJson, type Ctx } from "./http";
import { authFromJson, decodeRegistryAuth, registryHost } from "./registry-auth";
import { route, type Route } from "./server";

export function imageRoutes(images: ImageService): Route[] {
  return [
    route("POST", "/images/create", (ctx) => pull(images, ctx)),
    route("GET", "/images/json", (ctx) => list(images, ctx)),
    route("POST", "/images/prune", (ctx) => prune(images, ctx)),
    route("GET", "/images/{name}/json", async ({ res, params }) => sendJson(res, 200, inspectJson(await images.inspect(params[0])))),
    route("GET", "/images/{name}/history", (ctx) => history(images, ctx)),
    route("POST", "/images/{name}/tag", (ctx) => tag(images, ctx)),
    route("POST", "/images/{name}/push", (ctx) => push(images, ctx)),
    route("DELETE", "/images/{name}", (ctx) => remove(images, ctx)),
    route("POST", "/auth", (ctx) => login(images, ctx)),
    route("GET", "/distribution/{name}/json", (ctx) => distribution(images, ctx)),
  ];
}

/** One engine progress event as a jsonmessage line, with dockerd's text bar when sizes are known. */
export function progressLine(stream: JsonStream, ev: ProgressEvent) {
  const d = ev.progressDetail;
  const bar = d && d.current !== undefined && ["Downloading", "Extracting", "Pushing", "Loading layer"].includes(ev.status) ? progressBar(d.current, d.total ?? 0) : undefined;
  stream.status(ev.status, ev.id, d ?? (ev.id ? {} : undefined), bar);
}

export function parsePlatform(raw: string | null): Platform | undefined {
  if (!raw) return undefined;
  const [os, architecture, variant, ...extra] = raw.split("/");
  if (!os || !architecture || extra.length) throw badParameter(`invalid platform "${raw}": expected os/arch[/variant], e.g. linux/amd64`);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

async function pull(images: ImageService, ctx: Ctx) {
  if (ctx.query.get("fromSrc") !== null) return importImage(images, ctx);
  const { req, res, query, log } = ctx;
  const from = query.get("fromImage");
  if (!from) throw badParameter("fromImage is required");
  const tagOrDigest = query.get("tag") ?? "";
  let text = from;
  if (tagOrDigest) text += tagOrDigest.includes(":") ? `@${tagOrDigest}` : `:${tagOrDigest}`;
  const ref = ImageReference.parse(text);
  const platform = parsePlatform(query.get("platform"));
  const auth = decodeRegistryAuth(req.headers["x-registry-auth"]);
  const stream = new JsonStream(res);
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  // The first line waits until the manifest is resolved, as with dockerd: a missing image, refused credentials or an
  // unreachable registry are then an error response with its status (404, 401, 502) rather than a 200 stream ending
  // in an error line, and clients that only look at the status (dockerode's pull()) see the failure.
  let announced = false;
  const announce = () => {
    if (!announced) stream.status(`Pulling from ${ref.repository}`, ref.tag ?? ref.digest ?? "latest");
    announced = true;
  };
  try {
    const result = await images.pull(ref.toString(), {
      auth,
      platform,
      signal: abort.signal,
      onProgress: (ev) => {
        if (ev.status.startsWith("Digest:") || ev.status.startsWith("Status:") || ev.status.startsWith("Pulling from")) return;
        announce();
        progressLine(stream, ev);
      },
    });
    announce();
    stream.status(`Digest: ${result.digest}`);
    stream.status(result.downloaded ? `Status: Downloaded newer image for ${ref.familiar()}` : `Status: Image is up to date for ${ref.familiar()}`);
    stream.end();
  } catch (e) {
    stream.fail(e, log);
  }
}

const TAG = /^[\w][\w.-]{0,127}$/;

/**
 * `docker import`: a root filesystem tarball (plain, gzip or zstd; the body with fromSrc=-, or fetched from an http(s)
 * URL) becomes a one-layer image with `changes` (Dockerfile instructions) applied to an empty config, `message` as its
 * history comment, the platform asked for (the host's by default), tagged repo:tag when a repo is given. The answer
 * is dockerd's: a stream whose last status is the new image's id.
 */
async function importImage(images: ImageService, { req, res, query, log }: Ctx) {
  const src = query.get("fromSrc") ?? "";
  const repo = query.get("repo") ?? "";
  const tagName = query.get("tag") ?? "";
  let target: ImageReference | null = null;
  if (repo) {
    target = ImageReference.parse(repo, { defaultTag: false });
    if (tagName) {
      if (!TAG.test(tagName)) throw badParameter("invalid tag format");
      if (target.tag || target.digest) throw badParameter(`repo "${repo}" already names a tag; give the tag in one place`);
      target = target.withTag(tagName);
    } else if (target.digest) throw badParameter(`cannot import to a digest reference: "${repo}"`);
    else if (!target.tag) target = target.withTag("latest");
  } else if (tagName) throw badParameter("a tag needs a repository (repo) to go with it");
  const changes = query.getAll("changes").flatMap((v) => v.split("\n")).filter((l) => l.trim());
  let runtimeConfig: ImageRuntimeConfig;
  try {
    runtimeConfig = applyChanges({}, changes);
  } catch (e) {
    if (e instanceof CommitChangeError) throw badParameter(e.message);
    throw e;
  }
  const platform = parsePlatform(query.get("platform")) ?? hostPlatform();
  const message = query.get("message") ?? "";
  let url: URL | null = null;
  if (src !== "-") {
    try {
      url = new URL(src);
    } catch {
      throw badParameter(`fromSrc must be "-" (the request body) or an http(s) URL, got "${src}"`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw badParameter(`fromSrc: unsupported protocol scheme "${url.protocol.replace(/:$/, "")}"`);
  }
  const stream = new JsonStream(res);
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  try {
    let body: Readable = req;
    if (url) {
      let fetched: Response;
      try {
        fetched = await fetch(url, { redirect: "follow", signal: abort.signal });
      } catch (e) {
        throw new ApiError(502, `Get "${url.href}": ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
      }
      if (!fetched.ok || !fetched.body) throw new ApiError(502, `Get "${url.href}": the server answered ${fetched.status} ${fetched.statusText}`);
      stream.status(`Downloading from ${url.href}`);
      body = Readable.fromWeb(fetched.body as import("node:stream/web").ReadableStream);
    }
    const layer = await images.importLayer(body, { parentChainId: null });
    const created = new Date().toISOString();
    const image = await images.createImage({
      config: {
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant ? { variant: platform.variant } : {}),
        created,
        ...(message ? { comment: message } : {}),
        config: runtimeConfig,
        history: [{ created, ...(message ? { comment: message } : {}) }],
      },
      layers: [layer],
      tags: target ? [target.toString()] : [],
    });
    stream.status(image.id);
    stream.end();
  } catch (e) {
    stream.fail(e, log);
  }
}

/** Untagged images that are another image's parent are build steps: shown only with all=1, as dockerd does. */
function intermediateIds(all: ImageSummary[]): Set<string> {
  const parents = new Set(all.map((i) => i.parentId).filter(Boolean));
  return new Set(all.filter((i) => i.repoTags.length === 0 && parents.has(i.id)).map((i) => i.id));
}

async function list(images: ImageService, { res, query }: Ctx) {
  const filters = parseFilters(query, ["dangling", "reference", "label", "before", "since"]);
  const showAll = queryBool(query, "all");
  let all = await images.list();
  const hidden = showAll ? new Set<string>() : intermediateIds(all);
  const dangling = filters.get("dangling");
  if (dangling?.length) {
    const v = dangling[dangling.length - 1].toLowerCase();
    if (v !== "true" && v !== "false" && v !== "1" && v !== "0") throw badParameter(`invalid filter 'dangling=${v}'`);
    const want = v === "true" || v === "1";
    all = all.filter((i) => (i.repoTags.length === 0) === want);
  }
  const refs = filters.get("reference");
  if (refs?.length) {
    const matchers = refs.map(referenceMatcher);
    all = all
      .map((i) => ({
        ...i,
        repoTags: i.repoTags.filter((t) => matchers.some((m) => m(t))),
        repoDigests: i.repoDigests.filter((d) => matchers.some((m) => m(d.split("@")[0]) || m(d))),
      }))
      .filter((i) => i.repoTags.length > 0 || i.repoDigests.length > 0);
  }
  const labels = filters.get("label");
  if (labels?.length) {
    all = all.filter((i) =>
      labels.every((l) => {
        const eq = l.indexOf("=");
        return eq < 0 ? l in i.labels : i.labels[l.slice(0, eq)] === l.slice(eq + 1);
      }),
    );
  }
  for (const [key, cmp] of [["before", (a: number, b: number) => a < b], ["since", (a: number, b: number) => a > b]] as const) {
    const v = filters.get(key);
    if (!v?.length) continue;
    const pivot = await images.inspect(v[0]);
    all = all.filter((i) => cmp(i.created, pivot.created));
  }
  const body = all
    .filter((i) => !hidden.has(i.id))
    .sort((a, b) => b.created - a.created)
    .map((i) => ({
      Id: i.id,
      ParentId: i.parentId,
      RepoTags: i.repoTags,
      RepoDigests: i.repoDigests,
      Created: i.created,
      Size: i.size,
      SharedSize: -1,
      VirtualSize: i.size,
      Labels: i.labels,
      Containers: -1,
    }));
  sendJson(res, 200, body);
}

/** `reference` filter: a glob over the familiar name (with or without tag), as `docker images 'busy*'` expects. */
function referenceMatcher(pattern: string): (tag: string) => boolean {
  const re = new RegExp("^" + pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*") + "$");
  return (tag) => {
    const colon = tag.lastIndexOf(":");
    const name = colon > tag.lastIndexOf("/") ? tag.slice(0, colon) : tag;
    return re.test(tag) || re.test(name);
  };
}

export function inspectJson(i: ImageDetail) {
  const cfg: ImageRuntimeConfig = i.config.config ?? {};
  const config = {
    Hostname: "",
    Domainname: "",
    User: cfg.User ?? "",
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ExposedPorts: cfg.ExposedPorts,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: cfg.Env ?? null,
    Cmd: cfg.Cmd ?? null,
    Healthcheck: cfg.Healthcheck,
    Image: "",
    Volumes: cfg.Volumes ?? null,
    WorkingDir: cfg.WorkingDir ?? "",
    Entrypoint: cfg.Entrypoint ?? null,
    OnBuild: cfg.OnBuild ?? null,
    Labels: cfg.Labels ?? null,
    StopSignal: cfg.StopSignal,
    Shell: cfg.Shell,
  };
  return {
    Id: i.id,
    RepoTags: i.repoTags,
    RepoDigests: i.repoDigests,
    Parent: i.parentId,
    Comment: i.comment,
    Created: i.config.created ?? new Date(i.created * 1000).toISOString(),
    Container: "",
    DockerVersion: "",
    Author: i.author,
    Config: config,
    Architecture: i.architecture,
    ...(i.variant ? { Variant: i.variant } : {}),
    Os: i.os,
    Size: i.size,
    VirtualSize: i.size,
    GraphDriver: {
      Name: "overlayfs",
      Data: { LowerDir: i.layers.map((l) => l.path).reverse().join(":") },
    },
    RootFS: { Type: "layers", Layers: i.config.rootfs.diff_ids },
    Metadata: { LastTagTime: "0001-01-01T00:00:00Z" },
  };
}

async function history(images: ImageService, { res, params }: Ctx) {
  const rows = await images.history(params[0]);
  sendJson(
    res,
    200,
    rows.map((r) => ({ Id: r.id, Created: r.created, CreatedBy: r.createdBy, Tags: r.tags.length ? r.tags : null, Size: r.size, Comment: r.comment })),
  );
}

async function tag(images: ImageService, { res, params, query }: Ctx) {
  const repo = query.get("repo");
  if (!repo) throw badParameter("repository name (repo) is required");
  const t = query.get("tag") || "latest";
  const target = ImageReference.parse(repo, { defaultTag: false });
  if (target.tag || target.digest) throw badParameter(`repo "${repo}" must be a repository name without a tag or digest (give the tag in tag=)`);
  await images.tag(params[0], target.withTag(t).toString());
  res.writeHead(201, { "Content-Length": 0 });
  res.end();
}

async function remove(images: ImageService, { res, params, query }: Ctx) {
  const r = await images.remove(params[0], { force: queryBool(query, "force"), noprune: queryBool(query, "noprune") });
  sendJson(res, 200, [...r.untagged.map((u) => ({ Untagged: u })), ...r.deleted.map((d) => ({ Deleted: d }))]);
}

async function prune(images: ImageService, { res, query }: Ctx) {
  const filters = parseFilters(query, ["dangling", "label", "until"]);
  if (filters.has("until") || filters.has("label")) throw badParameter("image prune filters 'until' and 'label' are not supported by Gantry yet");
  const dangling = (filters.get("dangling") ?? ["true"]).at(-1)!.toLowerCase();
  if (!["true", "false", "1", "0"].includes(dangling)) throw badParameter(`invalid filter 'dangling=${dangling}'`);
  const r = await images.prune({ all: dangling === "false" || dangling === "0" });
  const deleted = [...r.untagged.map((u) => ({ Untagged: u })), ...r.deleted.map((d) => ({ Deleted: d }))];
  sendJson(res, 200, { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: r.spaceReclaimed });
}

async function push(images: ImageService, { req, res, params, query, log }: Ctx) {
  const base = ImageReference.parse(params[0], { defaultTag: false });
  const t = query.get("tag");
  const auth = decodeRegistryAuth(req.headers["x-registry-auth"]);
  let refs: ImageReference[];
  if (t) refs = [base.withTag(t)];
  else if (base.tag || base.digest) refs = [base];
  else {
    // No tag: every local tag of the repository, as dockerd does.
    const tags = (await images.list()).flatMap((i) => i.repoTags).map((x) => ImageReference.parse(x)).filter((r) => r.name === base.name);
    if (!tags.length) throw badParameter(`An image does not exist locally with the tag: ${base.familiarName}`);
    refs = tags;
  }
  for (const r of refs) await images.resolve(r.toString());
  const stream = new JsonStream(res);
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  try {
    stream.status(`The push refers to repository [${base.name}]`);
    for (const r of refs) {
      const out = await images.push(r.toString(), { auth, signal: abort.signal, onProgress: (ev) => progressLine(stream, ev) });
      const tagName = out.tag ?? r.tag ?? "";
      stream.status(`${tagName}: digest: ${out.digest} size: ${out.size}`);
      stream.write({ progressDetail: {}, aux: { Tag: tagName, Digest: out.digest, Size: out.size } });
    }
    stream.end();
  } catch (e) {
    stream.fail(e, log);
  }
}

/** `docker manifest`-style lookups and compose's digest pinning: the registry's descriptor and platforms, nothing pulled. */
async function distribution(images: ImageService, { req, res, params }: Ctx) {
  const ref = ImageReference.parse(params[0]!);
  const info = await images.distribution(ref.toString(), { auth: decodeRegistryAuth(req.headers["x-registry-auth"]) });
  sendJson(res, 200, {
    Descriptor: { mediaType: info.descriptor.mediaType, digest: info.descriptor.digest, size: info.descriptor.size },
    Platforms: info.platforms.map((p) => ({ architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}) })),
  });
}

async function login(images: ImageService, { req, res }: Ctx) {
  const body = await readJson(req);
  const auth = authFromJson(body ?? {});
  const server = registryHost(String((body as Record<string, unknown>)?.serveraddress ?? ""));
  if (!auth?.username && !auth?.identitytoken) throw badParameter("username and password (or an identity token) are required");
  let out;
  try {
    out = await images.login(server, auth);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "unauthorized" || code === "denied") throw unauthorizedError(`login attempt to ${server} failed: ${(e as Error).message}`);
    throw e;
  }
  sendJson(res, 200, { Status: out.status || "Login Succeeded", IdentityToken: out.identityToken ?? "" });
}
