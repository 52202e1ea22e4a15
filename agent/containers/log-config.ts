// Docker's logging drivers as Gantry runs them. `json-file` and `local` are the monitor's CRI log, rotated by size
// (`max-size`, `max-file`); `none` keeps no log at all (the output still reaches attached clients, `docker logs` is
// dockerd's 501). Option names are checked at create and their values when the container starts, with dockerd's
// messages; any other driver is refused at create (dockerd's "plugin not found" for names it does not know either).
import { badRequest, GantryError } from "../../lib/errors";

export interface LogConfig {
  Type: string;
  Config: Record<string, string>;
}

/** What the monitor is told: no log at all, or a log rotated at `maxSize` bytes keeping `rotated` older files. */
export type LogPlan = { keep: false } | { keep: true; maxSize: number; rotated: number };

const JSON_FILE_OPTS = ["max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag"];
const LOCAL_OPTS = ["max-file", "max-size", "compress"];
/** dockerd's other built-in drivers: known names, but they ship logs elsewhere and Gantry has none of them. */
const ELSEWHERE = ["syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "etwlogs", "gcplogs", "logentries"];

/** Without max-size: json-file is capped at 10 MiB × 4 files (dockerd's is unbounded); local has dockerd's 20 MiB × 5. */
const DEFAULTS = { "json-file": { maxSize: 10 << 20, files: 4 }, local: { maxSize: 20 << 20, files: 5 } } as const;
/** The monitor refuses a smaller rotation size, and keeps at most 1000 rotated files. */
const MIN_SIZE = 64;
const MAX_FILES = 1001;

/** HostConfig.LogConfig as given: the driver known, option names it takes, values strings. */
export function normalizeLogConfig(v: unknown): LogConfig {
  if (v === undefined || v === null) return { Type: "json-file", Config: {} };
  if (typeof v !== "object" || Array.isArray(v)) throw badRequest("HostConfig.LogConfig must be an object");
  const { Type, Config } = v as { Type?: unknown; Config?: unknown };
  if (Type !== undefined && Type !== null && typeof Type !== "string") throw badRequest("HostConfig.LogConfig.Type must be a string");
  if (Config !== undefined && Config !== null && (typeof Config !== "object" || Array.isArray(Config))) {
    throw badRequest("HostConfig.LogConfig.Config must be an object of strings");
  }
  const type = Type || "json-file";
  const config: Record<string, string> = {};
  for (const [k, val] of Object.entries((Config ?? {}) as Record<string, unknown>)) {
    if (typeof val !== "string") throw badRequest(`HostConfig.LogConfig.Config.${k} must be a string`);
    config[k] = val;
  }
  if (type === "json-file") {
    for (const k of Object.keys(config)) if (!JSON_FILE_OPTS.includes(k)) throw badRequest(`unknown log opt '${k}' for json-file log driver`);
  } else if (type === "local") {
    for (const k of Object.keys(config)) if (!LOCAL_OPTS.includes(k)) throw badRequest(`unknown log opt '${k}' for log driver local`);
  } else if (ELSEWHERE.includes(type)) {
    throw badRequest(`logging driver "${type}" is not supported by this engine: use json-file, local or none`);
  } else if (type !== "none") {
    throw badRequest(`error looking up logging plugin ${type}: plugin "${type}" not found`);
  }
  return { Type: type, Config: config };
}

/** docker/go-units FromHumanSize: "10", "1.5k", "20MB", "1KiB" (decimal multiples, whatever the i). */
export function fromHumanSize(s: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(s);
  const n = m ? Number.parseFloat(m[1]!) : NaN;
  if (!m || Number.isNaN(n)) throw new Error(`invalid size: '${s}'`);
  const mul = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 }[(m[2] ?? "").toLowerCase()] ?? 1;
  return Math.trunc(n * mul);
}

function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

function parseBool(s: string): boolean {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(s)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) return false;
  throw new Error(`strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
}

/**
 * The log the monitor keeps for this configuration; a value dockerd's driver would refuse is its start error
 * ("failed to initialize logging driver: …", a 500 from start, the container left created).
 */
export function logPlan(given: LogConfig | undefined): LogPlan {
  const lc = given ?? { Type: "json-file", Config: {} };
  if (lc.Type === "none") return { keep: false };
  const driver = lc.Type === "local" ? "local" : "json-file";
  try {
    let maxSize: number = DEFAULTS[driver].maxSize;
    // dockerd's json-file keeps one file unless max-file says more; local keeps five.
    let files: number = lc.Config["max-size"] === undefined ? DEFAULTS[driver].files : driver === "local" ? 5 : 1;
    if (lc.Config["max-size"] !== undefined) {
      maxSize = fromHumanSize(lc.Config["max-size"]);
      if (maxSize <= 0) throw new Error(driver === "local" ? "max size should be a positive number" : "max-size must be a positive number");
      if (maxSize < MIN_SIZE) throw new Error(`max-size ${lc.Config["max-size"]} is below the smallest log file this engine rotates (${MIN_SIZE} bytes)`);
    }
    if (lc.Config["max-file"] !== undefined) {
      files = atoi(lc.Config["max-file"]);
      if (files < 1) throw new Error(driver === "local" ? "max file count cannot be less than 1" : "max-file cannot be less than 1");
      if (files > MAX_FILES) throw new Error(`max-file ${files} is above the most log files this engine keeps (${MAX_FILES})`);
    }
    if (lc.Config.compress !== undefined) parseBool(lc.Config.compress);
    return { keep: true, maxSize, rotated: files - 1 };
  } catch (e) {
    throw new GantryError("internal", `failed to initialize logging driver: ${(e as Error).message}`);
  }
}

/** How many rotated files (LOG.1 …) to read back: what the plan keeps, or none when the log is not kept. */
export function rotatedFiles(lc: LogConfig | undefined): number {
  try {
    const p = logPlan(lc);
    return p.keep ? p.rotated : 0;
  } catch {
    return 0;
  }
}

/** `docker logs` on a container whose driver keeps no log. */
export const NO_LOG_READING = "configured logging driver does not support reading";
