"use client";
// A host <select>: every host with its status in the option text; offline hosts can be disabled.
import { Select } from "@/components/ui";
import type { HostOption } from "./api";

export function HostPicker({
  id,
  hosts,
  value,
  onChange,
  disableOffline = false,
}: {
  id: string;
  hosts: HostOption[];
  value: number | null;
  onChange: (hostId: number) => void;
  disableOffline?: boolean;
}) {
  return (
    <Select id={id} value={value ?? ""} onChange={(e) => onChange(Number(e.target.value))}>
      {value === null && <option value="" disabled>Choose a host</option>}
      {hosts.map((h) => (
        <option key={h.id} value={h.id} disabled={disableOffline && h.status === "offline"}>
          {h.name} (host {h.id}, {h.status})
        </option>
      ))}
    </Select>
  );
}
