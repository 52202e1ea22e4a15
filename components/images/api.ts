"use client";
// fetch against /api/v1 from a page: the JSON body on success, or the server's own error message (and 422 details).
export interface ApiOutcome<T> {
  ok: boolean;
  status: number;
  data?: T;
  error?: string;
  code?: string;
  details?: { path: string; message: string }[];
}

export async function callApi<T = unknown>(method: string, url: string, body?: unknown): Promise<ApiOutcome<T>> {
  try {
    const res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => null);
    if (!res.ok) {
      return {
        ok: false,
        status: res.status,
        error: json?.error?.message ?? `the server answered ${res.status}`,
        code: json?.error?.code,
        details: Array.isArray(json?.error?.details) ? json.error.details : undefined,
      };
    }
    return { ok: true, status: res.status, data: json as T };
  } catch {
    return { ok: false, status: 0, error: "could not reach the server" };
  }
}

/** A host as the pickers show it. */
export interface HostOption {
  id: number;
  name: string;
  status: "online" | "syncing" | "stale" | "offline";
}
