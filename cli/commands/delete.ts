// gantry delete TYPE NAME… | TYPE/NAME… | -f FILE | TYPE -l SELECTOR | TYPE --all — deletes objects of the control
// plane's Kubernetes API as kubectl does: DeleteOptions with the cascade (background, foreground, orphan) and the
// grace period, `deployment.apps "web" deleted` per object, then (unless --wait=false) waits until each is gone. A file
// with a broken document deletes nothing.
import { parseArgs } from "../args";
import { CliError, usageError } from "../errors";
import { printLine } from "../output";
import { isNotFound, type KubeClient } from "../kube/client";
import { failureFor, kubeContext, reportError, resourceArgs, type Target } from "../kube/context";
import { kindRef, resourcePath, resourceRef, type ApiResource } from "../kube/discovery";
import { readManifests } from "../kube/manifests";
import { parseDryRun } from "./apply";
import { parseDuration } from "./rollout";

const CASCADES: Record<string, string> = { background: "Background", foreground: "Foreground", orphan: "Orphan", true: "Background", false: "Orphan" };

interface Located extends Target {
  namespace: string | undefined;
}

export async function del(argv: string[]): Promise<void> {
  const a = parseArgs(argv, {
    values: ["namespace", "cascade", "grace-period", "selector", "dry-run", "timeout"],
    repeated: ["filename"],
    booleans: ["all", "force", "wait", "ignore-not-found", "recursive"],
    aliases: { n: "namespace", f: "filename", l: "selector", R: "recursive" },
  });
  const cascade = CASCADES[(a.values.cascade ?? "background").toLowerCase()];
  if (!cascade) throw usageError(`--cascade=${a.values.cascade}: one of background, foreground or orphan`);
  let grace = a.values["grace-period"] === undefined ? -1 : Number(a.values["grace-period"]);
  if (!Number.isInteger(grace) || grace < -1) throw usageError(`--grace-period=${a.values["grace-period"]}: a whole number of seconds (-1: the object's own)`);
  const force = a.flags.has("force");
  // As kubectl: --grace-period=0 without --force means 1 (no accidental immediate deletion); --force alone means 0.
  if (grace === 0 && !force) grace = 1;
  if (force && grace < 0) grace = 0;
  const dryRun = parseDryRun(a.values["dry-run"]);
  const wait = !a.negated.has("wait") && !dryRun;
  const timeoutMs = a.values.timeout === undefined ? 0 : parseDuration(a.values.timeout, "--timeout");
  const files = a.lists.filename ?? [];
  const selector = a.values.selector;
  if (files.length && a.positionals.length) throw usageError("name the objects with -f FILE or as TYPE NAME, not both");

  const ctx = await kubeContext(a.values.namespace);
  let targets: Located[];
  if (files.length) {
    const { objects, errors } = readManifests(files, ctx.discovery, { namespace: ctx.namespace, explicitNamespace: ctx.explicitNamespace, recursive: a.flags.has("recursive") });
    if (errors.length) {
      for (const e of errors) process.stderr.write(`error: ${e}\n`);
      throw new CliError(`nothing was deleted: ${errors.length === 1 ? "a document is" : `${errors.length} documents are`} broken`, 1);
    }
    targets = objects.map((o) => ({ resource: o.resource, name: o.object.metadata.name, namespace: o.namespace }));
  } else {
    const { kinds, targets: named } = resourceArgs(a.positionals, ctx.discovery);
    const ns = (r: ApiResource) => (r.namespaced ? ctx.namespace : undefined);
    if (named) {
      if (selector || a.flags.has("all")) throw usageError("name objects, or select them with -l or --all, not both");
      targets = named.map((t) => ({ ...t, namespace: ns(t.resource) }));
    } else {
      if (!selector && !a.flags.has("all")) throw usageError("name the objects to delete (TYPE NAME…, TYPE/NAME, -f FILE), or select them with -l SELECTOR or --all");
      targets = [];
      for (const resource of kinds) {
        const list = await ctx.client.get<{ items: Array<{ metadata: { name: string } }> }>(resourcePath(resource, ns(resource)), { labelSelector: selector });
        targets.push(...list.items.map((i) => ({ resource, name: i.metadata.name, namespace: ns(resource) })));
      }
      if (!targets.length) {
        process.stderr.write(kinds.every((k) => k.namespaced) ? `No resources found in ${ctx.namespace} namespace.\n` : "No resources found\n");
        return;
      }
    }
  }

  if (force && grace === 0)
    process.stderr.write("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n");
  const errors: unknown[] = [];
  const deleted: Array<Located & { uid?: string }> = [];
  const namespacesDeleted = new Set<string>();
  const done = (t: Located) => printLine(`${kindRef(t.resource)} "${t.name}" ${grace === 0 ? "force deleted" : "deleted"}${dryRun ? " (server dry run)" : ""}`);
  for (const t of targets) {
    try {
      const r = await ctx.client.request<{ metadata?: { uid?: string }; details?: { uid?: string } }>("DELETE", resourcePath(t.resource, t.namespace, t.name), {
        query: { dryRun: dryRun ? "All" : undefined },
        body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: cascade, ...(grace >= 0 ? { gracePeriodSeconds: grace } : {}) },
      });
      done(t);
      deleted.push({ ...t, uid: r.body?.metadata?.uid ?? r.body?.details?.uid });
      if (t.resource.group === "" && t.resource.name === "namespaces") namespacesDeleted.add(t.name);
    } catch (e) {
      if (isNotFound(e) && a.flags.has("ignore-not-found")) continue;
      // Deleting a namespace deletes what is in it: an object of a namespace this command deleted already went with it.
      if (isNotFound(e) && !dryRun && t.namespace !== undefined && namespacesDeleted.has(t.namespace)) {
        done(t);
        continue;
      }
      reportError(errors, e);
    }
  }
  if (wait) for (const t of deleted) await waitGone(ctx.client, t, timeoutMs);
  if (errors.length) throw failureFor(errors);
}

/** Until the object is gone (or another object of its name has replaced it), as kubectl delete --wait does. */
async function waitGone(client: KubeClient, t: Located & { uid?: string }, timeoutMs: number): Promise<void> {
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    try {
      const o = await client.get<{ metadata: { uid?: string } }>(resourcePath(t.resource, t.namespace, t.name));
      if (t.uid && o.metadata.uid !== t.uid) return;
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    if (Date.now() > deadline) throw new CliError(`timed out waiting for ${resourceRef(t.resource)} "${t.name}" to be deleted`);
    await new Promise((r) => setTimeout(r, delay));
  }
}
