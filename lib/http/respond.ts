// The one place a thrown value becomes an HTTP response. GantryError → its status and message; anything else → a
// generic 500 (logged server-side, never echoed to the client).
import { BusyError, GantryError } from "@/lib/errors";

export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  return Response.json(body, { status, headers });
}

export function toResponse(error: unknown): Response {
  if (error instanceof GantryError) {
    const body: Record<string, unknown> = { error: { code: error.code, message: error.message } };
    if (error.details !== undefined) (body.error as Record<string, unknown>).details = error.details;
    if (error instanceof BusyError) {
      (body.error as Record<string, unknown>).retryAfterMs = error.retryAfterMs;
      return json(body, error.status, { "retry-after": String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))) });
    }
    return json(body, error.status);
  }
  console.error("[gantry] unhandled error in request:", error instanceof Error ? (error.stack ?? error.message) : error);
  return json({ error: { code: "internal", message: "internal error" } }, 500);
}
