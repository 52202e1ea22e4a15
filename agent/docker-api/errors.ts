// Errors of the Docker-compatible API. Handlers throw ApiError (or the engine's typed errors, classified once in
// agent/errors.ts); `toApiError` is the one place a thrown value becomes a status and a {"message": "..."} body, the
// shape the docker CLI prints. Anything else is an internal fault: logged in full by the server, answered with a
// message that leaks no stack.
import { classify } from "../errors";

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
  const { status, message, internal } = classify(e);
  return { status, message, internal };
}
