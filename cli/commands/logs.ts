// gantry logs [-f] [--tail N] [-t] [--since T] HOST/CONTAINER — a container's output: stdout to stdout, stderr to
// stderr, each line as the container wrote it (a last line without a newline stays without); with --json, the API's
// NDJSON lines as they come.
import { parseArgs } from "../args";
import { createClient } from "../client";
import { loadConfig } from "../config";
import { CliError, usageError } from "../errors";
import { ndjsonLines } from "../ndjson";
import { resolveContainer } from "../targets";
import type { LogRecord } from "../../lib/protocol/logs";

/** A whole line (lib/protocol/logs.ts; `partial` absent from servers before it), or the end. */
type Line = (Omit<LogRecord, "partial"> & { partial?: boolean }) | { end: true; error?: string };

export async function logs(argv: string[]): Promise<void> {
  const a = parseArgs(argv, { values: ["host", "tail", "since", "until"], booleans: ["follow", "timestamps", "json"], aliases: { f: "follow", t: "timestamps", n: "tail" } });
  if (a.positionals.length !== 1) throw usageError("usage: gantry logs [-f] [--tail N] [-t] [--since TIME] HOST/CONTAINER");
  const tail = a.values.tail;
  if (tail !== undefined && tail !== "all" && !/^\d+$/.test(tail)) throw usageError(`--tail ${tail}: a number of lines, or all`);
  const c = createClient(loadConfig());
  const { hostId, container } = await resolveContainer(c, a.positionals[0], a.values.host);
  const abort = new AbortController();
  process.once("SIGINT", () => abort.abort());
  const res = await c.stream(
    "GET",
    `/hosts/${hostId}/containers/${encodeURIComponent(container)}/logs`,
    undefined,
    { follow: a.flags.has("follow") || undefined, tail, since: a.values.since, until: a.values.until, timestamps: a.flags.has("timestamps") || undefined },
    abort.signal,
  );
  try {
    for await (const l of ndjsonLines<Line>(res)) {
      if (a.flags.has("json")) {
        process.stdout.write(JSON.stringify(l) + "\n");
        continue;
      }
      if ("end" in l) {
        if (l.error) throw new CliError(l.error);
        continue;
      }
      const text = (a.flags.has("timestamps") && l.time ? `${l.time} ` : "") + l.line + (l.partial ? "" : "\n");
      // Wait for a full pipe to drain, so a slow reader slows the stream rather than filling memory.
      const out = l.stream === "stderr" ? process.stderr : process.stdout;
      if (!out.write(text)) await new Promise((r) => out.once("drain", r));
    }
  } catch (e) {
    if (abort.signal.aborted) return;
    throw e;
  }
}
