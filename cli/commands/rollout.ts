// gantry rollout status|history|undo|restart|pause|resume deployment/NAME — a Deployment's rollout, done the way
// kubectl does it (kubectl/pkg/polymorphichelpers): status reads the Deployment's generation and status counts (and
// watches it until done), history and undo read the ReplicaSets the Deployment controls — their revision annotation
// deployment.kubernetes.io/revision and their pod templates — and undo writes the chosen template back into the
// Deployment; restart stamps the template with kubectl.kubernetes.io/restartedAt; pause and resume set spec.paused.
import { HelpRequested, parseArgs } from "../args";
import { CliError, usageError } from "../errors";
import { ndjsonLines } from "../ndjson";
import { printLine } from "../output";
import { KubeApiError, type KubeClient, type KubeStatus } from "../kube/client";
import { kubeContext, resourceArgs, type KubeContext } from "../kube/context";
import { describePodTemplate } from "../kube/describe";
import { resourcePath, resourceRef, type ApiResource } from "../kube/discovery";
import { objectName, tabwrite } from "../kube/print";
import { parseDryRun } from "./apply";

export const ROLLOUT_FIELD_MANAGER = "gantry-rollout";
const REVISION = "deployment.kubernetes.io/revision";
const CHANGE_CAUSE = "kubernetes.io/change-cause";
const HASH_LABEL = "pod-template-hash";
/** Deployment annotations undo keeps from the Deployment rather than taking from the ReplicaSet (kubectl's list). */
const ANNOTATIONS_TO_SKIP = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION,
  "deployment.kubernetes.io/revision-history",
  "deployment.kubernetes.io/desired-replicas",
  "deployment.kubernetes.io/max-replicas",
  "deprecated.deployment.rollback.to",
]);

type Obj = Record<string, any>;

interface Deployment {
  metadata: { name: string; namespace?: string; uid: string; generation?: number; resourceVersion?: string; annotations?: Record<string, string> };
  spec: { replicas?: number; paused?: boolean; selector?: LabelSelector; template?: Obj };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number; conditions?: Array<{ type: string; reason?: string }> };
}

interface ReplicaSet {
  metadata: { name: string; uid: string; creationTimestamp?: string; annotations?: Record<string, string>; ownerReferences?: Array<{ uid: string; controller?: boolean }> };
  spec: { replicas?: number; template?: Obj };
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** A kubectl duration (`30s`, `5m`, `1h10m`, `0`) in milliseconds. */
export function parseDuration(raw: string, flag: string): number {
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let used = 0;
  for (const m of raw.matchAll(re)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
    used += m[0].length;
  }
  if (!raw || used !== raw.length) throw usageError(`${flag}=${raw}: a duration such as 30s, 5m or 1h`);
  return total;
}

function revisionFlag(raw: string | undefined, flag: string): number {
  if (raw === undefined) return 0;
  if (!/^\d{1,18}$/.test(raw)) throw usageError(`--${flag}=${raw}: a revision number`);
  return Number(raw);
}

const SUBCOMMANDS = ["status", "history", "undo", "restart", "pause", "resume"] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

export async function rollout(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") throw new HelpRequested();
  if (!SUBCOMMANDS.includes(sub as Subcommand)) throw usageError(`gantry rollout ${sub}: one of ${SUBCOMMANDS.join(", ")}`);
  const a = parseArgs(rest, { values: ["namespace", "timeout", "revision", "to-revision", "dry-run"], booleans: ["watch"], aliases: { n: "namespace", w: "watch" } });
  const allowed: Record<Subcommand, string[]> = {
    status: ["namespace", "timeout", "revision"],
    history: ["namespace", "revision"],
    undo: ["namespace", "to-revision", "dry-run"],
    restart: ["namespace"],
    pause: ["namespace"],
    resume: ["namespace"],
  };
  for (const v of Object.keys(a.values)) if (!allowed[sub as Subcommand].includes(v)) throw usageError(`gantry rollout ${sub} has no --${v}`);
  if ((a.flags.has("watch") || a.negated.has("watch")) && sub !== "status") throw usageError(`gantry rollout ${sub} has no --watch`);
  const ctx = await kubeContext(a.values.namespace);
  const { targets } = resourceArgs(a.positionals, ctx.discovery);
  if (!targets) throw usageError(`name the deployment: gantry rollout ${sub} deployment/NAME`);
  for (const t of targets)
    if (!(t.resource.group === "apps" && t.resource.name === "deployments")) throw usageError(`gantry rollout works on deployments (not ${resourceRef(t.resource)})`);

  let failed: CliError | null = null;
  for (const { resource, name } of targets) {
    try {
      switch (sub as Subcommand) {
        case "status":
          await status(ctx, resource, name, { watch: !a.negated.has("watch"), timeoutMs: a.values.timeout ? parseDuration(a.values.timeout, "--timeout") : 0, revision: revisionFlag(a.values.revision, "revision") });
          break;
        case "history":
          await history(ctx, resource, name, revisionFlag(a.values.revision, "revision"));
          break;
        case "undo":
          await undo(ctx, resource, name, revisionFlag(a.values["to-revision"], "to-revision"), parseDryRun(a.values["dry-run"]));
          break;
        default:
          await toggle(ctx, resource, name, sub as "restart" | "pause" | "resume");
      }
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      if (e.message) process.stderr.write(`${e instanceof KubeApiError ? "" : "error: "}${e.message}\n`);
      failed ??= new CliError("", e.exitCode);
    }
  }
  if (failed) throw failed;
}

// ---- status ----

/** kubectl's DeploymentStatusViewer: what to print, and whether the rollout is done; throws when it cannot finish. */
export function deploymentStatus(d: Deployment, revision: number): { message: string; done: boolean } {
  const name = d.metadata.name;
  if (revision > 0) {
    const current = Number(d.metadata.annotations?.[REVISION] ?? 0);
    if (current !== revision) throw new CliError(`desired revision (${revision}) is different from the running revision (${current})`);
  }
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0)) {
    const progressing = s.conditions?.find((c) => c.type === "Progressing");
    if (progressing?.reason === "ProgressDeadlineExceeded") throw new CliError(`deployment "${name}" exceeded its progress deadline`);
    const desired = d.spec.replicas ?? 1;
    const updated = s.updatedReplicas ?? 0;
    if (updated < desired) return { message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated...`, done: false };
    if ((s.replicas ?? 0) > updated) return { message: `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...`, done: false };
    if ((s.availableReplicas ?? 0) < updated) return { message: `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...`, done: false };
    return { message: `deployment "${name}" successfully rolled out`, done: true };
  }
  return { message: "Waiting for deployment spec update to be observed...", done: false };
}

async function status(ctx: KubeContext, resource: ApiResource, name: string, opts: { watch: boolean; timeoutMs: number; revision: number }): Promise<void> {
  const collection = resourcePath(resource, ctx.namespace);
  const fieldSelector = `metadata.name=${name}`;
  let last = "";
  const show = (d: Deployment) => {
    const s = deploymentStatus(d, opts.revision);
    if (s.message !== last) printLine(s.message);
    last = s.message;
    return s.done;
  };
  const abort = new AbortController();
  const timer = opts.timeoutMs > 0 ? setTimeout(() => abort.abort(), opts.timeoutMs) : undefined;
  try {
    let d = await ctx.client.get<Deployment>(resourcePath(resource, ctx.namespace, name));
    let resourceVersion = d.metadata.resourceVersion;
    for (;;) {
      if (show(d) || !opts.watch) return;
      // Watched from the version read (a watch that ends, or is too old to resume, is read again).
      const res = await ctx.client.stream(collection, { watch: "true", fieldSelector, resourceVersion, timeoutSeconds: 300 }, abort.signal);
      for await (const ev of ndjsonLines<{ type: string; object: Deployment & KubeStatus }>(res)) {
        if (ev.type === "ADDED" || ev.type === "MODIFIED") {
          resourceVersion = ev.object.metadata.resourceVersion;
          if (show(ev.object)) return;
        } else if (ev.type === "DELETED") throw new CliError(`deployment "${name}" has been deleted`);
        else if (ev.type === "ERROR") {
          if (ev.object.code === 410) break;
          throw new KubeApiError(ev.object.code ?? 500, ev.object);
        }
      }
      const list = await ctx.client.get<{ items: Deployment[]; metadata: { resourceVersion?: string } }>(collection, { fieldSelector });
      if (!list.items.length) throw new CliError(`deployment "${name}" has been deleted`);
      d = list.items[0]!;
      resourceVersion = list.metadata.resourceVersion;
    }
  } catch (e) {
    if (abort.signal.aborted) throw new CliError("timed out waiting for the condition");
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

// ---- history and undo ----

function selectorString(s: LabelSelector | undefined): string {
  const parts = Object.entries(s?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s?.matchExpressions ?? []) {
    const values = `(${(e.values ?? []).join(",")})`;
    if (e.operator === "In") parts.push(`${e.key} in ${values}`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin ${values}`);
    else if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
  }
  return parts.join(",");
}

/** The ReplicaSets a Deployment controls: those its selector matches whose controller reference is the Deployment. */
async function ownedReplicaSets(client: KubeClient, ctx: KubeContext, d: Deployment): Promise<ReplicaSet[]> {
  const rsResource = ctx.discovery.forName("replicasets.apps");
  if (!rsResource) throw new CliError("this server serves no apps/v1 ReplicaSets");
  const list = await client.get<{ items: ReplicaSet[] }>(resourcePath(rsResource, d.metadata.namespace ?? ctx.namespace), { labelSelector: selectorString(d.spec.selector) });
  return list.items.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.controller && o.uid === d.metadata.uid));
}

const revisionOf = (rs: ReplicaSet) => {
  const raw = rs.metadata.annotations?.[REVISION];
  return raw === undefined ? 0 : /^\d+$/.test(raw) ? Number(raw) : NaN;
};

/** Two pod templates equal but for the pod-template-hash label (kubectl's equalIgnoreHash). */
function equalIgnoreHash(a: Obj | undefined, b: Obj | undefined): boolean {
  const strip = (t: Obj | undefined) => {
    const c = JSON.parse(JSON.stringify(t ?? {})) as Obj;
    if (c.metadata?.labels) delete c.metadata.labels[HASH_LABEL];
    return canonical(c);
  };
  return strip(a) === strip(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Obj).filter(([, x]) => x !== undefined && !(x && typeof x === "object" && !Array.isArray(x) && !Object.keys(x).length));
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

async function history(ctx: KubeContext, resource: ApiResource, name: string, revision: number): Promise<void> {
  const d = await ctx.client.get<Deployment>(resourcePath(resource, ctx.namespace, name));
  const byRevision = new Map<number, ReplicaSet>();
  for (const rs of await ownedReplicaSets(ctx.client, ctx, d)) {
    const v = revisionOf(rs);
    if (Number.isNaN(v)) {
      process.stderr.write(`warning: replica set ${rs.metadata.name} has an unreadable revision annotation; left out\n`);
      continue;
    }
    byRevision.set(v, rs);
  }
  const head = objectName(resource, name);
  if (!byRevision.size) return printLine(`${head}\nNo rollout history found.`);
  if (revision > 0) {
    const rs = byRevision.get(revision);
    if (!rs) throw new CliError("unable to find the specified revision");
    process.stdout.write(`${head} with revision #${revision}\n${describePodTemplate(rs.spec.template)}`);
    return;
  }
  const rows = [...byRevision.keys()].sort((a, b) => a - b).map((v) => [String(v), byRevision.get(v)!.metadata.annotations?.[CHANGE_CAUSE] || "<none>"]);
  printLine(`${head}\n${tabwrite([["REVISION", "CHANGE-CAUSE"], ...rows], { minWidth: 0, padding: 2 })}\n`);
}

async function undo(ctx: KubeContext, resource: ApiResource, name: string, toRevision: number, dryRun: boolean): Promise<void> {
  const path = resourcePath(resource, ctx.namespace, name);
  const d = await ctx.client.get<Deployment>(path);
  const replicaSets = await ownedReplicaSets(ctx.client, ctx, d);
  let target: ReplicaSet | undefined;
  if (toRevision > 0) {
    target = replicaSets.find((rs) => revisionOf(rs) === toRevision);
    if (!target) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  } else {
    // The second newest revision: the one before the Deployment's current template.
    const ordered = replicaSets.filter((rs) => !Number.isNaN(revisionOf(rs))).sort((a, b) => revisionOf(b) - revisionOf(a));
    target = ordered[1];
    if (!target) throw new CliError(`no rollout history found for deployment "${name}"`);
  }
  if (d.spec.paused) throw new CliError(`you cannot rollback a paused deployment; resume it first with 'gantry rollout resume ${objectName(resource, name)}' and try again`);
  if (equalIgnoreHash(target.spec.template, d.spec.template))
    return printLine(`${objectName(resource, name)} skipped rollback (current template already matches revision ${revisionOf(target)})`);

  const template = JSON.parse(JSON.stringify(target.spec.template ?? {})) as Obj;
  if (template.metadata?.labels) delete template.metadata.labels[HASH_LABEL];
  const annotations: Record<string, string> = {};
  for (const k of ANNOTATIONS_TO_SKIP) if (d.metadata.annotations?.[k] !== undefined) annotations[k] = d.metadata.annotations[k]!;
  for (const [k, v] of Object.entries(target.metadata.annotations ?? {})) if (!ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
  await ctx.client.request("PATCH", path, {
    query: { fieldManager: ROLLOUT_FIELD_MANAGER, dryRun: dryRun ? "All" : undefined },
    // As kubectl's rollback: the template replaced whole, the annotations set (add: the Deployment may have none yet).
    body: [
      { op: "replace", path: "/spec/template", value: template },
      { op: "add", path: "/metadata/annotations", value: annotations },
    ],
    contentType: "application/json-patch+json",
  });
  printLine(`${objectName(resource, name)} rolled back${dryRun ? " (server dry run)" : ""}`);
}

// ---- restart, pause, resume ----

/** Go's time.Format(time.RFC3339) in local time: 2006-01-02T15:04:05-07:00, or …Z in UTC. */
function rfc3339(now = new Date()): string {
  const offset = -now.getTimezoneOffset();
  const pad = (n: number) => String(Math.abs(n)).padStart(2, "0");
  const local = new Date(now.getTime() + offset * 60_000).toISOString().slice(0, 19);
  return offset === 0 ? `${local}Z` : `${local}${offset > 0 ? "+" : "-"}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

async function toggle(ctx: KubeContext, resource: ApiResource, name: string, what: "restart" | "pause" | "resume"): Promise<void> {
  const path = resourcePath(resource, ctx.namespace, name);
  const d = await ctx.client.get<Deployment>(path);
  const refuse = (why: string) => new CliError(`${resourceRef(resource)} "${name}" ${why}`);
  let patch: Obj;
  if (what === "pause") {
    if (d.spec.paused) throw refuse("is already paused");
    patch = { spec: { paused: true } };
  } else if (what === "resume") {
    if (!d.spec.paused) throw refuse("is not paused");
    patch = { spec: { paused: null } };
  } else {
    if (d.spec.paused) throw refuse("can't restart paused deployment (run rollout resume first)");
    patch = { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": rfc3339() } } } } };
  }
  await ctx.client.request("PATCH", path, { query: { fieldManager: ROLLOUT_FIELD_MANAGER }, body: patch, contentType: "application/strategic-merge-patch+json" });
  printLine(`${objectName(resource, name)} ${what === "pause" ? "paused" : what === "resume" ? "resumed" : "restarted"}`);
}
