// gantry host drain|cordon|uncordon|rotate-credential HOST — one host's chores (HOST: its id or name); gantry host add
// --ssh … adds one over SSH (cli/commands/host-add.ts).
//   drain      cordons the host, deletes the pods their controllers make again elsewhere, waits for them to go
//              (--timeout, default 120 s; 0: do not wait), and names what stays: bare pods, standalone containers
//   cordon     no new pods are placed on the host; uncordon undoes it
//   rotate-credential   the host gets a new credential, the old one stops working (exit 1 if the agent did not confirm)
import { parseArgs } from "../args";
import { createClient } from "../client";
import { loadConfig } from "../config";
import { CliError, usageError } from "../errors";
import { printJson, printLine } from "../output";
import { resolveHost } from "../targets";
import { hostAdd } from "./host-add";
import { MAX_DRAIN_WAIT_SECONDS, type CordonResult, type DrainResult } from "../../lib/hosts/drain-schemas";

const USAGE = "usage: gantry host drain|cordon|uncordon|rotate-credential HOST [--timeout SECONDS] [--json] | gantry host add --ssh user@address[:port] …";
const VERBS = ["drain", "cordon", "uncordon", "rotate-credential"];

export async function host(argv: string[]): Promise<void> {
  if (argv[0] === "add") return hostAdd(createClient(loadConfig()), argv.slice(1));
  const a = parseArgs(argv, { values: ["timeout"], booleans: ["json"] });
  const [verb, ref, ...extra] = a.positionals;
  if (!verb || !ref || extra.length || !VERBS.includes(verb)) throw usageError(USAGE);
  const client = createClient(loadConfig());
  const id = await resolveHost(client, ref);
  if (verb !== "drain" && a.values.timeout !== undefined) throw usageError(`--timeout applies to drain only`);
  if (verb === "rotate-credential") {
    const r = await client.request<{ confirmed: boolean; message: string }>("POST", `/hosts/${id}/rotate-credential`);
    if (a.flags.has("json")) printJson(r);
    else printLine(`host ${id}: ${r.message}`);
    if (!r.confirmed) throw new CliError("", 1);
    return;
  }
  if (verb !== "drain") {
    const r = await client.request<CordonResult>(verb === "cordon" ? "PUT" : "DELETE", `/hosts/${id}/cordon`);
    if (a.flags.has("json")) return printJson(r);
    return printLine(`node/${r.node} ${r.unschedulable ? "cordoned" : "uncordoned"}`);
  }
  const waitSeconds = a.values.timeout === undefined ? 120 : Number(a.values.timeout.replace(/s$/, ""));
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > MAX_DRAIN_WAIT_SECONDS) {
    throw usageError(`--timeout is a whole number of seconds from 0 to ${MAX_DRAIN_WAIT_SECONDS}`);
  }
  const r = await client.request<DrainResult>("POST", `/hosts/${id}/drain`, { waitSeconds });
  if (a.flags.has("json")) return printJson(r);
  printLine(`node/${r.node} cordoned`);
  for (const p of r.deleted) printLine(`pod/${p.name} -n ${p.namespace} ${p.gone ? "evicted" : "deleted, still terminating"}`);
  for (const p of r.kept) printLine(`pod/${p.name} -n ${p.namespace} stays: ${p.why}`);
  if (r.containers === null) printLine(`standalone containers: unknown (${r.containersNote})`);
  else for (const c of r.containers) printLine(`container ${c.name} (${c.image}) stays: not a pod's; stop or move it yourself`);
  const left = r.deleted.filter((p) => !p.gone).length;
  if (left) throw new CliError(`${left} deleted pod${left === 1 ? " is" : "s are"} still terminating after ${waitSeconds} s`, 1);
  printLine(`node/${r.node} drained`);
}
