"use client";
// A host as the image, volume and network pages pick it. Requests go through components/api/client.ts; callApi is
// re-exported here for the run form, which still imports it from this module (kept while it is being edited).
export { callApi, type ApiOutcome } from "@/components/api/client";

/** A host as the pickers show it. */
export interface HostOption {
  id: number;
  name: string;
  status: "online" | "syncing" | "stale" | "offline";
}
