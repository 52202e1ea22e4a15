// The CLI's HTTP client for /api/v1: sends the API token, turns the API's error bodies into CliErrors with the
// server's own message and an exit code by status.
import { CliError } from "./errors";
import type { CliConfig } from "./config";

export interface Client {
  url: string;
  request<T = unknown>(method: string, path: string, body?: unknown, query?: Record<string, string | number | boolean | undefined>): Promise<T>;
  /** A raw response (for streams); errors already turned into CliErrors. */
  stream(method: string, path: string, body?: unknown, query?: Record<string, string | number | boolean | undefined>, signal?: AbortSignal): Promise<Response>;
}

function exitCodeFor(status: number): number {
  if (status === 401 || status === 403) return 3;
  if (status === 404) return 4;
  return 1;
}

export async function errorFrom(res: Response): Promise<CliError> {
  const text = await res.text().catch(() => "");
  let message = `the server answered ${res.status}`;
  try {
    const body = JSON.parse(text) as { error?: { message?: string } };
    if (body.error?.message) message = body.error.message;
  } catch {
    /* not JSON */
  }
  if (res.status === 401) message = `${message} (run \`gantry login\` with a valid token)`;
  return new CliError(message, exitCodeFor(res.status));
}

export function createClient(config: CliConfig): Client {
  const base = config.url.replace(/\/+$/, "");
  const send = async (method: string, path: string, body?: unknown, query?: Record<string, string | number | boolean | undefined>, signal?: AbortSignal) => {
    const url = new URL(`${base}/api/v1${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { authorization: `Bearer ${config.token}`, "user-agent": "gantry-cli" };
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (e) {
      throw new CliError(`cannot reach ${base}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
    }
    if (!res.ok) throw await errorFrom(res);
    return res;
  };
  return {
    url: base,
    async request<T>(method: string, path: string, body?: unknown, query?: Record<string, string | number | boolean | undefined>) {
      const res = await send(method, path, body, query);
      if (res.status === 204) return undefined as T;
      return (await res.json()) as T;
    },
    stream: send,
  };
}
