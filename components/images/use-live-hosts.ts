"use client";
// The host pickers' list kept current from the "hosts" room: a host that goes offline or comes back is shown so at
// once, a new host appears, a revoked one goes.
import { useState } from "react";
import { useHostEvents } from "@/components/hosts/use-host-events";
import type { HostOption } from "./api";

export function useLiveHosts(initial: HostOption[]): HostOption[] {
  const [hosts, setHosts] = useState(initial);
  useHostEvents(({ host }) =>
    setHosts((prev) => {
      const rest = prev.filter((h) => h.id !== host.id);
      if (host.revoked) return rest;
      return [...rest, { id: host.id, name: host.name, status: host.status }].sort((a, b) => a.id - b.id);
    }),
  );
  return hosts;
}
