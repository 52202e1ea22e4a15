"use client";
// /networks — one host's networks as its agent has them now: driver, subnet and gateway, the containers attached
// (with their addresses). Those allowed create a network (a subnet of their choosing or one from the host's pool),
// connect a container, disconnect one and remove a network (confirmed). Everything goes through
// /api/v1/hosts/{id}/networks, so the host's own rules and messages are the ones shown.
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { ContainerSummary, NetworkSummary } from "@/lib/protocol/commands";
import { callApi } from "@/components/api/client";
import type { HostOption } from "@/components/images/api";
import { HostPicker } from "@/components/images/host-picker";
import { useLiveHosts } from "@/components/images/use-live-hosts";
import { useHostList } from "@/components/fleet/use-host-list";
import { ContainerLink } from "@/components/fleet/container-link";
import { formatLabels, parseLabelLines } from "@/components/fleet/labels";
import { Badge, Button, ConfirmDialog, Dialog, EmptyRow, Field, FormAlert, Input, Select, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { inputClass } from "@/components/ui/input";

type Confirming = { kind: "remove"; network: NetworkSummary } | { kind: "disconnect"; network: NetworkSummary; container: { id: string; name: string } };

export function NetworksView({ hosts: initialHosts, initialHostId, canManage }: { hosts: HostOption[]; initialHostId: number | null; canManage: boolean }) {
  const hosts = useLiveHosts(initialHosts);
  const router = useRouter();
  const [hostId, setHostId] = useState<number | null>(initialHostId);
  const host = hosts.find((h) => h.id === hostId) ?? null;
  const { items: networks, error: loadError, reload } = useHostList<NetworkSummary>(host, "networks");
  const [notice, setNotice] = useState<string | null>(null);
  const [connecting, setConnecting] = useState<NetworkSummary | null>(null);
  const [confirming, setConfirming] = useState<Confirming | null>(null);
  const [confirmError, setConfirmError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function chooseHost(id: number) {
    setHostId(id);
    setNotice(null);
    router.replace(`/networks?host=${id}`);
  }

  async function confirm() {
    if (!confirming || hostId === null) return;
    const net = encodeURIComponent(confirming.network.name);
    setBusy(true);
    const r =
      confirming.kind === "remove"
        ? await callApi("DELETE", `/api/v1/hosts/${hostId}/networks/${net}`)
        : await callApi("POST", `/api/v1/hosts/${hostId}/networks/${net}/disconnect`, { container: confirming.container.id });
    setBusy(false);
    if (!r.ok) return setConfirmError(r.error ?? "the host refused");
    setNotice(confirming.kind === "remove" ? `Removed network ${confirming.network.name}` : `Disconnected ${confirming.container.name} from ${confirming.network.name}`);
    setConfirming(null);
    await reload();
  }

  const ask = (c: Confirming) => {
    setConfirmError(null);
    setConfirming(c);
  };
  const cols = canManage ? 6 : 5;

  return (
    <section aria-labelledby="networks-title" className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 id="networks-title" className="text-xl font-semibold">
            Networks
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">The networks on one host and the containers attached to each.</p>
        </div>
        <div className="w-full sm:w-80">
          <Field id="networks-host" label="Host">
            <HostPicker id="networks-host" hosts={hosts} value={hostId} onChange={chooseHost} />
          </Field>
        </div>
      </div>

      {hosts.length === 0 && <FormAlert tone="info" message="No hosts have joined yet: add one on the Hosts page." />}
      {host && host.status !== "online" && <FormAlert tone="info" message={`${host.name} is ${host.status}: its networks can be listed only while it is online.`} />}

      {canManage && hostId !== null && (
        <CreateNetworkForm
          hostId={hostId}
          onCreated={async (n) => {
            setNotice(`Created network ${n.name} (${n.subnet ?? "no subnet"})`);
            await reload();
          }}
        />
      )}

      <FormAlert tone="info" message={notice} />
      <FormAlert message={loadError} />

      <Table caption={host ? `Networks on ${host.name}` : "Networks"} aria-busy={networks === null && !loadError}>
        <THead>
          <Tr>
            <Th>Name</Th>
            <Th>Driver</Th>
            <Th>Subnet</Th>
            <Th>Gateway</Th>
            <Th>Containers</Th>
            {canManage && <Th className="text-right">Actions</Th>}
          </Tr>
        </THead>
        <TBody>
          {networks !== null && networks.length === 0 && <EmptyRow colSpan={cols}>No networks on this host.</EmptyRow>}
          {(networks ?? []).map((n) => (
            <Tr key={n.id} data-testid={`network-row-${n.name}`}>
              <Td>
                <div className="font-medium">{n.name}</div>
                <div className="font-mono text-xs text-slate-500" title={n.id}>
                  {n.id.slice(0, 12)}
                </div>
                {Object.keys(n.labels).length > 0 && <div className="text-xs text-slate-500">{formatLabels(n.labels)}</div>}
              </Td>
              <Td>
                {n.driver}
                {n.builtin && (
                  <Badge className="ml-2" tone="neutral">
                    built in
                  </Badge>
                )}
                {n.internal && (
                  <Badge className="ml-2" tone="warning">
                    internal
                  </Badge>
                )}
              </Td>
              <Td className="font-mono text-xs">{n.subnet ?? "—"}</Td>
              <Td className="font-mono text-xs">{n.gateway ?? "—"}</Td>
              <Td>
                {n.containers.length === 0 ? (
                  <span className="text-slate-500">none</span>
                ) : (
                  <ul className="space-y-1">
                    {n.containers.map((c) => (
                      <li key={c.id} className="flex items-center gap-2" data-testid={`network-${n.name}-container-${c.name}`}>
                        <ContainerLink hostId={hostId} id={c.id} name={c.name} />
                        {c.ipv4 && <span className="font-mono text-xs text-slate-500">{c.ipv4}</span>}
                        {canManage && !n.builtin && (
                          <Button size="sm" variant="ghost" aria-label={`Disconnect ${c.name} from ${n.name}`} onClick={() => ask({ kind: "disconnect", network: n, container: c })}>
                            Disconnect
                          </Button>
                        )}
                      </li>
                    ))}
                  </ul>
                )}
              </Td>
              {canManage && (
                <Td className="text-right">
                  {!n.builtin && (
                    <div className="flex justify-end gap-2">
                      <Button size="sm" variant="secondary" aria-label={`Connect a container to ${n.name}`} onClick={() => setConnecting(n)}>
                        Connect
                      </Button>
                      <Button size="sm" variant="danger" aria-label={`Remove ${n.name}`} onClick={() => ask({ kind: "remove", network: n })}>
                        Remove
                      </Button>
                    </div>
                  )}
                </Td>
              )}
            </Tr>
          ))}
        </TBody>
      </Table>

      {connecting && host && (
        <ConnectDialog
          host={host}
          network={connecting}
          onClose={() => setConnecting(null)}
          onDone={async (name) => {
            setNotice(`Connected ${name} to ${connecting.name}`);
            setConnecting(null);
            await reload();
          }}
        />
      )}
      <ConfirmDialog
        open={confirming !== null}
        title={confirming?.kind === "disconnect" ? `Disconnect ${confirming.container.name}?` : `Remove network ${confirming?.network.name ?? ""}?`}
        description={
          confirming?.kind === "disconnect"
            ? `${confirming.container.name} leaves ${confirming.network.name} now and is not attached again when it restarts.`
            : "Its bridge and address range go. A network with containers attached cannot be removed: disconnect them first."
        }
        confirm={confirming?.kind === "disconnect" ? "Disconnect" : "Remove network"}
        danger
        busy={busy}
        error={confirmError}
        onConfirm={confirm}
        onClose={() => setConfirming(null)}
      />
    </section>
  );
}

function CreateNetworkForm({ hostId, onCreated }: { hostId: number; onCreated: (n: NetworkSummary) => void }) {
  const [fields, setFields] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const text = (k: string) => String(data.get(k) ?? "").trim();
    const { labels, error } = parseLabelLines(String(data.get("labels") ?? ""));
    if (error) return setFields({ labels: error });
    const body = {
      name: text("name"),
      ...(text("subnet") ? { subnet: text("subnet") } : {}),
      ...(text("gateway") ? { gateway: text("gateway") } : {}),
      ...(data.get("internal") ? { internal: true } : {}),
      ...(Object.keys(labels).length ? { labels } : {}),
    };
    setBusy(true);
    const r = await callApi<NetworkSummary>("POST", `/api/v1/hosts/${hostId}/networks`, body);
    setBusy(false);
    if (!r.ok) {
      const found: Record<string, string> = {};
      for (const d of r.details ?? []) if (d.path) found[d.path.split(".")[0]!] ??= d.message;
      setFields(found);
      setMessage(Object.keys(found).length ? "Check the highlighted fields." : (r.error ?? "the network was not created"));
      return;
    }
    setFields({});
    setMessage(null);
    form.reset();
    onCreated(r.data!);
  }

  const described = (id: string, hint = true) => (fields[id] ? `network-${id}-error` : hint ? `network-${id}-hint` : undefined);
  return (
    <form onSubmit={submit} noValidate aria-label="Create a network" className="space-y-3 rounded-lg border border-slate-200 p-4 dark:border-slate-800">
      <h2 className="text-sm font-semibold">Create a network</h2>
      <FormAlert message={message} />
      <div className="grid gap-3 sm:grid-cols-3">
        <Field id="network-name" label="Name" error={fields.name}>
          <Input id="network-name" name="name" maxLength={128} invalid={!!fields.name} aria-describedby={described("name", false)} />
        </Field>
        <Field id="network-subnet" label="Subnet (optional)" hint="IPv4 CIDR, e.g. 10.90.0.0/24; else one from the host's pool" error={fields.subnet}>
          <Input id="network-subnet" name="subnet" placeholder="10.90.0.0/24" invalid={!!fields.subnet} aria-describedby={described("subnet")} />
        </Field>
        <Field id="network-gateway" label="Gateway (optional)" hint="Needs a subnet; else its first address" error={fields.gateway}>
          <Input id="network-gateway" name="gateway" placeholder="10.90.0.1" invalid={!!fields.gateway} aria-describedby={described("gateway")} />
        </Field>
      </div>
      <Field id="network-labels" label="Labels (optional)" hint="One KEY=VALUE a line" error={fields.labels}>
        <textarea id="network-labels" name="labels" rows={2} className={`${inputClass} border-slate-300 font-mono dark:border-slate-700`} aria-describedby={described("labels")} />
      </Field>
      <div className="flex items-center justify-between gap-3">
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="internal" />
          Internal: no traffic beyond the bridge
        </label>
        <Button type="submit" loading={busy}>
          Create network
        </Button>
      </div>
    </form>
  );
}

function ConnectDialog({ host, network, onClose, onDone }: { host: HostOption; network: NetworkSummary; onClose: () => void; onDone: (name: string) => void }) {
  const { items: containers, error: loadError } = useHostList<ContainerSummary>(host, "containers?all=true");
  const attached = new Set(network.containers.map((c) => c.id));
  const choices = (containers ?? []).filter((c) => !attached.has(c.id)).sort((a, b) => a.name.localeCompare(b.name));
  const [container, setContainer] = useState("");
  const [aliases, setAliases] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!container) return setError("choose a container");
    const list = aliases.split(/[\s,]+/).filter(Boolean);
    setBusy(true);
    const r = await callApi("POST", `/api/v1/hosts/${host.id}/networks/${encodeURIComponent(network.name)}/connect`, { container, ...(list.length ? { aliases: list } : {}) });
    setBusy(false);
    if (!r.ok) return setError(r.error ?? "the host refused");
    onDone(choices.find((c) => c.id === container)?.name ?? container);
  }

  return (
    <Dialog open onClose={onClose} title={`Connect a container to ${network.name}`} description="A running container joins at once; a stopped one when it starts.">
      <form onSubmit={submit} className="space-y-4">
        <FormAlert message={loadError} />
        <Field id="connect-container" label="Container">
          <Select id="connect-container" value={container} onChange={(e) => setContainer(e.target.value)}>
            <option value="" disabled>
              {containers === null ? "Loading…" : choices.length ? "Choose a container" : "No container to connect"}
            </option>
            {choices.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.state})
              </option>
            ))}
          </Select>
        </Field>
        <Field id="connect-aliases" label="Aliases (optional)" hint="More DNS names on this network, separated by spaces or commas">
          <Input id="connect-aliases" value={aliases} onChange={(e) => setAliases(e.target.value)} aria-describedby="connect-aliases-hint" />
        </Field>
        <FormAlert message={error} />
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Connect
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
