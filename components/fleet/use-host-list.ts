"use client";
// One host's list of something asked live (GET /api/v1/hosts/{id}/{what}): loaded when the host is chosen and again
// whenever its status changes (an offline host's list comes once it is back), with the server's message on failure.
import { useCallback, useEffect, useState } from "react";
import { callApi } from "@/components/api/client";
import type { HostOption } from "@/components/images/api";

export function useHostList<T>(host: HostOption | null, what: "networks" | "volumes" | "containers?all=true") {
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const hostId = host?.id ?? null;
  const reload = useCallback(async () => {
    if (hostId === null) return;
    const r = await callApi<T[]>("GET", `/api/v1/hosts/${hostId}/${what}`);
    if (r.ok) {
      setItems(r.data ?? []);
      setError(null);
    } else {
      setItems(null);
      setError(r.error ?? `the ${what} could not be listed`);
    }
  }, [hostId, what]);
  const status = host?.status;
  useEffect(() => {
    setItems(null);
    void reload();
  }, [reload, status]);
  return { items, error, reload };
}
