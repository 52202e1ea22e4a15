// Naming hosts and containers on the command line: a host by id or exact name (`--host 2`, `--host web-1`), a
// container as HOST/CONTAINER or as CONTAINER with --host.
import type { Client } from "./client";
import { CliError, usageError } from "./errors";

interface HostRow {
  id: number;
  name: string;
  status: string;
  revoked: boolean;
}

export async function allHosts(client: Client): Promise<HostRow[]> {
  const out: HostRow[] = [];
  for (let page = 1; ; page++) {
    const r = await client.request<{ items: HostRow[]; pageCount: number }>("GET", "/hosts", undefined, { page, pageSize: 200 });
    out.push(...r.items);
    if (page >= r.pageCount) return out;
  }
}

export async function resolveHost(client: Client, ref: string): Promise<number> {
  if (/^[1-9][0-9]{0,9}$/.test(ref)) return Number(ref);
  const matches = (await allHosts(client)).filter((h) => h.name === ref && !h.revoked);
  if (matches.length === 0) throw new CliError(`no host named "${ref}" (see \`gantry hosts\`)`, 4);
  if (matches.length > 1) throw new CliError(`${matches.length} hosts are named "${ref}": use the host id (${matches.map((h) => h.id).join(", ")})`, 2);
  return matches[0]!.id;
}

export async function resolveContainer(client: Client, arg: string | undefined, hostFlag: string | undefined): Promise<{ hostId: number; container: string }> {
  if (!arg) throw usageError("name the container as HOST/CONTAINER, or CONTAINER with --host");
  const slash = arg.indexOf("/");
  if (slash > 0 && hostFlag === undefined) return { hostId: await resolveHost(client, arg.slice(0, slash)), container: arg.slice(slash + 1) };
  if (hostFlag === undefined) throw usageError(`which host is "${arg}" on? write HOST/${arg} or add --host`);
  return { hostId: await resolveHost(client, hostFlag), container: arg };
}
