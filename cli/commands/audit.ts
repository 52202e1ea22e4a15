// gantry audit verify [--json] — walks the control plane's audit chain (GET /api/v1/audit/verify) and says whether
// every row is as it was sealed; exits 1 naming the first broken link (a row altered or deleted in the database).
import { parseArgs } from "../args";
import { createClient } from "../client";
import { loadConfig } from "../config";
import { CliError, usageError } from "../errors";
import { printJson, printLine } from "../output";

interface ChainReport {
  ok: boolean;
  checked: number;
  from: number;
  head: { seq: number; hash: string };
  unsealed: number;
  problems: Array<{ id: number | null; seq: number | null; problem: string; message: string }>;
}

export async function audit(argv: string[]): Promise<void> {
  const a = parseArgs(argv, { booleans: ["json"] });
  if (a.positionals[0] !== "verify" || a.positionals.length !== 1) throw usageError("usage: gantry audit verify [--json]");
  const r = await createClient(loadConfig()).request<ChainReport>("GET", "/audit/verify");
  if (a.flags.has("json")) printJson(r);
  else {
    const start = r.from ? `from checkpoint seq ${r.from} ` : "";
    const legacy = r.unsealed ? ` (${r.unsealed} rows written before the chain existed are not covered)` : "";
    if (r.ok) printLine(`audit chain intact: ${r.checked} rows ${start}to seq ${r.head.seq}, head ${r.head.hash}${legacy}`);
    else {
      printLine(`audit chain BROKEN: ${r.problems[0]!.message}`);
      for (const p of r.problems.slice(1)) printLine(`  also: ${p.message}`);
    }
  }
  if (!r.ok) throw new CliError("", 1);
}
