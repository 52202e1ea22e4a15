// Errors of the Docker-compatible API. Handlers throw ApiError (or the engine's typed GantryError); `toApiError` is the one
// place a thrown value becomes a status and a {"message": "..."} body, the shape the docker CLI prints. Anything else is an
// internal fault: logged in full by the server, answered with a message that leaks no stack.
import { GantryError } from "../../lib/errors";
import { ImageError, type ImageErrorCode } from "../../lib/oci/errors";
import { ReferenceError } from "../../lib/oci/reference";

const IMAGE_STATUS: Record<ImageErrorCode, number> = {
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

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const badParameter = (msg: string) => new ApiError(400, msg);
export const unauthorizedError = (msg: string) => new ApiError(401, msg);
export const noSuchImage = (name: string) => new ApiError(404, `No such image: ${name}`);
export const notFoundError = (msg: string) => new ApiError(404, msg);
export const conflictError = (msg: string) => new ApiError(409, msg);
export const notImplemented = (msg: string) => new ApiError(501, msg);

/** A status and message for any thrown value; `internal` is true when it is a genuine fault to log with its stack. */
export function toApiError(e: unknown): { status: number; message: string; internal: boolean } {
  if (e instanceof ApiError) return { status: e.status, message: e.message, internal: false };
  if (e instanceof ImageError) {
    const status = IMAGE_STATUS[e.code] ?? 500;
    return { status, message: e.message, internal: status === 500 };
  }
  if (e instanceof ReferenceError) return { status: 400, message: e.message, internal: false };
  if (e instanceof GantryError) return { status: e.status, message: e.message, internal: e.status >= 500 };
  const status = (e as { status?: unknown })?.status;
  if (e instanceof Error && typeof status === "number" && status >= 400 && status < 500) {
    return { status, message: e.message, internal: false };
  }
  return { status: 500, message: "internal error in the Gantry agent (details are in its log)", internal: true };
}
