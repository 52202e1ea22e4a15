// gantry images --host N [--json] — one host's images.
import { parseArgs } from "../args";
import { createClient } from "../client";
import { loadConfig } from "../config";
import { usageError } from "../errors";
import { printJson, printLine } from "../output";
import { ago, table } from "../table";
import { resolveHost } from "../targets";

interface Image {
  id: string;
  repoTags: string[];
  sizeBytes: number;
  createdAt: string | null;
}

function size(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)}GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)}MB`;
  return `${(bytes / 1e3).toFixed(1)}kB`;
}

export async function images(argv: string[]): Promise<void> {
  const a = parseArgs(argv, { values: ["host"], booleans: ["json"] });
  if (a.positionals.length || a.values.host === undefined) throw usageError("usage: gantry images --host N [--json]");
  const c = createClient(loadConfig());
  const list = await c.request<Image[]>("GET", `/hosts/${await resolveHost(c, a.values.host)}/images`);
  if (a.flags.has("json")) return printJson(list);
  const rows = list.flatMap((i) =>
    (i.repoTags.length ? i.repoTags : ["<none>:<none>"]).map((t) => {
      const at = t.lastIndexOf(":");
      return [t.slice(0, at), t.slice(at + 1), i.id.replace(/^sha256:/, "").slice(0, 12), ago(i.createdAt), size(i.sizeBytes)];
    }),
  );
  printLine(table(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], rows));
}
