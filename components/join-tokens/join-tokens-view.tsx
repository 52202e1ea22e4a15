"use client";
// The join tokens page: each token not used yet with the name its host will get, who made it and when it expires;
// revoke (confirmed) through DELETE /api/v1/join-tokens/{id}; "Add host" mints a new one. A token's secret is never
// shown again here: it was shown once, in the Add host dialog.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { JoinTokenView } from "@/lib/hosts/join-token-schemas";
import { callApi } from "@/components/api/client";
import { AddHostDialog } from "@/components/hosts/add-host-dialog";
import { Badge, Button, ConfirmDialog, EmptyRow, FormAlert, LocalTime, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";

const TONE = { outstanding: "success", used: "info", expired: "neutral", revoked: "danger" } as const;

export function JoinTokensView({ tokens, status }: { tokens: JoinTokenView[]; status: "outstanding" | "all" }) {
  const router = useRouter();
  const [adding, setAdding] = useState(false);
  const [revoking, setRevoking] = useState<JoinTokenView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const label = (t: JoinTokenView) => (t.hostName ? `the token for ${t.hostName}` : `the token made ${t.createdAt.slice(0, 16).replace("T", " ")} UTC`);

  async function revoke() {
    if (!revoking) return;
    setBusy(true);
    const r = await callApi("DELETE", `/api/v1/join-tokens/${encodeURIComponent(revoking.id)}`);
    setBusy(false);
    if (!r.ok) return setError(r.error ?? "revoking failed");
    setNotice(`Revoked ${label(revoking)}: a machine that presents it is refused.`);
    setRevoking(null);
    router.refresh();
  }

  return (
    <section aria-labelledby="join-tokens-title" className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 id="join-tokens-title" className="text-xl font-semibold">
            Join tokens
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            Single-use tokens that let a machine join as a host. {status === "outstanding" ? "These are not used yet and have not expired." : "Every state, newest first."}
          </p>
        </div>
        <div className="flex items-center gap-4">
          <Link href={status === "all" ? "/join-tokens" : "/join-tokens?status=all"} className="text-sm font-medium text-indigo-700 hover:underline dark:text-indigo-400">
            {status === "all" ? "Only outstanding" : "Show used, expired and revoked too"}
          </Link>
          <Button onClick={() => setAdding(true)}>Add host</Button>
        </div>
      </div>

      <FormAlert tone="info" message={notice} />

      <Table caption="Join tokens">
        <THead>
          <Tr>
            <Th>Joins as</Th>
            <Th>Status</Th>
            <Th>Made by</Th>
            <Th>Made</Th>
            <Th>Expires</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </Tr>
        </THead>
        <TBody>
          {tokens.length === 0 && <EmptyRow colSpan={6}>{status === "outstanding" ? "No outstanding join tokens." : "No join tokens yet."}</EmptyRow>}
          {tokens.map((t) => (
            <Tr key={t.id} data-testid={`join-token-${t.id}`}>
              <Td className="font-medium">{t.hostName ?? <span className="text-slate-500">its hostname</span>}</Td>
              <Td>
                <Badge tone={TONE[t.state]} data-state={t.state}>
                  {t.state}
                </Badge>
                {t.hostId !== null && (
                  <Link href={`/hosts/${t.hostId}`} className="ml-2 text-xs text-indigo-700 hover:underline dark:text-indigo-400">
                    host {t.hostId}
                  </Link>
                )}
              </Td>
              <Td>{t.createdBy?.email ?? "—"}</Td>
              <Td>
                <LocalTime iso={t.createdAt} />
              </Td>
              <Td>
                <LocalTime iso={t.expiresAt} />
              </Td>
              <Td className="text-right">
                {t.state === "outstanding" && (
                  <Button size="sm" variant="danger" aria-label={`Revoke ${label(t)}`} onClick={() => { setError(null); setRevoking(t); }}>
                    Revoke
                  </Button>
                )}
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>

      <AddHostDialog
        open={adding}
        onClose={() => {
          setAdding(false);
          router.refresh();
        }}
      />
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this join token?"
        description={revoking ? `A machine that presents ${label(revoking)} is refused from now on. Hosts that already joined are not affected.` : undefined}
        confirm="Revoke token"
        danger
        busy={busy}
        error={error}
        onConfirm={revoke}
        onClose={() => setRevoking(null)}
      />
    </section>
  );
}
