// The small HTTP vocabulary the Docker API handlers share: reading bodies, answering JSON, and streaming the JSON-lines
// progress that `docker pull`, `push`, `build` and `load` render (jsonmessage: status/id/progressDetail, stream, aux,
// and an error as {"errorDetail": {"message"}, "error"} once the status line is already sent).
import type { IncomingMessage, ServerResponse } from "node:http";
import { badParameter, toApiError } from "./errors";

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  /** The API version of this request: the path's /v1.xx prefix, or the newest the server offers when unversioned. */
  version: string;
  /** The path without its version prefix, decoded. */
  path: string;
  params: string[];
  query: URLSearchParams;
  log: (msg: string) => void;
}

export function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number) {
  res.writeHead(status, { "Content-Length": 0 });
  res.end();
}

export async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw badParameter(`request body is larger than ${limit} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** A JSON body (an empty body is `undefined`); bad JSON is a 400 naming the problem. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const raw = (await readBody(req)).toString("utf8").trim();
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw badParameter(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** Docker's boolean query values: 1/true/True (anything else, or absent, is false unless `dflt`). */
export function queryBool(q: URLSearchParams, name: string, dflt = false): boolean {
  const v = q.get(name);
  if (v === null || v === "") return dflt;
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  throw badParameter(`invalid boolean value for ${name}: "${v}"`);
}

/** The `filters` query parameter: {"key": ["v", ...]} or the older {"key": {"v": true}}. */
export function parseFilters(q: URLSearchParams, allowed: readonly string[]): Map<string, string[]> {
  const raw = q.get("filters");
  const out = new Map<string, string[]>();
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badParameter(`invalid filters: not JSON: ${raw}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw badParameter("invalid filters: expected a JSON object");
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (!allowed.includes(k)) throw badParameter(`invalid filter '${k}'`);
    const values = Array.isArray(v) ? v : v && typeof v === "object" ? Object.keys(v).filter((x) => (v as Record<string, unknown>)[x]) : null;
    if (!values || values.some((x) => typeof x !== "string")) throw badParameter(`invalid filter '${k}': values must be strings`);
    out.set(k, values as string[]);
  }
  return out;
}

/** A streamed JSON-lines answer. Headers go out with the first line; a failure after that is written as an error line. */
export class JsonStream {
  private started = false;
  constructor(private readonly res: ServerResponse) {}

  get closed() {
    return this.res.destroyed || this.res.writableEnded;
  }

  start() {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, { "Content-Type": "application/json" });
    this.res.flushHeaders();
  }

  write(msg: Record<string, unknown>) {
    this.start();
    if (!this.closed) this.res.write(JSON.stringify(msg) + "\r\n");
  }

  status(status: string, id?: string, progressDetail?: { current?: number; total?: number }, progress?: string) {
    const m: Record<string, unknown> = { status };
    if (progressDetail) m.progressDetail = progressDetail;
    if (progress) m.progress = progress;
    if (id) m.id = id;
    this.write(m);
  }

  stream(text: string) {
    this.write({ stream: text });
  }

  aux(value: unknown) {
    this.write({ aux: value });
  }

  /**
   * Ends the stream with an error line; before any line was sent it is an ordinary error response instead.
   * `code` (a failed RUN's exit code) goes into errorDetail, where the CLI takes its own exit code from.
   */
  fail(e: unknown, log: (msg: string) => void, code?: number) {
    const err = toApiError(e);
    if (err.internal) log(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    if (!this.started) {
      if (!this.res.headersSent) sendJson(this.res, err.status, { message: err.message });
      return;
    }
    this.write({ errorDetail: { ...(code !== undefined ? { code } : {}), message: err.message }, error: err.message });
    this.end();
  }

  end() {
    this.start();
    if (!this.closed) this.res.end();
  }
}

/** dockerd's progress bar text: "[=====>      ]  1.2MB/3.4MB". */
export function progressBar(current: number, total: number): string {
  const width = 50;
  if (total > 0) {
    const filled = Math.min(width, Math.floor((current / total) * width));
    const bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? (filled === width ? "=" : ">") : "") + " ".repeat(width - filled);
    return `[${bar}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
  }
  return humanSize(current).padStart(8);
}

export function humanSize(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 3 : v < 100 ? 2 : 1).replace(/\.?0+$/, "")}${units[i]}`;
}
