"use client";
// Adding a container to the viewer: the fleet's inventory (GET /api/v1/containers), refreshed when the picker is
// focused, grouped by host, running containers first.
import { api } from "@/components/api/client";
import { memo, useCallback, useEffect, useMemo, useState } from "react";
import { Button, Select } from "@/components/ui";

export interface InventoryItem {
  hostId: number;
  id: string;
  name: string;
  state: string;
}

export interface Inventory {
  items: InventoryItem[] | null;
  error: string | null;
  refresh(): void;
}

export function useInventory(): Inventory {
  const [items, setItems] = useState<InventoryItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(() => {
    api
      .get<{ items: InventoryItem[] }>("/api/v1/containers?pageSize=500&sort=name")
      .then((body) => {
        setItems(body.items.map(({ hostId, id, name, state }) => ({ hostId, id, name, state })));
        setError(null);
      })
      .catch((e: Error) => setError(`Containers could not be listed: ${e.message}`));
  }, []);
  useEffect(refresh, [refresh]);
  return useMemo(() => ({ items, error, refresh }), [items, error, refresh]);
}

/** Memoized: the viewer re-renders every frame while lines arrive, the picker only when its inputs change. */
export const ContainerPicker = memo(function ContainerPicker({
  inventory,
  hostName,
  exclude,
  full,
  onAdd,
}: {
  inventory: Inventory;
  hostName(id: number): string;
  /** Keys ("host:container") already shown, joined by commas. */
  exclude: string;
  full: boolean;
  onAdd(key: string): void;
}) {
  const [choice, setChoice] = useState("");
  const shown = new Set(exclude.split(","));
  const options = (inventory.items ?? [])
    .filter((c) => !shown.has(`${c.hostId}:${c.name}`) && !shown.has(`${c.hostId}:${c.id}`))
    .sort((a, b) => hostName(a.hostId).localeCompare(hostName(b.hostId)) || Number(b.state === "running") - Number(a.state === "running") || a.name.localeCompare(b.name));
  const hostIds = [...new Set(options.map((o) => o.hostId))];
  const add = () => {
    if (!choice) return;
    onAdd(choice);
    setChoice("");
  };
  return (
    <div className="flex items-end gap-2">
      <div className="space-y-1">
        <label htmlFor="logs-add" className="block text-sm font-medium">
          Add container
        </label>
        <Select id="logs-add" className="w-64 py-1.5" value={choice} onChange={(e) => setChoice(e.target.value)} onFocus={inventory.refresh} disabled={full}>
          <option value="">{inventory.items === null ? "Loading…" : options.length ? "Choose a container" : "No other containers"}</option>
          {hostIds.map((h) => (
            <optgroup key={h} label={hostName(h)}>
              {options
                .filter((o) => o.hostId === h)
                .map((o) => (
                  <option key={o.id} value={`${o.hostId}:${o.name}`}>
                    {o.name} ({o.state})
                  </option>
                ))}
            </optgroup>
          ))}
        </Select>
      </div>
      <Button size="sm" variant="secondary" onClick={add} disabled={!choice || full}>
        Add
      </Button>
      {inventory.error && (
        <p role="alert" className="text-xs text-red-600 dark:text-red-400">
          {inventory.error}
        </p>
      )}
    </div>
  );
});
