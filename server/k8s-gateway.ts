// The Kubernetes API under /k8s, a plain Node handler in front of Next: kubectl's requests (discovery, OpenAPI, the
// verbs on each resource, watch streams) are parsed here — path, query, Accept, body — and handed to one use case in
// lib/k8s each; whatever they throw is answered as a Status. Callers authenticate with a Gantry API token as a bearer
// token (`kubectl --token gat_…`), or — the dashboard's pages — with their session cookie (same-origin for writes); every
// right is decided by lib/auth/policy.ts inside the use cases, and every authorized mutation is written to the activity
// record.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Actor, Action } from "@/lib/auth/policy";
import { authorize, authorizeSomewhere, can } from "@/lib/auth/policy";
import { bearerToken, parseCookieHeader, sessionFromRequest } from "@/lib/auth/actor";
import { crossSiteReason, isSafeMethod } from "@/lib/http/same-origin";
import { actorFromApiToken } from "@/lib/api-tokens/actor-from-api-token";
import { recordActivity } from "@/lib/activity/record-activity";
import { PENDING, completeActivity } from "@/lib/activity/record-request-activity";
import { clientAddress } from "@/lib/activity/client-address";
import { parseDryRun, parseFieldValidation } from "@/lib/k8s/admit";
import { SCALE_RIGHTS, authorizeKube, authorizeKubeRead, kubeScope, narrowed, rightsFor } from "@/lib/k8s/authorize";
import { startChangeFeed, stopChangeFeed } from "@/lib/k8s/change-feed";
import { startGarbageCollector, stopGarbageCollector } from "@/lib/k8s/garbage-collector";
import { createObject } from "@/lib/k8s/create-object";
import { deleteCollection } from "@/lib/k8s/delete-collection";
import { deleteObject, deleteOptionsProtoSchema, parseDeleteOptions, type DeleteOptions } from "@/lib/k8s/delete-object";
import {
  AGGREGATED_DISCOVERY_TYPE, aggregatedDiscovery, apiGroupList, apiGroupOf, apiResourceList, apiVersions, servesGroupVersion, versionInfo,
} from "@/lib/k8s/discovery";
import { getObjectOrThrow } from "@/lib/k8s/get-object";
import { podResource } from "@/lib/k8s/kinds/pod";
import { listObjects, parseLimit } from "@/lib/k8s/list-objects";
import { OPENAPI_V2_PROTOBUF, openApiDocument, openApiIndex, openApiV2 } from "@/lib/k8s/openapi";
import { PATCH_CONTENT_TYPES, patchObject, type PatchType } from "@/lib/k8s/patch-object";
import { decodeProtobufObject } from "@/lib/k8s/protobuf";
import { ACCESS_REVIEW, RULES_REVIEW, findReviewKind, reviewAccess, reviewRules, reviewSubject, type ReviewKind } from "@/lib/k8s/access-review";
import { parseKubePath } from "@/lib/k8s/request-path";
import { applyObject } from "@/lib/k8s/apply-object";
import { apiVersionOf, findResource, subresourcesOf, type ResourceDef, type Verb } from "@/lib/k8s/resources";
import { setSecretsKey } from "@/lib/k8s/secret-box";
import {
  KubeError, badRequest, methodNotAllowed, notAcceptable, successStatus, toStatus, tooLarge, unauthorized, unsupportedMediaType, type Status,
} from "@/lib/k8s/status";
import { parseIncludeObject, toTable } from "@/lib/k8s/table";
import { updateObject } from "@/lib/k8s/update-object";
import { updateStatus } from "@/lib/k8s/update-status";
import { getScale, writeScale } from "@/lib/k8s/scale";
import { bindPod } from "@/lib/k8s/bind-pod";
import { watchTrusted } from "@/lib/k8s/watch-objects";
import { isPodLog, isPodStreamUpgrade, servePodLog, upgradePodStream } from "./k8s-pod-streams";
import { upgradePortForward } from "./k8s-port-forward";
import { authorizePodStream } from "@/lib/k8s/pod-container";

export const K8S_PREFIX = "/k8s";
/** How often an open watch's token and rights are checked again. */
const WATCH_RECHECK_MS = 5000;
/** kube-apiserver's limit on request bodies (--max-request-bytes defaults to 3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface K8sGatewayOptions {
  dataDir: string;
  /** How long watches may resume from (GANTRY_K8S_WATCH_HISTORY_SECONDS, default 300, as etcd's compaction). */
  historySeconds?: number;
}

export interface K8sGateway {
  owns(req: IncomingMessage): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** An HTTP upgrade under /k8s: pods/exec and pods/attach; anything else is refused. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

export async function attachK8sGateway(opts: K8sGatewayOptions): Promise<K8sGateway> {
  setSecretsKey(secretsKey(opts.dataDir));
  const historySeconds = opts.historySeconds ?? Number(process.env.GANTRY_K8S_WATCH_HISTORY_SECONDS ?? 300);
  if (!Number.isFinite(historySeconds) || historySeconds <= 0) throw new Error("GANTRY_K8S_WATCH_HISTORY_SECONDS must be a positive number of seconds");
  await startChangeFeed({ historySeconds });
  // The garbage collector runs in the control plane, fed by the change feed (ownerReferences, orphan and foreground
  // deletion).
  startGarbageCollector();
  const gantryVersion = packageVersion();
  const watches = new Set<AbortController>();
  return {
    owns: (req) => req.url === K8S_PREFIX || !!req.url?.startsWith(`${K8S_PREFIX}/`),
    handle(req, res) {
      void serve(req, res, gantryVersion, watches).catch((e) => {
        if (!res.headersSent) send(res, toStatus(e).code, toStatus(e));
        else res.destroy();
      });
    },
    upgrade(req, socket, head) {
      const url = new URL(req.url ?? "/", "http://k8s.invalid");
      const target = isPodStreamUpgrade(url.pathname.slice(K8S_PREFIX.length));
      if (!target) return void socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
      const { stream } = target;
      if (stream === "portforward") return void upgradePortForward(req, socket, head, url, target).catch(() => socket.destroy());
      void upgradePodStream(req, socket, head, url, { ...target, stream }).catch(() => socket.destroy());
    },
    async close() {
      for (const w of watches) w.abort();
      await stopGarbageCollector();
      await stopChangeFeed();
    },
  };
}

/**
 * The AES-256 key sealing Secrets at rest: GANTRY_K8S_SECRETS_KEY (base64 of 32 bytes; control-plane replicas sharing
 * one database must share it), else a file under GANTRY_DATA/keys made once (32 random bytes, mode 0600).
 */
function secretsKey(dataDir: string): Buffer {
  const given = process.env.GANTRY_K8S_SECRETS_KEY?.trim();
  if (given) {
    const key = Buffer.from(given, "base64");
    if (key.length !== 32) throw new Error("GANTRY_K8S_SECRETS_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)");
    return key;
  }
  return readOrCreateKey(join(dataDir, "keys", "k8s-secrets.key"));
}

function readOrCreateKey(file: string): Buffer {
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
    return key;
  }
  const key = randomBytes(32);
  writeFileSync(file, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return key;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as { version?: string }).version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

// ---- responses ----

function send(res: ServerResponse, code: number, body: unknown, contentType = "application/json", warnings: string[] = []): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = { "content-type": contentType, "content-length": String(Buffer.byteLength(text)), "cache-control": "no-cache, private" };
  if (warnings.length) headers.warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

const sendStatus = (res: ServerResponse, status: Status) => send(res, status.code, status);

type Negotiated = { table: false } | { table: true; apiVersion: string };

/** JSON, or a Table when the Accept header asks for one first; 406 when it accepts neither. */
function negotiate(accept: string | undefined): Negotiated {
  if (!accept || !accept.trim()) return { table: false };
  for (const entry of accept.split(",")) {
    const [type, ...paramParts] = entry.split(";").map((s) => s.trim());
    const params = Object.fromEntries(paramParts.map((p) => p.split("=").map((s) => s.trim()) as [string, string]));
    if (type === "application/json" && params.as === "Table" && params.g === "meta.k8s.io" && (params.v === "v1" || params.v === "v1beta1"))
      return { table: true, apiVersion: `meta.k8s.io/${params.v}` };
    if (params.as) continue;
    if (type === "application/json" || type === "*/*" || type === "application/*") return { table: false };
  }
  throw notAcceptable("only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io");
}

function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  return !!accept && accept.split(",").some((e) => /as=APIGroupDiscoveryList/.test(e) && /g=apidiscovery\.k8s\.io/.test(e) && /v=v2(;|$|\s)/.test(e + ";"));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    throw tooLarge(MAX_BODY_BYTES);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      throw tooLarge(MAX_BODY_BYTES);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readJsonBody(req: IncomingMessage, optional = false): Promise<unknown> {
  const text = (await readBody(req)).toString("utf8");
  if (!text.trim()) {
    if (optional) return undefined;
    throw badRequest("the request body is empty");
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

const mediaType = (req: IncomingMessage) => (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();

/** An object body: JSON, or protobuf from kubectl's typed commands. YAML bodies are refused (kubectl sends JSON). */
async function readObjectBody(req: IncomingMessage, def: ResourceDef): Promise<unknown> {
  const type = mediaType(req);
  if (type === "application/vnd.kubernetes.protobuf") return decodeProtobufObject(await readBody(req), def.schema);
  if (type !== "application/json" && type !== "") throw unsupportedMediaType(type);
  return readJsonBody(req);
}

// ---- the request ----

/**
 * The caller: a Gantry API token as a bearer (kubectl, scripts), or — for the dashboard's own pages — the signed-in
 * session's cookie. A cookie rides along with any request a browser makes to this host, so a state-changing request
 * carrying one must come from this control plane's own pages (lib/http/same-origin.ts) and not be form-shaped. The
 * upgrades (exec, attach, port-forward) take a bearer token only: the dashboard's terminal has its own socket.
 */
async function authenticate(req: IncomingMessage): Promise<Actor> {
  const token = bearerToken(req as Parameters<typeof bearerToken>[0]);
  if (token) {
    const actor = await actorFromApiToken(token);
    if (!actor) throw unauthorized();
    return actor;
  }
  if (!req.headers.cookie) throw unauthorized();
  const headers = { get: (n: string) => (typeof req.headers[n] === "string" ? (req.headers[n] as string) : null) };
  const method = req.method ?? "GET";
  if (!isSafeMethod(method)) {
    const reason = crossSiteReason(headers);
    if (reason) throw new KubeError(403, "Forbidden", `cross-site request refused: ${reason}; use this control plane's own pages, or an API token`);
    if (/^\s*(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\b/i.test(headers.get("content-type") ?? "")) throw unsupportedMediaType(headers.get("content-type")!);
  }
  const withCookies = req as IncomingMessage & { cookies?: Record<string, string> };
  withCookies.cookies = parseCookieHeader(req.headers.cookie);
  const session = await sessionFromRequest(withCookies as never);
  if (!session || session.actor.disabled) throw unauthorized();
  return session.actor;
}

async function serve(req: IncomingMessage, res: ServerResponse, gantryVersion: string, watches: Set<AbortController>): Promise<void> {
  const url = new URL(req.url ?? "/", "http://k8s.invalid");
  const route = parseKubePath(url.pathname.slice(K8S_PREFIX.length));
  const method = req.method ?? "GET";
  const accept = req.headers.accept;
  try {
    // What kube-apiserver shows anyone: its version and health.
    if (route.kind === "version") return send(res, 200, versionInfo(gantryVersion));
    if (route.kind === "health") {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      return void res.end("ok");
    }
    const actor = await authenticate(req);
    if (route.kind !== "resource") {
      if (method !== "GET" && method !== "HEAD") throw methodNotAllowed(`${method} is not allowed on ${url.pathname}`);
      // Discovery and the OpenAPI documents name kinds, never objects: whoever may read somewhere (a namespace's
      // binding is enough) reads them, as kube-apiserver's system:discovery role lets every signed-in user — kubectl
      // asks for them before anything else.
      authorizeSomewhere(actor, "k8s.read");
      return serveDocument(res, route, accept, req.headers.host ?? "localhost");
    }
    const log = isPodLog(url.pathname.slice(K8S_PREFIX.length));
    if (log) {
      if (method !== "GET") throw methodNotAllowed(`${method} is not allowed on pods/log`);
      return await servePodLog(req, res, actor, log.namespace, log.name, url.searchParams);
    }
    // pods/exec, pods/attach and pods/portforward are upgrades (above): a plain request is refused, after its rights
    // and its pod.
    const upgradeOnly = isPodStreamUpgrade(url.pathname.slice(K8S_PREFIX.length));
    if (upgradeOnly) {
      authorizePodStream(actor, upgradeOnly.stream, upgradeOnly.namespace, upgradeOnly.name);
      // As kube-apiserver, which finds the pod (and its node) before it looks at the upgrade: a missing pod is a 404.
      await getObjectOrThrow({ actor, def: podResource, namespace: upgradeOnly.namespace, name: upgradeOnly.name });
      throw new KubeError(400, "BadRequest", "Upgrade request required");
    }
    const review = findReviewKind(route.group, route.version, route.plural);
    if (review) return await serveReview(req, res, actor, review, route);
    const def = findResource(route.group, route.version, route.plural);
    // pods/exec and pods/attach come as upgrades (above), pods/log just before: what is left is status, scale, binding.
    const servedSubresource =
      !route.subresource || (!!def && route.name !== undefined && OBJECT_SUBRESOURCES.has(route.subresource) && subresourcesOf(def).some((s) => s.name === route.subresource));
    if (!def || !servedSubresource || (def.namespaced ? false : route.namespace !== undefined) || (def.namespaced && route.name !== undefined && route.namespace === undefined))
      throw new KubeError(404, "NotFound", "the server could not find the requested resource");
    const target = { actor, def, namespace: def.namespaced ? route.namespace : undefined, name: route.name };
    if (route.subresource) await serveSubresource(req, res, url, { ...target, name: route.name! }, route.subresource as Subresource);
    else await serveResource(req, res, url, target, watches);
  } catch (e) {
    const status = toStatus(e);
    if (res.headersSent) return void res.destroy();
    sendStatus(res, status);
  }
}

function serveDocument(res: ServerResponse, route: ReturnType<typeof parseKubePath>, accept: string | undefined, host: string): void {
  const notFound = () => new KubeError(404, "NotFound", "the server could not find the requested resource");
  switch (route.kind) {
    case "root":
      return send(res, 200, { paths: ["/api", "/api/v1", "/apis", "/healthz", "/livez", "/openapi/v3", "/readyz", "/version"] });
    case "api":
      return wantsAggregatedDiscovery(accept) ? send(res, 200, aggregatedDiscovery(true), AGGREGATED_DISCOVERY_TYPE) : send(res, 200, apiVersions(host));
    case "apis":
      return wantsAggregatedDiscovery(accept) ? send(res, 200, aggregatedDiscovery(false), AGGREGATED_DISCOVERY_TYPE) : send(res, 200, apiGroupList());
    case "group": {
      const g = apiGroupOf(route.group);
      if (!g) throw notFound();
      return send(res, 200, g);
    }
    case "groupVersion":
      if (!servesGroupVersion(route.group, route.version)) throw notFound();
      return send(res, 200, apiResourceList(route.group, route.version));
    case "openapiIndex":
      return send(res, 200, openApiIndex());
    case "openapiV2": {
      if (!accept?.includes(OPENAPI_V2_PROTOBUF)) return send(res, 200, openApiV2(false));
      const body = openApiV2(true) as Buffer;
      // Not the "…spec.v2@v1.0+protobuf" type itself: Go's mime parser refuses its "@" in a Content-Type.
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(body.length) });
      return void res.end(body);
    }
    case "openapi": {
      const doc = openApiDocument(route.group, route.version);
      if (!doc) throw notFound();
      return send(res, 200, doc);
    }
    default:
      throw notFound();
  }
}

/**
 * `kubectl auth can-i` (SelfSubjectAccessReview, SelfSubjectRulesReview) and `kubectl auth whoami` (SelfSubjectReview):
 * create only, answered with the object and its status, nothing stored — asking about one's own rights is itself a
 * right (me.read), and not a mutation, so no activity row.
 */
async function serveReview(req: IncomingMessage, res: ServerResponse, actor: Actor, kind: ReviewKind, route: { namespace?: string; name?: string; subresource?: string }): Promise<void> {
  if (route.namespace !== undefined || route.name !== undefined || route.subresource !== undefined) throw new KubeError(404, "NotFound", "the server could not find the requested resource");
  if (req.method !== "POST") throw methodNotAllowed(`${req.method} is not allowed on ${kind.plural}: create only`);
  authorize(actor, "me.read");
  const type = mediaType(req);
  let body: unknown;
  if (type === "application/vnd.kubernetes.protobuf") body = decodeProtobufObject(await readBody(req), kind.schema);
  else if (type === "application/json" || type === "") body = await readJsonBody(req);
  else throw unsupportedMediaType(type);
  send(res, 201, kind === ACCESS_REVIEW ? reviewAccess(actor, body) : kind === RULES_REVIEW ? reviewRules(actor, body) : reviewSubject(actor, body));
}

interface Target {
  actor: Actor;
  def: ResourceDef;
  namespace?: string;
  name?: string;
}

async function serveResource(req: IncomingMessage, res: ServerResponse, url: URL, t: Target, watches: Set<AbortController>): Promise<void> {
  const q = url.searchParams;
  const method = req.method ?? "GET";
  const isWatch = q.get("watch") === "true" || q.get("watch") === "1";
  const verb: Verb | null =
    method === "GET" || method === "HEAD"
      ? isWatch ? "watch" : t.name ? "get" : "list"
      : method === "POST" ? (t.name ? null : "create")
      : method === "PUT" ? (t.name ? "update" : null)
      : method === "PATCH" ? (t.name ? "patch" : null)
      : method === "DELETE" ? (t.name ? "delete" : "deletecollection")
      : null;
  if (!verb) throw methodNotAllowed(`${method} is not allowed on ${url.pathname.slice(K8S_PREFIX.length)}`);

  if (verb === "get" || verb === "list" || verb === "watch") {
    const negotiated = negotiate(req.headers.accept);
    const include = parseIncludeObject(q.get("includeObject"));
    if (verb === "get") {
      const obj = await getObjectOrThrow({ ...t, name: t.name! });
      return send(res, 200, negotiated.table ? toTable(t.def, [obj], { include, apiVersion: negotiated.apiVersion, resourceVersion: obj.metadata.resourceVersion }) : obj);
    }
    const fieldSelector = t.name ? [q.get("fieldSelector"), `metadata.name=${t.name}`].filter(Boolean).join(",") : q.get("fieldSelector");
    if (verb === "list") {
      const list = await listObjects({ ...t, labelSelector: q.get("labelSelector"), fieldSelector, limit: parseLimit(q.get("limit")), continueToken: q.get("continue") });
      return send(res, 200, negotiated.table ? toTable(t.def, list.items, { include, apiVersion: negotiated.apiVersion, resourceVersion: list.metadata.resourceVersion, continue: list.metadata.continue }) : list);
    }
    return streamWatch(req, res, t, q, fieldSelector, negotiated, include, watches);
  }

  const dryRun = parseDryRun(q.getAll("dryRun"));
  const fieldValidation = parseFieldValidation(q.get("fieldValidation"));
  // Refused before the body is read; the use case asks the policy again (the same question, whoever calls it).
  authorizeKube(t.actor, t.def, verb, t.namespace, t.name);
  // The body is read first, so the activity row can name the object a create makes.
  const body =
    verb === "create" || verb === "update" ? await readObjectBody(req, t.def)
    : verb === "patch" ? await readPatchBody(req)
    : verb === "delete" || verb === "deletecollection" ? parseDeleteOptions(await readDeleteOptionsBody(req))
    : undefined;
  const bodyName = verb === "create" ? ((body as { metadata?: { name?: unknown } } | undefined)?.metadata?.name) : undefined;
  const activity = { actor: t.actor, verb, def: t.def, namespace: t.namespace, name: t.name ?? (typeof bodyName === "string" ? bodyName : undefined), req, path: url.pathname };
  const fieldManager = fieldManagerOf(q.get("fieldManager"), req.headers["user-agent"]);
  // Every mutation an authorized actor makes (not a dry run) is written to the activity record: its intent before it
  // runs, its outcome after, as the REST routes do. Denials are not recorded: nothing was attempted.
  const recorded = !dryRun && rightsFor(t.def, verb).every((r) => can(t.actor, r, kubeScope(t.namespace)));
  const activityId = recorded ? await recordIntent(activity) : null;
  try {
    let status = 200;
    let answer: unknown;
    let warnings: string[] = [];
    switch (verb) {
      case "create": {
        const r = await createObject({ ...t, body, dryRun, fieldValidation, fieldManager });
        [status, answer, warnings] = [201, r.object, r.warnings];
        break;
      }
      case "update": {
        const r = await updateObject({ ...t, name: t.name!, body, dryRun, fieldValidation, fieldManager });
        [answer, warnings] = [r.object, r.warnings];
        break;
      }
      case "patch": {
        const { type, patch } = body as Awaited<ReturnType<typeof readPatchBody>>;
        if (type === "apply") {
          const force = q.get("force") === "true";
          const r = await applyObject({ ...t, name: t.name!, configuration: patch, fieldManager: q.get("fieldManager"), force, dryRun, fieldValidation });
          [status, answer, warnings] = [r.created ? 201 : 200, r.object, r.warnings];
          break;
        }
        const r = await patchObject({ ...t, name: t.name!, patchType: type, patch, dryRun, fieldValidation, fieldManager });
        [answer, warnings] = [r.object, r.warnings];
        break;
      }
      case "delete": {
        const options = { ...deleteOptionsFromQuery(q), ...(body as DeleteOptions) };
        const { object, removed } = await deleteObject({ ...t, name: t.name!, options, dryRun });
        // Gone: a Status. Still there (a graceful pod, finalizers to wait for): the object, as kube-apiserver answers.
        answer = removed ? successStatus({ name: object.metadata.name, group: t.def.group, kind: t.def.plural, uid: object.metadata.uid }) : object;
        break;
      }
      case "deletecollection": {
        if (t.namespace === undefined) throw methodNotAllowed("deletecollection is served in a namespace only");
        const options = { ...deleteOptionsFromQuery(q), ...(body as DeleteOptions | undefined) };
        answer = await deleteCollection({ ...t, namespace: t.namespace, labelSelector: q.get("labelSelector"), fieldSelector: q.get("fieldSelector"), dryRun, options });
        break;
      }
    }
    if (activityId !== null) await completeActivity(activityId, "ok");
    return send(res, status, answer, "application/json", warnings);
  } catch (e) {
    if (activityId !== null) await completeActivity(activityId, toStatus(e).reason ?? "InternalError");
    throw e;
  }
}

type Subresource = "status" | "scale" | "binding";
const OBJECT_SUBRESOURCES = new Set<string>(["status", "scale", "binding"]);

/**
 * …/{name}/status, …/{name}/scale, pods/{name}/binding: GET, PUT and PATCH of status and scale, POST of a Binding. Each
 * mutation is authorized before its body is read and written to the activity record like any other.
 */
async function serveSubresource(req: IncomingMessage, res: ServerResponse, url: URL, t: Target & { name: string }, sub: Subresource): Promise<void> {
  const q = url.searchParams;
  const method = req.method ?? "GET";
  const verbs: Record<Subresource, Partial<Record<string, Verb>>> = {
    status: { GET: "get", HEAD: "get", PUT: "update", PATCH: "patch" },
    scale: { GET: "get", HEAD: "get", PUT: "update", PATCH: "patch" },
    binding: { POST: "create" },
  };
  const verb = verbs[sub][method];
  if (!verb) throw methodNotAllowed(`${method} is not allowed on ${url.pathname.slice(K8S_PREFIX.length)}`);
  if (verb === "get") {
    if (sub === "scale") return send(res, 200, await getScale(t));
    const obj = await getObjectOrThrow(t);
    const negotiated = negotiate(req.headers.accept);
    return send(res, 200, negotiated.table ? toTable(t.def, [obj], { include: parseIncludeObject(q.get("includeObject")), apiVersion: negotiated.apiVersion, resourceVersion: obj.metadata.resourceVersion }) : obj);
  }
  const dryRun = parseDryRun(q.getAll("dryRun"));
  const fieldValidation = parseFieldValidation(q.get("fieldValidation"));
  const rightsVerb: Verb = verb === "create" ? "update" : verb;
  const rights = sub === "scale" ? SCALE_RIGHTS : rightsFor(t.def, rightsVerb);
  authorizeKube(t.actor, t.def, rightsVerb, t.namespace, t.name, rights);
  const body = verb === "patch" ? await readPatchBody(req) : await readJsonBody(req);
  const fieldManager = fieldManagerOf(q.get("fieldManager"), req.headers["user-agent"]);
  const activity = { actor: t.actor, verb, def: t.def, namespace: t.namespace, name: `${t.name}/${sub}`, req, path: url.pathname };
  const activityId = !dryRun && rights.every((r) => can(t.actor, r, kubeScope(t.namespace))) ? await recordIntent(activity) : null;
  try {
    let answer: unknown;
    let warnings: string[] = [];
    let status = 200;
    const common = { ...t, dryRun, fieldValidation, fieldManager };
    if (sub === "binding") {
      const bound = await bindPod({ ...common, namespace: t.namespace!, body });
      answer = { ...successStatus({ name: bound.metadata.name, group: t.def.group, kind: t.def.plural, uid: bound.metadata.uid }), code: 201 };
      status = 201;
    } else if (verb === "patch") {
      const { type, patch } = body as Awaited<ReturnType<typeof readPatchBody>>;
      if (type === "apply") throw unsupportedMediaType(`application/apply-patch+yaml on the ${sub} subresource`);
      const r = sub === "scale" ? await writeScale({ ...common, patch: { type, patch } }) : await patchObject({ ...common, patchType: type, patch, subresource: "status" });
      [answer, warnings] = [r.object, r.warnings];
    } else {
      const r = sub === "scale" ? await writeScale({ ...common, body }) : await updateStatus({ ...common, body });
      [answer, warnings] = [r.object, r.warnings];
    }
    if (activityId !== null) await completeActivity(activityId, "ok");
    return send(res, status, answer, "application/json", warnings);
  } catch (e) {
    if (activityId !== null) await completeActivity(activityId, toStatus(e).reason ?? "InternalError");
    throw e;
  }
}

/** DeleteOptions given as query parameters (?gracePeriodSeconds=0&propagationPolicy=Foreground); the body wins. */
function deleteOptionsFromQuery(q: URLSearchParams): DeleteOptions {
  const raw: Record<string, unknown> = {};
  const grace = q.get("gracePeriodSeconds");
  if (grace !== null) raw.gracePeriodSeconds = /^\d+$/.test(grace) ? Number(grace) : grace;
  const policy = q.get("propagationPolicy");
  if (policy !== null) raw.propagationPolicy = policy;
  const orphan = q.get("orphanDependents");
  if (orphan !== null) raw.orphanDependents = orphan === "true" ? true : orphan === "false" ? false : orphan;
  return Object.keys(raw).length ? parseDeleteOptions(raw) : {};
}

/** A DELETE's optional DeleteOptions: JSON, or protobuf from kubectl's typed clients. */
async function readDeleteOptionsBody(req: IncomingMessage): Promise<unknown> {
  if (mediaType(req) === "application/vnd.kubernetes.protobuf") {
    const body = await readBody(req);
    return body.length ? decodeProtobufObject(body, deleteOptionsProtoSchema) : undefined;
  }
  return readJsonBody(req, true);
}

/** A patch body and its kind, from the Content-Type (JSON, merge, strategic merge patch, or an apply configuration). */
async function readPatchBody(req: IncomingMessage): Promise<{ type: PatchType | "apply"; patch: unknown }> {
  const media = mediaType(req);
  const type = PATCH_CONTENT_TYPES[media];
  if (!type || media === "application/apply-patch+cbor") throw unsupportedMediaType(media);
  if (type !== "apply") return { type, patch: await readJsonBody(req) };
  // kubectl sends apply configurations as JSON (which is YAML); YAML proper is not read here.
  const text = (await readBody(req)).toString("utf8");
  try {
    return { type, patch: JSON.parse(text) };
  } catch {
    throw badRequest("this server reads apply configurations as JSON (kubectl sends JSON); YAML bodies are not supported");
  }
}

/** The field manager of a write: ?fieldManager=, else the client's name from its User-Agent ("kubectl/v1.32 …" → kubectl). */
function fieldManagerOf(param: string | null, userAgent: string | undefined): string {
  if (param !== null) {
    if (param.length > 128 || /[^\x20-\x7e]/.test(param)) throw badRequest(`fieldManager: Invalid value: must be at most 128 printable characters`);
    return param;
  }
  return (userAgent ?? "").split("/")[0]!.trim().slice(0, 128) || "unknown";
}

interface ActivityFacts {
  actor: Actor;
  verb: Verb;
  def: ResourceDef;
  namespace?: string;
  name?: string;
  req: IncomingMessage;
  path: string;
}

/** The pending activity row of a mutation (null when it could not be written: logged, never the caller's error). */
async function recordIntent(a: ActivityFacts): Promise<number | null> {
  const headers = { get: (n: string) => { const v = a.req.headers[n.toLowerCase()]; return Array.isArray(v) ? v.join(", ") : (v ?? null); } };
  const target = `k8s/${[a.def.group ? `${a.def.group}/` : "", a.namespace ? `namespaces/${a.namespace}/` : "", a.def.plural, a.name ? `/${a.name}` : ""].join("")}`;
  try {
    return await recordActivity({
      actor: a.actor,
      action: (a.def.writeRights[0] ?? "k8s.write") as Action,
      target,
      outcome: PENDING,
      ip: clientAddress(headers),
      userAgent: headers.get("user-agent"),
      details: { method: a.req.method ?? "", path: a.path, verb: a.verb, resource: a.def.plural, apiVersion: apiVersionOf(a.def), namespace: a.namespace ?? null, name: a.name ?? null },
    });
  } catch (e) {
    console.error("[gantry] could not write the activity record:", e instanceof Error ? e.message : e);
    return null;
  }
}

async function streamWatch(
  req: IncomingMessage,
  res: ServerResponse,
  t: Target,
  q: URLSearchParams,
  fieldSelector: string | null,
  negotiated: Negotiated,
  include: ReturnType<typeof parseIncludeObject>,
  watches: Set<AbortController>,
): Promise<void> {
  const abort = new AbortController();
  const timeoutRaw = q.get("timeoutSeconds");
  const timeoutSeconds = timeoutRaw ? Number(timeoutRaw) : 1800 * (1 + Math.random());
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) throw badRequest(`timeoutSeconds: Invalid value: ${JSON.stringify(timeoutRaw)}`);
  // Across all namespaces, a reader whose rights come from namespace bindings watches those namespaces only.
  const namespaces = authorizeKubeRead(t.actor, t.def, "watch", t.namespace);
  const events = watchTrusted({
    ...t,
    namespaces,
    labelSelector: q.get("labelSelector"),
    fieldSelector,
    resourceVersion: q.get("resourceVersion"),
    sendInitialEvents: q.get("sendInitialEvents") === "true",
    allowWatchBookmarks: q.get("allowWatchBookmarks") === "true",
    signal: abort.signal,
  });
  watches.add(abort);
  const timer = setTimeout(() => abort.abort(), timeoutSeconds * 1000);
  timer.unref();
  // A watch stays authorized while it runs: its token and rights are asked again every few seconds (a revoked token,
  // a disabled user or a lower role ends it with an ERROR event), whichever replica made the change.
  const recheck = setInterval(() => {
    void (async () => {
      try {
        const now = authorizeKubeRead(await authenticate(req).catch(() => null), t.def, "watch", t.namespace);
        if (narrowed(namespaces, now)) throw new KubeError(403, "Forbidden", `the right to watch ${t.def.plural} in some of the namespaces this watch covers was taken away`);
      } catch (e) {
        if (abort.signal.aborted) return;
        res.write(JSON.stringify({ type: "ERROR", object: toStatus(e) }) + "\n");
        abort.abort();
      }
    })().catch(() => {});
  }, WATCH_RECHECK_MS);
  recheck.unref();
  const stop = () => abort.abort();
  res.on("close", stop);
  req.on("close", stop);
  res.writeHead(200, { "content-type": "application/json", "cache-control": "no-cache, private", "transfer-encoding": "chunked" });
  res.flushHeaders();
  try {
    for await (const ev of events) {
      if (abort.signal.aborted) break;
      const object =
        negotiated.table && (ev.type === "ADDED" || ev.type === "MODIFIED" || ev.type === "DELETED")
          ? toTable(t.def, [ev.object as never], { include, apiVersion: negotiated.apiVersion })
          : ev.object;
      if (!res.write(JSON.stringify({ type: ev.type, object }) + "\n")) await drainedOrAborted(res, abort.signal);
    }
  } catch (e) {
    if (!abort.signal.aborted) res.write(JSON.stringify({ type: "ERROR", object: toStatus(e) }) + "\n");
  } finally {
    clearTimeout(timer);
    clearInterval(recheck);
    watches.delete(abort);
    abort.abort();
    await events.return(undefined);
    res.end();
  }
}

function drainedOrAborted(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    res.once("drain", done);
    signal.addEventListener("abort", done);
  });
}
