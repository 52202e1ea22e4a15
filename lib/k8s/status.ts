// Errors of the Kubernetes API, answered as `Status` objects (kind Status, apiVersion v1) the way kube-apiserver words
// them, so kubectl prints its usual "Error from server (NotFound): …" lines. Use cases throw KubeError; the gateway turns
// any thrown value into a Status (toStatus): a GantryError keeps its HTTP status, anything else is a 500 that leaks nothing.
import { GantryError } from "@/lib/errors";

export type StatusReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Gone"
  | "Expired"
  | "Invalid"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "UnsupportedMediaType"
  | "RequestEntityTooLarge"
  | "TooManyRequests"
  | "InternalError"
  | "ServiceUnavailable";

/** One field-level problem: the field path as kube-apiserver writes it (`metadata.name`, `data[key]`). */
export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class KubeError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = "KubeError";
  }

  toStatus(): Status {
    const s: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: this.message, reason: this.reason, code: this.code };
    if (this.details) s.details = this.details;
    return s;
  }
}

/** A resource named the way kube-apiserver names it in messages: `configmaps`, `deployments.apps`. */
export interface QualifiedResource {
  group: string;
  plural: string;
}
const qualified = (r: QualifiedResource) => (r.group ? `${r.plural}.${r.group}` : r.plural);

export const badRequest = (message: string, causes?: StatusCause[]) =>
  new KubeError(400, "BadRequest", message, causes?.length ? { causes } : undefined);
export const unauthorized = () => new KubeError(401, "Unauthorized", "Unauthorized");
export const forbiddenFor = (r: QualifiedResource, name: string | undefined, message: string) =>
  new KubeError(403, "Forbidden", message, { name, group: r.group, kind: r.plural });
export const notFound = (r: QualifiedResource, name: string) =>
  new KubeError(404, "NotFound", `${qualified(r)} "${name}" not found`, { name, group: r.group, kind: r.plural });
export const alreadyExists = (r: QualifiedResource, name: string) =>
  new KubeError(409, "AlreadyExists", `${qualified(r)} "${name}" already exists`, { name, group: r.group, kind: r.plural });
export const conflict = (r: QualifiedResource, name: string, why: string) =>
  new KubeError(409, "Conflict", `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, { name, group: r.group, kind: r.plural });
export const staleResourceVersion = (r: QualifiedResource, name: string) =>
  conflict(r, name, "the object has been modified; please apply your changes to the latest version and try again");
export const expired = (message: string) => new KubeError(410, "Expired", message);
export const methodNotAllowed = (message: string) => new KubeError(405, "MethodNotAllowed", message);
export const notAcceptable = (message: string) => new KubeError(406, "NotAcceptable", message);
export const unsupportedMediaType = (contentType: string) =>
  new KubeError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got "${contentType}")`);
export const tooLarge = (limit: number) =>
  new KubeError(413, "RequestEntityTooLarge", `the server has received too large a request body (the limit is ${limit} bytes)`);

/** `ConfigMap "x" is invalid: [data[a b]: Invalid value: …, metadata.name: Required value]`, with one cause per field. */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): KubeError {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
  return new KubeError(422, "Invalid", `${kind}${group ? `.${group}` : ""} "${name}" is invalid: ${joined}`, { name, group, kind, causes });
}

const REASON_BY_CODE: Record<number, StatusReason> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  410: "Gone",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  503: "ServiceUnavailable",
};

/** Any thrown value as a Status. Unknown errors are logged and answered as a bare 500. */
export function toStatus(error: unknown): Status {
  if (error instanceof KubeError) return error.toStatus();
  if (error instanceof GantryError) {
    const code = error.status;
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: error.message, reason: REASON_BY_CODE[code] ?? "InternalError", code };
  }
  console.error("[gantry] unhandled error in the Kubernetes API:", error instanceof Error ? (error.stack ?? error.message) : error);
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Internal error occurred", reason: "InternalError", code: 500 };
}

export function successStatus(details: StatusDetails): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details, code: 200 };
}
