// The agent's one error vocabulary: the core throws GantryError (lib/errors.ts, a code per kind of failure) and the
// image engine its ImageError (lib/oci/errors.ts, codes of its own); `classify` turns any thrown value into one code,
// one status and a message fit to show. Each adapter maps that to its own wire format in one place: the Engine API
// to a status and {"message"} (agent/docker-api/errors.ts), the control plane's commands and streams to the
// protocol's error codes (agent/commands/errors.ts). Anything unknown is an internal fault whose message leaks nothing.
import { ERROR_STATUS, GantryError, type ErrorCode } from "../lib/errors";
import { ImageError, type ImageErrorCode } from "../lib/oci/errors";
import { ReferenceError } from "../lib/oci/reference";

/** The image engine's codes as statuses (a registry's failure is a bad gateway, not the agent's own fault). */
export const IMAGE_ERROR_STATUS: Record<ImageErrorCode, number> = {
  invalid_reference: 400,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  denied: 403,
  registry: 502,
  digest_mismatch: 502,
  unsupported: 400,
  bad_layer: 400,
  store: 500,
};

export interface Classified {
  /** The status an HTTP adapter answers with. */
  status: number;
  /** The agent's code for it (the nearest of lib/errors.ts's). */
  code: ErrorCode;
  message: string;
  /** A genuine fault: to be logged with its stack, never shown in detail. */
  internal: boolean;
}

const INTERNAL_MESSAGE = "internal error in the Gantry agent (details are in its log)";

const codeOfStatus = (status: number): ErrorCode =>
  (Object.entries(ERROR_STATUS).find(([, s]) => s === status)?.[0] as ErrorCode | undefined) ?? (status < 500 ? "bad_request" : "internal");

/** Any thrown value as one code, status and message. */
export function classify(e: unknown): Classified {
  if (e instanceof GantryError) return { status: e.status, code: e.code, message: e.message, internal: e.status >= 500 };
  if (e instanceof ImageError) {
    const status = IMAGE_ERROR_STATUS[e.code] ?? 500;
    return { status, code: codeOfStatus(status), message: e.message, internal: status === 500 };
  }
  if (e instanceof ReferenceError) return { status: 400, code: "bad_request", message: e.message, internal: false };
  // An error that carries a client-side status of its own (the Engine API's ApiError, a body parser's).
  const status = (e as { status?: unknown })?.status;
  if (e instanceof Error && typeof status === "number" && status >= 400 && status < 500) return { status, code: codeOfStatus(status), message: e.message, internal: false };
  return { status: 500, code: "internal", message: INTERNAL_MESSAGE, internal: true };
}
