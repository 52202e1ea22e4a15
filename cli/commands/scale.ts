// gantry scale TYPE/NAME… --replicas N — sets the desired replicas through the scale subresource (autoscaling/v1
// Scale), as `kubectl scale` does: a merge patch of spec.replicas; with --current-replicas, the Scale is read, checked
// and written back with its resourceVersion (a change in between is a conflict, not a lost update).
import { parseArgs } from "../args";
import { CliError, usageError } from "../errors";
import { printLine } from "../output";
import { failureFor, kubeContext, reportError, resourceArgs, type Target } from "../kube/context";
import { resourcePath, resourceRef } from "../kube/discovery";
import { readManifests } from "../kube/manifests";
import { objectName } from "../kube/print";
import { parseDryRun } from "./apply";

export const SCALE_FIELD_MANAGER = "gantry-scale";

function count(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw usageError(`--${flag}=${raw}: a whole number, 0 or more`);
  return Number(raw);
}

export async function scale(argv: string[]): Promise<void> {
  const a = parseArgs(argv, {
    values: ["namespace", "replicas", "current-replicas", "dry-run"],
    repeated: ["filename"],
    aliases: { n: "namespace", f: "filename" },
  });
  const replicas = count("replicas", a.values.replicas);
  if (replicas === undefined) throw usageError("give the number of replicas with --replicas N");
  const expected = count("current-replicas", a.values["current-replicas"]);
  const dryRun = parseDryRun(a.values["dry-run"]);
  const ctx = await kubeContext(a.values.namespace);
  let targets: Array<Target & { namespace?: string }>;
  const files = a.lists.filename ?? [];
  if (files.length) {
    if (a.positionals.length) throw usageError("name the objects with -f FILE or as TYPE/NAME, not both");
    const { objects, errors } = readManifests(files, ctx.discovery, { namespace: ctx.namespace, explicitNamespace: ctx.explicitNamespace });
    if (errors.length) {
      for (const e of errors) process.stderr.write(`error: ${e}\n`);
      throw new CliError("nothing was scaled: the file has broken documents", 1);
    }
    targets = objects.map((o) => ({ resource: o.resource, name: o.object.metadata.name, namespace: o.namespace }));
  } else {
    const { targets: named } = resourceArgs(a.positionals, ctx.discovery);
    if (!named) throw usageError("name what to scale: TYPE/NAME (deployment/web) or TYPE NAME");
    targets = named.map((t) => ({ ...t, namespace: t.resource.namespaced ? ctx.namespace : undefined }));
  }
  for (const t of targets)
    if (!t.resource.subresources.has("scale")) throw usageError(`${resourceRef(t.resource)} cannot be scaled (no scale subresource; deployments, replicasets and replicationcontrollers can)`);

  const errors: unknown[] = [];
  for (const t of targets) {
    const path = resourcePath(t.resource, t.namespace, t.name, "scale");
    const query = { fieldManager: SCALE_FIELD_MANAGER, dryRun: dryRun ? "All" : undefined };
    try {
      if (expected !== undefined) {
        const current = await ctx.client.get<{ spec?: { replicas?: number }; metadata: { resourceVersion?: string } }>(path);
        const now = current.spec?.replicas ?? 0;
        if (now !== expected) {
          errors.push(new CliError("", 1));
          process.stderr.write(`error: Expected replicas to be ${expected}, was ${now} (${objectName(t.resource, t.name)})\n`);
          continue;
        }
        await ctx.client.request("PUT", path, { query, body: { ...current, spec: { ...current.spec, replicas } } });
      } else {
        await ctx.client.request("PATCH", path, { query, body: { spec: { replicas } }, contentType: "application/merge-patch+json" });
      }
      printLine(`${objectName(t.resource, t.name)} scaled${dryRun ? " (server dry run)" : ""}`);
    } catch (e) {
      reportError(errors, e);
    }
  }
  if (errors.length) throw failureFor(errors);
}
