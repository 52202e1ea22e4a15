// The CLI's client for the control plane's Kubernetes API (URL + /k8s), with the login's API token as a bearer token.
// An error answer (a Status) becomes a KubeApiError worded as kubectl words it — "Error from server (NotFound): …" —
// with the CLI's exit code by status (3 not allowed, 4 not found, 1 anything else).
import type { CliConfig } from "../config";
import { CliError } from "../errors";

export type Query = Record<string, string | number | boolean | undefined | string[]>;

/** A Kubernetes Status, as the API answers errors. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: Array<{ field?: string; message?: string; reason?: string }> };
}

export class KubeApiError extends CliError {
  constructor(
    readonly code: number,
    readonly status: KubeStatus,
  ) {
    super(describeStatus(code, status), code === 401 || code === 403 ? 3 : code === 404 ? 4 : 1);
    this.name = "KubeApiError";
  }

  get reason(): string | undefined {
    return this.status.reason;
  }
}

function describeStatus(code: number, s: KubeStatus): string {
  if (code === 401) return "Unauthorized: the API token is unknown, expired or revoked (run `gantry login` with a valid token)";
  const message = s.message || `the server answered ${code}`;
  return s.reason ? `Error from server (${s.reason}): ${message}` : `Error from server: ${message}`;
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

export interface KubeClient {
  /** The Kubernetes API's base URL (the login's URL + /k8s). */
  base: string;
  /** The answer's status, body and the server's warnings (Warning: 299 headers). */
  request<T = unknown>(method: string, path: string, opts?: RequestOptions): Promise<{ code: number; body: T; warnings: string[] }>;
  get<T = unknown>(path: string, query?: Query, accept?: string): Promise<T>;
  /** A response whose body is read as it comes (a watch); errors already turned into KubeApiErrors. */
  stream(path: string, query: Query, signal: AbortSignal): Promise<Response>;
}

export function kubeClient(config: CliConfig): KubeClient {
  const base = `${config.url.replace(/\/+$/, "")}/k8s`;
  const send = async (method: string, path: string, opts: RequestOptions = {}): Promise<Response> => {
    const url = new URL(base + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(one));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${config.token}`, "user-agent": "gantry-cli", accept: opts.accept ?? "application/json" };
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers["content-type"] = opts.contentType ?? "application/json";
      body = JSON.stringify(opts.body);
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, signal: opts.signal });
    } catch (e) {
      if ((e as Error).name === "AbortError") throw e;
      throw new CliError(`cannot reach ${base}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
    }
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      let status: KubeStatus = {};
      try {
        status = JSON.parse(text) as KubeStatus;
      } catch {
        /* not a Status */
      }
      throw new KubeApiError(res.status, status && typeof status === "object" ? status : {});
    }
    return res;
  };
  return {
    base,
    async request<T>(method: string, path: string, opts: RequestOptions = {}) {
      const res = await send(method, path, opts);
      const text = await res.text();
      return { code: res.status, body: (text ? JSON.parse(text) : undefined) as T, warnings: warningsOf(res.headers) };
    },
    async get<T>(path: string, query?: Query, accept?: string) {
      const res = await send("GET", path, { query, accept });
      return (await res.json()) as T;
    },
    stream: (path, query, signal) => send("GET", path, { query, signal }),
  };
}

/** The texts of `Warning: 299 - "…"` headers. */
function warningsOf(headers: Headers): string[] {
  const raw = headers.get("warning");
  if (!raw) return [];
  return [...raw.matchAll(/299\s+\S+\s+("(?:[^"\\]|\\.)*")/g)].map((m) => {
    try {
      return JSON.parse(m[1]!) as string;
    } catch {
      return m[1]!;
    }
  });
}

/** Whether `e` is the API's NotFound for the object itself (not, say, for its namespace). */
export function isNotFound(e: unknown): e is KubeApiError {
  return e instanceof KubeApiError && e.code === 404;
}
