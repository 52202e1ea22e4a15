// What every Kubernetes command of the CLI starts from: the stored login's client for /k8s, the server's discovery,
// the namespace (-n, else "default"), and the resources named on the command line (`TYPE NAME…`, `TYPE/NAME…`).
import { loadConfig } from "../config";
import { CliError, usageError } from "../errors";
import { KubeApiError, kubeClient, type KubeClient } from "./client";
import { Discovery, type ApiResource } from "./discovery";

export interface KubeContext {
  client: KubeClient;
  discovery: Discovery;
  namespace: string;
  /** Whether -n was given (objects from files that name another namespace are then refused). */
  explicitNamespace: boolean;
}

export async function kubeContext(namespaceFlag: string | undefined): Promise<KubeContext> {
  if (namespaceFlag !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespaceFlag)) throw usageError(`-n ${JSON.stringify(namespaceFlag)}: not a namespace name`);
  const client = kubeClient(loadConfig());
  const discovery = await Discovery.load(client);
  return { client, discovery, namespace: namespaceFlag ?? "default", explicitNamespace: namespaceFlag !== undefined };
}

export function resourceOrThrow(discovery: Discovery, type: string): ApiResource {
  const r = discovery.forName(type);
  if (!r) throw usageError(`the server doesn't have a resource type "${type}"`);
  return r;
}

export interface Target {
  resource: ApiResource;
  name: string;
}

/**
 * `TYPE[,TYPE…] [NAME…]` or `TYPE/NAME…`, as kubectl reads them: the kinds asked for and, when names are given, each
 * object.
 */
export function resourceArgs(args: string[], discovery: Discovery): { kinds: ApiResource[]; targets: Target[] | null } {
  if (!args.length) throw usageError("name a resource type (deployments, pods, configmaps…) and optionally names, or TYPE/NAME");
  if (args.some((a) => a.includes("/"))) {
    const targets = args.map((a) => {
      const slash = a.indexOf("/");
      if (slash <= 0 || slash === a.length - 1) throw usageError(`"${a}": write TYPE/NAME (deployment/web), or TYPE NAME…`);
      return { resource: resourceOrThrow(discovery, a.slice(0, slash)), name: a.slice(slash + 1) };
    });
    return { kinds: unique(targets.map((t) => t.resource)), targets };
  }
  const [types, ...names] = args;
  // A type is a resource, or a category of them (`all`), as kubectl reads it.
  const kinds = unique(
    types!.split(",").filter(Boolean).flatMap((t) => {
      const r = discovery.forName(t);
      if (r) return [r];
      const category = discovery.forCategory(t);
      return category.length ? category : [resourceOrThrow(discovery, t)];
    }),
  );
  if (!names.length) return { kinds, targets: null };
  return { kinds, targets: kinds.flatMap((resource) => names.map((name) => ({ resource, name }))) };
}

const unique = (rs: ApiResource[]) => rs.filter((r, i) => rs.findIndex((o) => o.group === r.group && o.name === r.name) === i);

/**
 * The error ending a run whose objects failed with `errors` (each already printed): the first one's exit code (3 not
 * allowed, 4 not found, 1 else), and a closing message if any.
 */
export function failureFor(errors: unknown[], message = ""): CliError {
  const first = errors.find((e) => e instanceof CliError) as CliError | undefined;
  return new CliError(message, first?.exitCode ?? 1);
}

/** Prints an API error for one object to stderr, as kubectl does, and keeps it for the exit code. */
export function reportError(errors: unknown[], e: unknown, prefix = ""): void {
  if (!(e instanceof KubeApiError) && !(e instanceof CliError)) throw e;
  errors.push(e);
  process.stderr.write(`${prefix}${e.message}\n`);
}
