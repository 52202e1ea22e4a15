// `docker top`: the host's ps(1) run with the client's arguments (an argument array, never a shell string), its rows
// kept to the container's processes (the pids the runtime reports) and its last column kept whole (a command line
// has spaces).
import { badRequest } from "../../lib/errors";
import { runProgram } from "../process";
import type { RuntimeClient } from "../runtime/runtime";

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/** The processes of container `id` as `ps psArgs` (default -ef) shows them. */
export async function top(runtime: RuntimeClient, id: string, psArgs: string): Promise<TopResult> {
  const pids = new Set((await runtime.ps(id)).map(String));
  const args = psArgs.trim() ? psArgs.trim().split(/\s+/) : ["-ef"];
  const ps = await runProgram("ps", args).catch((e) => {
    throw badRequest(`ps ${args.join(" ")}: ${((e as { stderr?: string }).stderr ?? (e as Error).message).trim()}`);
  });
  return psTable(ps.stdout, pids);
}

/** ps's output, its rows kept to `pids` (read from its PID column). */
export function psTable(stdout: string, pids: Set<string>): TopResult {
  const lines = stdout.split("\n").filter(Boolean);
  const titles = lines[0]!.trim().split(/\s+/);
  const pidCol = titles.indexOf("PID");
  if (pidCol < 0) throw badRequest(`Couldn't find PID field in ps output`);
  const procs: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (!pids.has(fields[pidCol]!)) continue;
    const head = fields.slice(0, titles.length - 1);
    head.push(fields.slice(titles.length - 1).join(" "));
    procs.push(head);
  }
  return { Titles: titles, Processes: procs };
}
