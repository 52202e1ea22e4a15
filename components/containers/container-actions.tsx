"use client";
// Start/stop/restart/kill/pause/unpause/remove for those with containers.manage. Stop, kill and remove ask first (in a
// Dialog); the API's own message is shown when the host refuses.
import { useState } from "react";
import { Button, Dialog, FormAlert, Input, Select } from "@/components/ui";
import { api } from "@/components/api/client";

export type ContainerAction = "start" | "stop" | "restart" | "kill" | "pause" | "unpause";
type Confirming = "stop" | "kill" | "remove" | null;

const SIGNALS = ["SIGKILL", "SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

export function ContainerActions({
  hostId,
  containerId,
  name,
  state,
  onDone,
  onRemoved,
}: {
  hostId: number;
  containerId: string;
  name: string;
  state: string;
  /** After an action the host accepted: re-read the container. */
  onDone: () => void;
  onRemoved: () => void;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [timeout, setTimeoutSeconds] = useState("10");
  const [signal, setSignal] = useState("SIGKILL");
  const [force, setForce] = useState(false);
  const [volumes, setVolumes] = useState(false);
  const base = `/api/v1/hosts/${hostId}/containers/${encodeURIComponent(containerId)}`;

  async function act(action: ContainerAction, extra: Record<string, unknown> = {}) {
    setBusy(action);
    setError(null);
    try {
      await api.post(`${base}/actions`, { action, ...extra });
      setConfirming(null);
      onDone();
    } catch (e) {
      setError(`Could not ${action} ${name}: ${(e as Error).message}`);
    } finally {
      setBusy(null);
    }
  }

  async function remove() {
    setBusy("remove");
    setError(null);
    try {
      const q = new URLSearchParams();
      if (force) q.set("force", "true");
      if (volumes) q.set("volumes", "true");
      await api.delete(`${base}${q.size ? `?${q}` : ""}`);
      setConfirming(null);
      onRemoved();
    } catch (e) {
      setError(`Could not remove ${name}: ${(e as Error).message}`);
    } finally {
      setBusy(null);
    }
  }

  const running = state === "running" || state === "restarting";
  const paused = state === "paused";
  const open = (c: Confirming) => {
    setError(null);
    setConfirming(c);
  };
  const timeoutValid = /^\d{1,4}$/.test(timeout) && Number(timeout) <= 3600;

  return (
    <div className="space-y-2">
      <div role="group" aria-label="Container actions" className="flex flex-wrap gap-2">
        {!running && !paused && (
          <Button size="sm" onClick={() => act("start")} loading={busy === "start"} disabled={busy !== null}>
            Start
          </Button>
        )}
        {(running || paused) && (
          <Button size="sm" variant="secondary" onClick={() => open("stop")} disabled={busy !== null}>
            Stop
          </Button>
        )}
        <Button size="sm" variant="secondary" onClick={() => act("restart")} loading={busy === "restart"} disabled={busy !== null}>
          Restart
        </Button>
        {running && (
          <Button size="sm" variant="secondary" onClick={() => act("pause")} loading={busy === "pause"} disabled={busy !== null}>
            Pause
          </Button>
        )}
        {paused && (
          <Button size="sm" variant="secondary" onClick={() => act("unpause")} loading={busy === "unpause"} disabled={busy !== null}>
            Unpause
          </Button>
        )}
        {(running || paused) && (
          <Button size="sm" variant="secondary" onClick={() => open("kill")} disabled={busy !== null}>
            Kill
          </Button>
        )}
        <Button size="sm" variant="danger" onClick={() => open("remove")} disabled={busy !== null}>
          Remove
        </Button>
      </div>
      {!confirming && <FormAlert message={error} />}

      <Dialog open={confirming === "stop"} onClose={() => setConfirming(null)} title={`Stop ${name}?`} description="The main process gets SIGTERM, then SIGKILL when the grace period ends.">
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (timeoutValid) void act("stop", { timeoutSeconds: Number(timeout) });
          }}
        >
          <div className="space-y-1">
            <label htmlFor="stop-timeout" className="block text-sm font-medium">
              Grace period (seconds)
            </label>
            <Input id="stop-timeout" inputMode="numeric" value={timeout} onChange={(e) => setTimeoutSeconds(e.target.value)} invalid={!timeoutValid} aria-describedby="stop-timeout-error" />
            {!timeoutValid && (
              <p id="stop-timeout-error" className="text-xs text-red-600">
                A whole number of seconds from 0 to 3600.
              </p>
            )}
          </div>
          <FormAlert message={error} />
          <DialogButtons onCancel={() => setConfirming(null)} confirm="Stop container" busy={busy === "stop"} disabled={!timeoutValid} />
        </form>
      </Dialog>

      <Dialog open={confirming === "kill"} onClose={() => setConfirming(null)} title={`Kill ${name}?`} description="The signal is sent at once; with SIGKILL the process cannot clean up.">
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            void act("kill", { signal });
          }}
        >
          <div className="space-y-1">
            <label htmlFor="kill-signal" className="block text-sm font-medium">
              Signal
            </label>
            <Select id="kill-signal" value={signal} onChange={(e) => setSignal(e.target.value)}>
              {SIGNALS.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </Select>
          </div>
          <FormAlert message={error} />
          <DialogButtons onCancel={() => setConfirming(null)} confirm="Kill container" busy={busy === "kill"} />
        </form>
      </Dialog>

      <Dialog open={confirming === "remove"} onClose={() => setConfirming(null)} title={`Remove ${name}?`} description="The container and its writable layer are deleted. This cannot be undone.">
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            void remove();
          }}
        >
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} />
            Force: kill it first if it is running
          </label>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={volumes} onChange={(e) => setVolumes(e.target.checked)} />
            Also remove its anonymous volumes
          </label>
          <FormAlert message={error} />
          <DialogButtons onCancel={() => setConfirming(null)} confirm="Remove container" busy={busy === "remove"} danger />
        </form>
      </Dialog>
    </div>
  );
}

function DialogButtons({ onCancel, confirm, busy, disabled, danger }: { onCancel: () => void; confirm: string; busy: boolean; disabled?: boolean; danger?: boolean }) {
  return (
    <div className="flex justify-end gap-2">
      <Button variant="secondary" onClick={onCancel}>
        Cancel
      </Button>
      <Button type="submit" variant={danger ? "danger" : "primary"} loading={busy} disabled={disabled}>
        {confirm}
      </Button>
    </div>
  );
}
