// gantry pull --host N REF — pulls an image on a host, printing its progress as it comes.
import { parseArgs } from "../args";
import { createClient } from "../client";
import { loadConfig } from "../config";
import { CliError, usageError } from "../errors";
import { ndjsonLines } from "../ndjson";
import { printLine } from "../output";
import { resolveHost } from "../targets";

type Line = { event: Record<string, unknown> } | { end: true; error?: string };

export async function pull(argv: string[]): Promise<void> {
  const a = parseArgs(argv, { values: ["host"], booleans: ["json", "quiet"], aliases: { q: "quiet" } });
  if (a.positionals.length !== 1 || a.values.host === undefined) throw usageError("usage: gantry pull --host N IMAGE");
  const c = createClient(loadConfig());
  const hostId = await resolveHost(c, a.values.host);
  const res = await c.stream("POST", `/hosts/${hostId}/images/pull`, { ref: a.positionals[0] });
  for await (const l of ndjsonLines<Line>(res)) {
    if (a.flags.has("json")) {
      printLine(JSON.stringify(l));
      continue;
    }
    if ("end" in l) {
      if (l.error) throw new CliError(l.error);
      continue;
    }
    if (a.flags.has("quiet")) continue;
    const e = l.event;
    if (typeof e.error === "string") throw new CliError(e.error);
    const text = [e.id, e.status, e.progress].filter((x) => typeof x === "string" && x).join(": ");
    if (text) printLine(text);
  }
  if (a.flags.has("quiet")) printLine(a.positionals[0]!);
}
