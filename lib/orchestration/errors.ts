// Telling apart the API errors controllers handle (a stale resourceVersion, an object already gone or already there).
import { KubeError } from "@/lib/k8s/status";

export const isConflict = (e: unknown) => e instanceof KubeError && e.code === 409 && e.reason === "Conflict";
export const isAlreadyExists = (e: unknown) => e instanceof KubeError && e.code === 409 && e.reason === "AlreadyExists";
export const isNotFound = (e: unknown) => e instanceof KubeError && e.code === 404;
export const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
