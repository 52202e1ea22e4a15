"use client";
// The browser's one client for /api/v1 (the session cookie goes along): the JSON body on success, or an ApiError
// carrying what the server said — its message, its error code and the fields its 422 details name — so a page shows
// the server's own words next to what the user typed. No answer at all is an ApiError with status 0; an aborted
// request rethrows the AbortError (the caller asked for it). components/kube/kube-api.ts is its sibling for /k8s.

/** A field the server named in a 422's details, and why. */
export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    /** The HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    message: string,
    /** The server's error code (lib/errors.ts), when it gave one. */
    readonly code?: string,
    readonly details: FieldError[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The first message for each field the server named (path → message). */
  get fields(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.details) if (d.path) out[d.path] ??= d.message;
    return out;
  }

  /** The message for one field, if the server named it. */
  field(path: string): string | undefined {
    return this.details.find((d) => d.path === path)?.message;
  }
}

export interface RequestOptions {
  signal?: AbortSignal;
  cache?: RequestCache;
}

/** Requests `url`; resolves to the JSON body (null for an empty one), rejects with an ApiError. */
export async function apiRequest<T = unknown>(method: string, url: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  return (await send<T>(method, url, body, opts)).data;
}

async function send<T>(method: string, url: string, body: unknown, opts: RequestOptions): Promise<{ status: number; data: T }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.cache ? { cache: opts.cache } : {}),
    });
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    throw new ApiError(0, "could not reach the server");
  }
  const json = (await res.json().catch(() => null)) as { error?: { message?: unknown; code?: unknown; details?: unknown } } | null;
  if (!res.ok) {
    const err = json?.error;
    const details = Array.isArray(err?.details)
      ? (err.details as unknown[]).filter((d): d is FieldError => typeof (d as FieldError)?.path === "string" && typeof (d as FieldError)?.message === "string")
      : [];
    throw new ApiError(res.status, typeof err?.message === "string" ? err.message : `the server answered ${res.status}`, typeof err?.code === "string" ? err.code : undefined, details);
  }
  return { status: res.status, data: json as T };
}

/** The verbs, for reading: `await api.get<HostPage>("/api/v1/hosts", { cache: "no-store" })`. */
export const api = {
  get: <T = unknown>(url: string, opts?: RequestOptions) => apiRequest<T>("GET", url, undefined, opts),
  post: <T = unknown>(url: string, body?: unknown, opts?: RequestOptions) => apiRequest<T>("POST", url, body, opts),
  patch: <T = unknown>(url: string, body?: unknown, opts?: RequestOptions) => apiRequest<T>("PATCH", url, body, opts),
  put: <T = unknown>(url: string, body?: unknown, opts?: RequestOptions) => apiRequest<T>("PUT", url, body, opts),
  delete: <T = unknown>(url: string, opts?: RequestOptions) => apiRequest<T>("DELETE", url, undefined, opts),
};

/** The same request as an outcome instead of a rejection (for pages that branch on it). */
export interface ApiOutcome<T> {
  ok: boolean;
  status: number;
  data?: T;
  error?: string;
  code?: string;
  details?: FieldError[];
}

export async function callApi<T = unknown>(method: string, url: string, body?: unknown): Promise<ApiOutcome<T>> {
  try {
    const { status, data } = await send<T>(method, url, body, {});
    return { ok: true, status, data };
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return { ok: false, status: e.status, error: e.message, code: e.code, details: e.details.length ? e.details : undefined };
  }
}
