// Command-line flags, docker-style: `--name value`, `--name=value`, `-e K=V` (repeatable), boolean flags (also
// `--flag=true|false`, as kubectl writes `--wait=false`), short booleans combined (`-it`). Parsing stops at the first positional when `stopAtPositional` (so `run IMAGE CMD -x` keeps
// `-x` for the command), and after `--`. `--help`/`-h` where a flag may stand throws HelpRequested.
import { usageError } from "./errors";

/** `--help` or `-h` where a flag may stand: the command prints its help instead of running. */
export class HelpRequested extends Error {
  constructor() {
    super("help requested");
    this.name = "HelpRequested";
  }
}

export interface FlagSpec {
  /** Flags that take a value; aliases map a short name to the long one. */
  values?: string[];
  /** Flags that may repeat (collected in order). */
  repeated?: string[];
  booleans?: string[];
  aliases?: Record<string, string>;
  stopAtPositional?: boolean;
}

export interface ParsedArgs {
  values: Record<string, string>;
  lists: Record<string, string[]>;
  flags: Set<string>;
  /** Boolean flags given as `--flag=false`. */
  negated: Set<string>;
  positionals: string[];
}

export function parseArgs(argv: string[], spec: FlagSpec): ParsedArgs {
  const out: ParsedArgs = { values: {}, lists: {}, flags: new Set(), negated: new Set(), positionals: [] };
  const takesValue = (n: string) => spec.values?.includes(n) || spec.repeated?.includes(n);
  const resolve = (n: string) => spec.aliases?.[n] ?? n;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      out.positionals.push(arg);
      if (spec.stopAtPositional) {
        out.positionals.push(...argv.slice(i + 1));
        break;
      }
      continue;
    }
    if (arg === "--help" || arg === "-h") throw new HelpRequested();
    const long = arg.startsWith("--");
    const eq = arg.indexOf("=");
    const rawName = long ? arg.slice(2, eq > 0 ? eq : undefined) : arg.slice(1, eq > 0 ? eq : undefined);
    const names = long || takesValue(resolve(rawName)) ? [rawName] : rawName.split("");
    for (const [k, short] of names.entries()) {
      const name = resolve(short);
      if (takesValue(name)) {
        if (k !== names.length - 1) throw usageError(`flag -${short} needs a value`);
        let value: string | undefined;
        if (eq > 0) value = arg.slice(eq + 1);
        else if (i + 1 < argv.length) value = argv[++i];
        if (value === undefined) throw usageError(`flag ${long ? "--" : "-"}${rawName} needs a value`);
        if (spec.repeated?.includes(name)) (out.lists[name] ??= []).push(value);
        else out.values[name] = value;
      } else if (spec.booleans?.includes(name)) {
        if (eq > 0) {
          const value = arg.slice(eq + 1).toLowerCase();
          if (!["true", "false", "1", "0"].includes(value)) throw usageError(`flag ${long ? "--" : "-"}${rawName} takes true or false, not "${arg.slice(eq + 1)}"`);
          if (value === "true" || value === "1") out.flags.add(name);
          else out.negated.add(name);
        } else out.flags.add(name);
      } else {
        throw usageError(`unknown flag ${long ? "--" : "-"}${short}`);
      }
    }
  }
  return out;
}
