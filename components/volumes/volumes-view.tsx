"use client";
// /volumes — one host's volumes as its agent has them now: size on disk, the containers using each, labels. Those
// allowed create a volume, remove one (confirmed; "force" for one in use) and prune the unused ones (confirmed; named
// ones only when asked). Everything goes through /api/v1/hosts/{id}/volumes, so the host's rules are the ones shown.
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { VolumePruneResult, VolumeSummary } from "@/lib/protocol/commands";
import { callApi } from "@/components/api/client";
import type { HostOption } from "@/components/images/api";
import { HostPicker } from "@/components/images/host-picker";
import { useLiveHosts } from "@/components/images/use-live-hosts";
import { formatBytes } from "@/components/hosts/format";
import { useHostList } from "@/components/fleet/use-host-list";
import { ContainerLink } from "@/components/fleet/container-link";
import { formatLabels, parseLabelLines } from "@/components/fleet/labels";
import { Badge, Button, ConfirmDialog, EmptyRow, Field, FormAlert, Input, LocalTime, Select, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { inputClass } from "@/components/ui/input";

export function VolumesView({ hosts: initialHosts, initialHostId, canManage }: { hosts: HostOption[]; initialHostId: number | null; canManage: boolean }) {
  const hosts = useLiveHosts(initialHosts);
  const router = useRouter();
  const [hostId, setHostId] = useState<number | null>(initialHostId);
  const host = hosts.find((h) => h.id === hostId) ?? null;
  const { items: volumes, error: loadError, reload } = useHostList<VolumeSummary>(host, "volumes");
  const [notice, setNotice] = useState<string | null>(null);
  const [removing, setRemoving] = useState<VolumeSummary | null>(null);
  const [force, setForce] = useState(false);
  const [pruning, setPruning] = useState(false);
  const [pruneAll, setPruneAll] = useState(false);
  const [confirmError, setConfirmError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function chooseHost(id: number) {
    setHostId(id);
    setNotice(null);
    router.replace(`/volumes?host=${id}`);
  }

  async function remove() {
    if (!removing || hostId === null) return;
    setBusy(true);
    const q = new URLSearchParams({ name: removing.name, ...(force ? { force: "true" } : {}) });
    const r = await callApi("DELETE", `/api/v1/hosts/${hostId}/volumes?${q}`);
    setBusy(false);
    if (!r.ok) return setConfirmError(r.status === 409 ? `${r.error}. Remove the containers using it first, or tick "Force".` : (r.error ?? "the host refused"));
    setNotice(`Removed volume ${removing.name}`);
    setRemoving(null);
    await reload();
  }

  async function prune() {
    if (hostId === null) return;
    setBusy(true);
    const r = await callApi<VolumePruneResult>("POST", `/api/v1/hosts/${hostId}/volumes/prune`, pruneAll ? { all: true } : {});
    setBusy(false);
    if (!r.ok) return setConfirmError(r.error ?? "the host refused");
    const { deleted, spaceReclaimedBytes } = r.data!;
    setNotice(deleted.length ? `Pruned ${deleted.length} volume${deleted.length === 1 ? "" : "s"} (${deleted.join(", ")}), freeing ${formatBytes(spaceReclaimedBytes)}` : "No unused volume to prune");
    setPruning(false);
    await reload();
  }

  const cols = canManage ? 6 : 5;
  return (
    <section aria-labelledby="volumes-title" className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 id="volumes-title" className="text-xl font-semibold">
            Volumes
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">The volumes on one host: their size and the containers using them.</p>
        </div>
        <div className="flex items-end gap-3">
          {canManage && hostId !== null && (
            <Button
              variant="secondary"
              onClick={() => {
                setConfirmError(null);
                setPruneAll(false);
                setPruning(true);
              }}
            >
              Prune unused
            </Button>
          )}
          <div className="w-full sm:w-80">
            <Field id="volumes-host" label="Host">
              <HostPicker id="volumes-host" hosts={hosts} value={hostId} onChange={chooseHost} />
            </Field>
          </div>
        </div>
      </div>

      {hosts.length === 0 && <FormAlert tone="info" message="No hosts have joined yet: add one on the Hosts page." />}
      {host && host.status !== "online" && <FormAlert tone="info" message={`${host.name} is ${host.status}: its volumes can be listed only while it is online.`} />}

      {canManage && hostId !== null && (
        <CreateVolumeForm
          hostId={hostId}
          onCreated={async (v) => {
            setNotice(`Created volume ${v.name}`);
            await reload();
          }}
        />
      )}

      <FormAlert tone="info" message={notice} />
      <FormAlert message={loadError} />

      <Table caption={host ? `Volumes on ${host.name}` : "Volumes"} aria-busy={volumes === null && !loadError}>
        <THead>
          <Tr>
            <Th>Name</Th>
            <Th>Size</Th>
            <Th>Used by</Th>
            <Th>Driver</Th>
            <Th>Created</Th>
            {canManage && <Th className="text-right">Actions</Th>}
          </Tr>
        </THead>
        <TBody>
          {volumes !== null && volumes.length === 0 && <EmptyRow colSpan={cols}>No volumes on this host.</EmptyRow>}
          {(volumes ?? []).map((v) => (
            <Tr key={v.name} data-testid={`volume-row-${v.name}`}>
              <Td>
                <div className="font-medium break-all" title={v.mountpoint}>
                  {v.anonymous ? v.name.slice(0, 12) : v.name}
                  {v.anonymous && (
                    <Badge className="ml-2" tone="neutral">
                      anonymous
                    </Badge>
                  )}
                </div>
                {Object.keys(v.labels).length > 0 && <div className="text-xs text-slate-500">{formatLabels(v.labels)}</div>}
              </Td>
              <Td className="tabular-nums" data-testid={`volume-size-${v.name}`}>
                {v.sizeBytes === null ? "—" : formatBytes(v.sizeBytes)}
              </Td>
              <Td data-testid={`volume-users-${v.name}`}>
                {v.containers.length === 0 ? (
                  <span className="text-slate-500">unused</span>
                ) : (
                  <ul>
                    {v.containers.map((c) => (
                      <li key={c.id}>
                        <ContainerLink hostId={hostId} id={c.id} name={c.name} />
                      </li>
                    ))}
                  </ul>
                )}
              </Td>
              <Td>{v.driver}</Td>
              <Td>
                <LocalTime iso={v.createdAt} />
              </Td>
              {canManage && (
                <Td className="text-right">
                  <Button
                    size="sm"
                    variant="danger"
                    aria-label={`Remove ${v.name}`}
                    onClick={() => {
                      setConfirmError(null);
                      setForce(false);
                      setRemoving(v);
                    }}
                  >
                    Remove
                  </Button>
                </Td>
              )}
            </Tr>
          ))}
        </TBody>
      </Table>

      <ConfirmDialog
        open={removing !== null}
        title={`Remove volume ${removing?.name ?? ""}?`}
        description="Its data is deleted from the host. This cannot be undone."
        confirm="Remove volume"
        danger
        busy={busy}
        error={confirmError}
        onConfirm={remove}
        onClose={() => setRemoving(null)}
      >
        {removing && removing.containers.length > 0 && (
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} />
            Force: {removing.containers.map((c) => c.name).join(", ")} use{removing.containers.length === 1 ? "s" : ""} it and will lose it
          </label>
        )}
      </ConfirmDialog>
      <ConfirmDialog
        open={pruning}
        title="Prune unused volumes?"
        description="Volumes no container uses are deleted with their data. This cannot be undone."
        confirm="Prune volumes"
        danger
        busy={busy}
        error={confirmError}
        onConfirm={prune}
        onClose={() => setPruning(false)}
      >
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={pruneAll} onChange={(e) => setPruneAll(e.target.checked)} />
          Named volumes too (without this, only anonymous ones)
        </label>
      </ConfirmDialog>
    </section>
  );
}

function CreateVolumeForm({ hostId, onCreated }: { hostId: number; onCreated: (v: VolumeSummary) => void }) {
  const [fields, setFields] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const { labels, error } = parseLabelLines(String(data.get("labels") ?? ""));
    if (error) return setFields({ labels: error });
    const body = { name: String(data.get("name") ?? "").trim(), driver: String(data.get("driver") ?? "local"), ...(Object.keys(labels).length ? { labels } : {}) };
    setBusy(true);
    const r = await callApi<VolumeSummary>("POST", `/api/v1/hosts/${hostId}/volumes`, body);
    setBusy(false);
    if (!r.ok) {
      const found: Record<string, string> = {};
      for (const d of r.details ?? []) if (d.path) found[d.path.split(".")[0]!] ??= d.message;
      setFields(found);
      setMessage(Object.keys(found).length ? "Check the highlighted fields." : (r.error ?? "the volume was not created"));
      return;
    }
    setFields({});
    setMessage(null);
    form.reset();
    onCreated(r.data!);
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Create a volume" className="space-y-3 rounded-lg border border-slate-200 p-4 dark:border-slate-800">
      <h2 className="text-sm font-semibold">Create a volume</h2>
      <FormAlert message={message} />
      <div className="grid gap-3 sm:grid-cols-[2fr_1fr]">
        <Field id="volume-name" label="Name" error={fields.name}>
          <Input id="volume-name" name="name" maxLength={255} invalid={!!fields.name} aria-describedby={fields.name ? "volume-name-error" : undefined} />
        </Field>
        <Field id="volume-driver" label="Driver" hint="Volumes are directories on the host" error={fields.driver}>
          <Select id="volume-driver" name="driver" defaultValue="local" aria-describedby="volume-driver-hint">
            <option value="local">local</option>
          </Select>
        </Field>
      </div>
      <Field id="volume-labels" label="Labels (optional)" hint="One KEY=VALUE a line" error={fields.labels}>
        <textarea id="volume-labels" name="labels" rows={2} className={`${inputClass} border-slate-300 font-mono dark:border-slate-700`} aria-describedby={fields.labels ? "volume-labels-error" : "volume-labels-hint"} />
      </Field>
      <div className="flex justify-end">
        <Button type="submit" loading={busy}>
          Create volume
        </Button>
      </div>
    </form>
  );
}
