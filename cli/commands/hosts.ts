// gantry hosts [--json] — every host of the fleet with its status.
import { parseArgs } from "../args";
import { createClient } from "../client";
import { loadConfig } from "../config";
import { usageError } from "../errors";
import { printJson, printLine } from "../output";
import { ago, table } from "../table";

interface Host {
  id: number;
  name: string;
  status: string;
  lastSeenAt: string | null;
  agentVersion: string | null;
  revoked: boolean;
}

export async function hosts(argv: string[]): Promise<void> {
  const a = parseArgs(argv, { booleans: ["json"] });
  if (a.positionals.length) throw usageError("usage: gantry hosts [--json]");
  const client = createClient(loadConfig());
  const items: Host[] = [];
  for (let page = 1; ; page++) {
    const r = await client.request<{ items: Host[]; pageCount: number }>("GET", "/hosts", undefined, { page, pageSize: 200 });
    items.push(...r.items);
    if (page >= r.pageCount) break;
  }
  if (a.flags.has("json")) return printJson(items);
  printLine(table(["ID", "NAME", "STATUS", "LAST SEEN", "AGENT"], items.map((h) => [h.id, h.name, h.revoked ? "revoked" : h.status, ago(h.lastSeenAt), h.agentVersion])));
}
