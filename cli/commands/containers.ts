// gantry ps / run / stop / rm: containers on the fleet's hosts through /api/v1/hosts/{id}/containers.
import { parseArgs } from "../args";
import { createClient, type Client } from "../client";
import { loadConfig } from "../config";
import { CliError, usageError } from "../errors";
import { printJson, printLine } from "../output";
import { ago, table } from "../table";
import { allHosts, resolveContainer, resolveHost } from "../targets";

interface Container {
  id: string;
  name: string;
  image: string;
  command: string;
  state: string;
  createdAt: string;
  ports: Array<{ container: number; protocol: string; host: number | null; hostIp: string | null }>;
}

/** A row of GET /api/v1/containers (lib/fleet/list-containers.ts). */
interface FleetRow extends Container {
  hostId: number;
  labels: Record<string, string>;
}

const client = (): Client => createClient(loadConfig());

function portsText(c: Container): string {
  return c.ports.map((p) => (p.host ? `${p.hostIp ?? "0.0.0.0"}:${p.host}->${p.container}/${p.protocol}` : `${p.container}/${p.protocol}`)).join(", ");
}

const PS_FILTERS: Record<string, string> = { name: "name", label: "label", status: "state", ancestor: "image" };

/**
 * gantry ps [--host N] [-a] [--filter K=V]… [--json] — the fleet's containers from the control plane's inventory
 * (current to the last change each host reported), running ones unless -a; a host that is offline keeps its last
 * known containers, marked as such.
 */
export async function ps(argv: string[]): Promise<void> {
  const a = parseArgs(argv, { values: ["host"], repeated: ["filter"], booleans: ["all", "json"], aliases: { a: "all", f: "filter" } });
  if (a.positionals.length) throw usageError("usage: gantry ps [--host N] [-a] [--filter name=|label=|status=|ancestor=…] [--json]");
  const c = client();
  const query: Record<string, string | number | undefined> = { pageSize: 500, sort: "host" };
  if (a.values.host !== undefined) query.host = await resolveHost(c, a.values.host);
  if (!a.flags.has("all")) query.state = "running";
  for (const f of a.lists.filter ?? []) {
    const eq = f.indexOf("=");
    const key = PS_FILTERS[f.slice(0, eq)];
    if (eq <= 0 || !key) throw usageError(`--filter ${f}: write name=…, label=KEY[=VALUE], status=… or ancestor=IMAGE`);
    query[key] = f.slice(eq + 1);
  }
  const rows: FleetRow[] = [];
  for (let page = 1; ; page++) {
    const r = await c.request<{ items: FleetRow[]; pageCount: number }>("GET", "/containers", undefined, { ...query, page });
    rows.push(...r.items);
    if (page >= r.pageCount) break;
  }
  const offline = new Set((await allHosts(c)).filter((h) => h.status !== "online").map((h) => h.id));
  if (a.flags.has("json")) return printJson(rows.map((r) => ({ ...r, hostOnline: !offline.has(r.hostId) })));
  printLine(
    table(
      ["HOST", "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"],
      rows.map((r) => [
        r.hostId,
        r.id.slice(0, 12),
        r.image,
        JSON.stringify(r.command.length > 22 ? r.command.slice(0, 20) + "…" : r.command),
        ago(r.createdAt),
        offline.has(r.hostId) ? `${r.state} (host offline)` : r.state,
        portsText(r),
        r.name,
      ]),
    ),
  );
}

function parsePort(spec: string) {
  // [hostIp:]hostPort:containerPort[/proto] or containerPort[/proto]
  const m = /^(?:(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d{1,5})?:)?(\d{1,5})(?:\/(tcp|udp))?$/.exec(spec);
  if (!m) throw usageError(`-p ${spec}: write [IP:]HOSTPORT:CONTAINERPORT[/tcp|udp] or CONTAINERPORT`);
  return { ...(m[1] ? { hostIp: m[1] } : {}), ...(m[2] ? { host: Number(m[2]) } : {}), container: Number(m[3]), protocol: (m[4] ?? "tcp") as "tcp" | "udp" };
}

function parseEnv(list: string[]): Record<string, string> | undefined {
  if (!list.length) return undefined;
  const env: Record<string, string> = {};
  for (const e of list) {
    const i = e.indexOf("=");
    if (i === 0) throw usageError(`-e ${e}: write NAME=value`);
    if (i < 0) {
      // Like docker: `-e NAME` passes this shell's value.
      const v = process.env[e];
      if (v === undefined) continue;
      env[e] = v;
    } else env[e.slice(0, i)] = e.slice(i + 1);
  }
  return env;
}

/** gantry run --host N [-e K=V]… [-p P]… [--name NAME] [--label K=V]… [--queue] IMAGE [CMD…] */
export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv, {
    values: ["host", "name", "network", "restart"],
    repeated: ["env", "publish", "label"],
    booleans: ["json", "queue", "detach"],
    aliases: { e: "env", p: "publish", l: "label", d: "detach" },
    stopAtPositional: true,
  });
  const [image, ...cmd] = a.positionals;
  if (!image) throw usageError("usage: gantry run --host N [-e K=V] [-p HOST:CONTAINER] [--name NAME] IMAGE [COMMAND…]");
  if (a.values.host === undefined) throw usageError("gantry run needs --host (see `gantry hosts`)");
  const labels = a.lists.label?.length ? Object.fromEntries(a.lists.label.map((l) => [l.split("=")[0]!, l.slice(l.indexOf("=") + 1)])) : undefined;
  const restart = a.values.restart;
  if (restart && !["no", "always", "unless-stopped", "on-failure"].includes(restart)) throw usageError(`--restart ${restart}: one of no, always, unless-stopped, on-failure`);
  const spec = {
    image,
    ...(a.values.name ? { name: a.values.name } : {}),
    ...(cmd.length ? { cmd } : {}),
    ...(parseEnv(a.lists.env ?? []) ? { env: parseEnv(a.lists.env ?? []) } : {}),
    ...(a.lists.publish?.length ? { ports: a.lists.publish.map(parsePort) } : {}),
    ...(labels ? { labels } : {}),
    ...(a.values.network ? { network: a.values.network } : {}),
    ...(restart ? { restartPolicy: { name: restart } } : {}),
  };
  const c = client();
  const hostId = await resolveHost(c, a.values.host);
  const r = await c.request<{ id?: string; status?: string; queuedCommandId?: string; container?: Container }>("POST", `/hosts/${hostId}/containers`, spec, {
    queue: a.flags.has("queue") || undefined,
  });
  if (a.flags.has("json")) return printJson(r);
  if (r.status === "queued") return printLine(`host ${hostId} is offline: queued as ${r.queuedCommandId}; it runs when the host reconnects`);
  printLine(r.id!);
}

async function containerCommand(argv: string[], verb: "stop" | "rm"): Promise<void> {
  const a = parseArgs(argv, { values: ["host", "time"], booleans: ["json", "force", "volumes"], aliases: { t: "time", f: "force", v: "volumes" } });
  if (!a.positionals.length) throw usageError(`usage: gantry ${verb} [--host N] HOST/CONTAINER…`);
  const c = client();
  const results: unknown[] = [];
  for (const arg of a.positionals) {
    const { hostId, container } = await resolveContainer(c, arg, a.values.host);
    const path = `/hosts/${hostId}/containers/${encodeURIComponent(container)}`;
    let r: unknown;
    if (verb === "stop") {
      const t = a.values.time;
      if (t !== undefined && !/^\d{1,4}$/.test(t)) throw usageError(`--time ${t}: a whole number of seconds`);
      r = await c.request("POST", `${path}/actions`, { action: "stop", ...(t !== undefined ? { timeoutSeconds: Number(t) } : {}) });
    } else {
      r = await c.request("DELETE", path, undefined, { force: a.flags.has("force") || undefined, volumes: a.flags.has("volumes") || undefined });
    }
    results.push(r);
    if (!a.flags.has("json")) printLine(arg);
  }
  if (a.flags.has("json")) printJson(results);
}

export const stop = (argv: string[]) => containerCommand(argv, "stop");
export const rm = (argv: string[]) => containerCommand(argv, "rm");
