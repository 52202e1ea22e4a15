"use client";
// A host as the image, volume and network pages and the run form pick it. Requests go through
// components/api/client.ts.

/** A host as the pickers show it. */
export interface HostOption {
  id: number;
  name: string;
  status: "online" | "syncing" | "stale" | "offline";
}
