"use client";
// One host, live: status and its timestamps, the facts its agent reported, CPU/memory/disk charts, its containers and
// recent events, rename and revoke for those allowed.
// Changes go through the REST routes (/api/v1/hosts/{id}), so the server's rules and messages are the ones shown.
import { api, callApi } from "@/components/api/client";
import Link from "next/link";
import { useRef, useState, type FormEvent } from "react";
import { Button, Dialog, Field, FormAlert, Input } from "@/components/ui";
import { isHostUp, type HostView } from "@/lib/hosts/host-view";
import { HostStatusBadge } from "./status-badge";
import { LiveIndicator } from "./live-indicator";
import { useHostEvents } from "./use-host-events";
import { HOSTS_REFRESH_MS, useNow } from "./use-now";
import { useVisibleInterval } from "./use-visible-interval";
import { formatAgo, formatBytes, formatTime } from "./format";
import { HostMetrics } from "./host-metrics";
import { HostEvents } from "./host-events";

async function send(method: "PATCH" | "POST", url: string, body?: unknown): Promise<{ host?: HostView; error?: string }> {
  const r = await callApi<HostView>(method, url, body);
  return r.ok ? { host: r.data } : { error: r.error };
}

export function HostDetail({
  initial,
  canUpdate,
  canRevoke,
  canRotate,
  renderedAt,
}: {
  initial: HostView;
  canUpdate: boolean;
  canRevoke: boolean;
  canRotate: boolean;
  renderedAt: number;
}) {
  const [host, setHost] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [renaming, setRenaming] = useState(false);
  const [confirmRevoke, setConfirmRevoke] = useState(false);
  const [confirmRotate, setConfirmRotate] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const now = useNow(renderedAt);
  const live = useHostEvents((e) => {
    if (e.host.id === host.id) setHost(e.host);
  });
  // Heartbeats are not pushed: re-read while visible, so "last seen" follows them (the first tick is the render's).
  const loaded = useRef(false);
  useVisibleInterval(async (signal) => {
    if (loaded.current) {
      const read = await api.get<HostView & { podNetwork?: unknown; node?: unknown }>(`/api/v1/hosts/${host.id}`, { cache: "no-store", signal }).catch(() => null);
      if (read && !signal.aborted) {
        const { podNetwork: _, node: __, ...view } = read;
        setHost(view);
      }
    }
    loaded.current = true;
  }, HOSTS_REFRESH_MS, true);
  const f = host.facts;

  async function rename(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy(true);
    const r = await send("PATCH", `/api/v1/hosts/${host.id}`, { name: String(new FormData(e.currentTarget).get("name") ?? "") });
    setBusy(false);
    if (r.error) return setError(r.error);
    setHost(r.host!);
    setError(null);
    setRenaming(false);
  }

  async function revoke() {
    setBusy(true);
    const r = await send("POST", `/api/v1/hosts/${host.id}/revoke`);
    setBusy(false);
    setConfirmRevoke(false);
    if (r.error) return setError(r.error);
    setHost(r.host!);
    setError(null);
  }

  async function rotate() {
    setBusy(true);
    const r = await callApi<{ confirmed: boolean; message: string }>("POST", `/api/v1/hosts/${host.id}/rotate-credential`);
    setBusy(false);
    setConfirmRotate(false);
    if (!r.ok) return setError(r.error ?? "the rotation failed");
    setError(r.data!.confirmed ? null : `Not confirmed: ${r.data!.message}`);
    setNotice(r.data!.confirmed ? `New credential in place: ${r.data!.message}.` : null);
  }

  const facts: [string, string][] = f
    ? [
        ["Hostname", f.hostname],
        ["Operating system", f.os.prettyName ?? f.os.name ?? "unknown"],
        ["Kernel", f.kernel],
        ["Architecture", f.arch],
        ["CPUs", String(f.cpus)],
        ["Memory", formatBytes(f.memoryBytes)],
        ["Disk", `${formatBytes(f.disk.freeBytes)} free of ${formatBytes(f.disk.totalBytes)} (${f.disk.path})`],
        ["cgroups", f.cgroupVersion],
        ["Engine", host.engineVersion ?? "not installed"],
        ["Agent", host.agentVersion ?? "—"],
      ]
    : [];

  return (
    <section aria-labelledby="host-title" className="space-y-6">
      <div>
        <Link href="/hosts" className="text-sm text-indigo-700 hover:underline dark:text-indigo-400">
          ← All hosts
        </Link>
      </div>
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 id="host-title" className="flex items-center gap-3 text-xl font-semibold">
            {host.name} <HostStatusBadge host={host} />
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            host {host.id} · joined {formatTime(host.createdAt)} · <LiveIndicator state={live} />
          </p>
        </div>
        {!host.revoked && (canUpdate || canRevoke || canRotate) && (
          <div className="flex gap-2">
            {canUpdate && (
              <Button variant="secondary" onClick={() => setRenaming(true)}>
                Rename
              </Button>
            )}
            {canRotate && (
              <Button variant="secondary" onClick={() => setConfirmRotate(true)} disabled={!host.connected}>
                Rotate credential
              </Button>
            )}
            {canRevoke && (
              <Button variant="danger" onClick={() => setConfirmRevoke(true)}>
                Revoke
              </Button>
            )}
          </div>
        )}
      </div>

      <FormAlert message={error} />
      {notice && (
        <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
          {notice}
        </p>
      )}

      <dl className="grid grid-cols-1 gap-x-8 gap-y-3 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:grid-cols-2 dark:border-slate-800 dark:bg-slate-950">
        <Item label="Status">
          {host.revoked ? `revoked ${formatTime(host.revokedAt)}` : `${host.status} since ${formatTime(host.statusChangedAt)}`}
        </Item>
        <Item label="Last seen">
          <time dateTime={host.lastSeenAt ?? undefined} title={formatTime(host.lastSeenAt)}>
            {formatAgo(host.lastSeenAt, now)}
          </time>
        </Item>
        <Item label="Connection">{host.connected ? "connected" : "not connected"}</Item>
        <Item label="Inventory">{inventoryText(host.inventory)}</Item>
        {facts.map(([k, v]) => (
          <Item key={k} label={k}>
            {v}
          </Item>
        ))}
        {!f && <Item label="Facts">not reported yet</Item>}
      </dl>

      {!host.revoked && <HostMetrics hostId={host.id} online={isHostUp(host) && host.connected} />}

      <HostEvents hostId={host.id} renderedAt={renderedAt} />

      <Dialog open={renaming} onClose={() => setRenaming(false)} title={`Rename host ${host.id}`}>
        <form onSubmit={rename} className="space-y-4">
          <Field id="host-name" label="Name" hint="Letters, digits, spaces, dots, dashes and underscores; at most 64.">
            <Input id="host-name" name="name" defaultValue={host.name} required maxLength={64} autoFocus />
          </Field>
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setRenaming(false)}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Save
            </Button>
          </div>
        </form>
      </Dialog>

      <Dialog
        open={confirmRotate}
        onClose={() => setConfirmRotate(false)}
        title={`Rotate host ${host.id}'s credential?`}
        description="The agent receives a new credential and stores it; the old one stops working. The host stays connected; nobody is shown the secret."
      >
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setConfirmRotate(false)}>
            Cancel
          </Button>
          <Button onClick={rotate} loading={busy}>
            Rotate credential
          </Button>
        </div>
      </Dialog>

      <Dialog
        open={confirmRevoke}
        onClose={() => setConfirmRevoke(false)}
        title={`Revoke host ${host.id}?`}
        description="Its agent is disconnected at once and its credential stops working. To bring the machine back, join it again with a new token."
      >
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setConfirmRevoke(false)}>
            Cancel
          </Button>
          <Button variant="danger" onClick={revoke} loading={busy}>
            Revoke host
          </Button>
        </div>
      </Dialog>
    </section>
  );
}

function Item({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="font-medium">{children}</dd>
    </div>
  );
}

/** What the containers listed for this host are worth: complete, being synced, or out of sync and why. */
function inventoryText(inv: HostView["inventory"]): string {
  if (inv.error) return `out of sync: ${inv.error}`;
  if (inv.syncing) return `syncing (${inv.pages} page${inv.pages === 1 ? "" : "s"} in)${inv.syncedAt ? `; last complete ${formatTime(inv.syncedAt)}` : ""}`;
  return inv.syncedAt ? `complete as of ${formatTime(inv.syncedAt)}` : "not reported yet";
}
