// Typed errors: domain code throws these; one table maps them to HTTP statuses, and one function (toResponse in
// lib/http/respond.ts) turns any thrown value into a response. Anything else becomes a generic 500 that leaks nothing.
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  too_many_requests: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class GantryError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "GantryError";
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const badRequest = (msg: string, details?: unknown) => new GantryError("bad_request", msg, details);
export const unauthorized = (msg = "sign in first") => new GantryError("unauthorized", msg);
export const forbidden = (msg = "your role does not allow this") => new GantryError("forbidden", msg);
export const notFound = (what: string) => new GantryError("not_found", `${what} not found`);
export const conflict = (msg: string) => new GantryError("conflict", msg);
export const unprocessable = (msg: string, details?: unknown) => new GantryError("unprocessable", msg, details);

/** Too much at once: nothing was done, and the caller should try again after `retryAfterMs` (sent as Retry-After). */
export class BusyError extends GantryError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super("too_many_requests", message);
    this.name = "BusyError";
  }
}
export const busy = (msg: string, retryAfterMs: number) => new BusyError(msg, Math.max(0, Math.round(retryAfterMs)));
