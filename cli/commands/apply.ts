// gantry apply -f FILE|DIR|- — server-side apply of manifests through the control plane's Kubernetes API (/k8s), with
// the field manager "gantry", for users without kubectl. Every document is read and checked first, then every object
// is applied as a server-side dry run (validated, defaulted and checked for conflicts by the server): a file with one
// broken document applies nothing. Then each object is applied in order and reported as kubectl reports it —
// `deployment.apps/web created`, `configured` or `unchanged`.
import { parseArgs } from "../args";
import { CliError, usageError } from "../errors";
import { printLine } from "../output";
import { isNotFound, KubeApiError, type KubeClient } from "../kube/client";
import { failureFor, kubeContext } from "../kube/context";
import { resourcePath } from "../kube/discovery";
import { readManifests, type ManifestObject } from "../kube/manifests";
import { objectName } from "../kube/print";

export const FIELD_MANAGER = "gantry";

const VALIDATION: Record<string, string> = { strict: "Strict", warn: "Warn", ignore: "Ignore", true: "Strict", false: "Ignore" };

interface Stored {
  metadata: { resourceVersion?: string; uid?: string };
}

/** The dry-run flag's value: "server" (the server checks and changes nothing) or "none". */
export function parseDryRun(value: string | undefined): boolean {
  if (value === undefined || value === "none") return false;
  if (value === "server") return true;
  if (value === "client") throw usageError("--dry-run=client is not supported: use --dry-run=server (the server checks the objects and changes nothing)");
  throw usageError(`--dry-run=${value}: one of server or none`);
}

export async function apply(argv: string[]): Promise<void> {
  const a = parseArgs(argv, {
    values: ["namespace", "dry-run", "validate", "field-manager"],
    repeated: ["filename"],
    booleans: ["recursive", "force-conflicts"],
    aliases: { n: "namespace", f: "filename", R: "recursive" },
  });
  if (a.positionals.length) throw usageError(`unexpected argument "${a.positionals[0]}": gantry apply reads objects from files (-f FILE|DIR|-)`);
  const files = a.lists.filename ?? [];
  if (!files.length) throw usageError("name the manifests with -f FILE, -f DIR or -f - (stdin)");
  const dryRun = parseDryRun(a.values["dry-run"]);
  const validation = VALIDATION[(a.values.validate ?? "strict").toLowerCase()];
  if (!validation) throw usageError(`--validate=${a.values.validate}: one of strict, warn or ignore`);
  const manager = a.values["field-manager"] ?? FIELD_MANAGER;

  const ctx = await kubeContext(a.values.namespace);
  const { objects, errors } = readManifests(files, ctx.discovery, { namespace: ctx.namespace, explicitNamespace: ctx.explicitNamespace, recursive: a.flags.has("recursive") });
  if (errors.length) {
    for (const e of errors) process.stderr.write(`error: ${e}\n`);
    throw new CliError(`nothing was applied: ${errors.length === 1 ? "a document is" : `${errors.length} documents are`} broken`, 1);
  }

  const send = (o: ManifestObject, dry: boolean) => applyOne(ctx.client, o, { dryRun: dry, validation, manager, force: a.flags.has("force-conflicts") });

  // The server's own check of every object first: nothing is applied unless all of them pass.
  const namespacesMade = new Set<string>();
  const refused: KubeApiError[] = [];
  const verbs: string[] = [];
  for (const o of objects) {
    try {
      const before = dryRun ? await current(ctx.client, o) : null;
      const r = await send(o, true);
      if (dryRun) for (const w of r.warnings) process.stderr.write(`Warning: ${w}\n`);
      verbs.push(verbOf(r.code, before, r.body));
    } catch (e) {
      // An object in a namespace an earlier document of these files makes: checked as far as the server can (its
      // schema, defaults and validation come before the namespace's existence), and made in order by the apply.
      if (isMissingNamespace(e, o.namespace) && namespacesMade.has(o.namespace!)) verbs.push("created");
      else if (e instanceof KubeApiError) {
        refused.push(e);
        process.stderr.write(`${o.where}: ${explain(e)}\n`);
      } else throw e;
    }
    if (o.resource.group === "" && o.resource.name === "namespaces") namespacesMade.add(o.object.metadata.name);
  }
  if (refused.length)
    throw failureFor(refused, `nothing was applied: the server refused ${refused.length === 1 ? "an object" : `${refused.length} objects`}${dryRun ? "" : " (checked with a dry run first)"}`);
  if (dryRun) {
    objects.forEach((o, i) => printLine(`${objectName(o.resource, o.object.metadata.name)} ${verbs[i]} (server dry run)`));
    return;
  }

  const failed: unknown[] = [];
  for (const o of objects) {
    try {
      const before = await current(ctx.client, o);
      const r = await send(o, false);
      for (const w of r.warnings) process.stderr.write(`Warning: ${w}\n`);
      printLine(`${objectName(o.resource, o.object.metadata.name)} ${verbOf(r.code, before, r.body)}`);
    } catch (e) {
      if (!(e instanceof KubeApiError)) throw e;
      failed.push(e);
      process.stderr.write(`${o.where}: ${explain(e)}\n`);
    }
  }
  if (failed.length) throw failureFor(failed);
}

/** The object as stored now (null when there is none), to tell created, configured and unchanged apart. */
async function current(client: KubeClient, o: ManifestObject): Promise<Stored | null> {
  try {
    return await client.get<Stored>(resourcePath(o.resource, o.namespace, o.object.metadata.name));
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
}

function verbOf(code: number, before: Stored | null, after: Stored): string {
  if (code === 201 || !before) return "created";
  return before.metadata.resourceVersion === after.metadata.resourceVersion ? "unchanged" : "configured";
}

async function applyOne(
  client: KubeClient,
  o: ManifestObject,
  opts: { dryRun: boolean; validation: string; manager: string; force: boolean },
): Promise<{ code: number; body: Stored; warnings: string[] }> {
  const body = { ...o.object, metadata: { ...o.object.metadata, ...(o.namespace !== undefined ? { namespace: o.namespace } : {}) } };
  return client.request<Stored>("PATCH", resourcePath(o.resource, o.namespace, o.object.metadata.name), {
    query: { fieldManager: opts.manager, fieldValidation: opts.validation, force: opts.force || undefined, dryRun: opts.dryRun ? "All" : undefined },
    body,
    contentType: "application/apply-patch+yaml",
  });
}

function isMissingNamespace(e: unknown, namespace: string | undefined): boolean {
  return e instanceof KubeApiError && e.code === 404 && e.status.details?.kind === "namespaces" && e.status.details.name === namespace;
}

function explain(e: KubeApiError): string {
  if (e.code === 409 && e.reason === "Conflict" && /Apply failed with/.test(e.message))
    return `${e.message}\n  (these fields are managed by someone else: apply again with --force-conflicts to take them over, or leave them out of the file)`;
  return e.message;
}
