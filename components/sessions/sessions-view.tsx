"use client";
// The sessions page: one row per sign-in still standing, this one marked; Revoke (confirmed) ends that session at once
// — its next request is refused and its live pages stop. Revoking this one signs this browser out.
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { SessionView } from "@/lib/sessions/schemas";
import { callApi } from "@/components/api/client";
import { Badge, Button, ConfirmDialog, EmptyRow, FormAlert, LocalTime, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";

export function SessionsView({ sessions }: { sessions: SessionView[] }) {
  const router = useRouter();
  const [revoking, setRevoking] = useState<SessionView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function revoke() {
    if (!revoking) return;
    setBusy(true);
    const r = await callApi("DELETE", `/api/v1/sessions/${encodeURIComponent(revoking.id)}`);
    setBusy(false);
    if (!r.ok) return setError(r.error ?? "revoking failed");
    if (revoking.current) return window.location.assign("/signin");
    setNotice("Revoked: that session is signed out now.");
    setRevoking(null);
    router.refresh();
  }

  return (
    <section aria-labelledby="sessions-title" className="space-y-6">
      <div>
        <h1 id="sessions-title" className="text-xl font-semibold">
          Your sessions
        </h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">Every browser where you are signed in. Revoke one you do not recognise: it is signed out at once.</p>
      </div>
      <FormAlert tone="info" message={notice} />
      <Table caption="Your sessions">
        <THead>
          <Tr>
            <Th>Browser</Th>
            <Th>Address</Th>
            <Th>Signed in with</Th>
            <Th>Since</Th>
            <Th>Last seen</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </Tr>
        </THead>
        <TBody>
          {sessions.length === 0 && <EmptyRow colSpan={6}>No sessions.</EmptyRow>}
          {sessions.map((s) => (
            <Tr key={s.id} data-testid={`session-row-${s.id}`}>
              <Td className="max-w-md truncate" title={s.userAgent ?? undefined}>
                {s.userAgent ?? "unknown"} {s.current && <Badge tone="info">this browser</Badge>}
              </Td>
              <Td className="font-mono text-xs">{s.address ?? "unknown"}</Td>
              <Td>{s.method === "oidc" ? "single sign-on" : "password"}</Td>
              <Td>
                <LocalTime iso={s.createdAt} />
              </Td>
              <Td>
                <LocalTime iso={s.lastSeenAt} />
              </Td>
              <Td className="text-right">
                <Button size="sm" variant="danger" aria-label={`Revoke session ${s.id}`} onClick={() => { setError(null); setRevoking(s); }}>
                  Revoke
                </Button>
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this session?"
        description={revoking?.current ? "This is the browser you are using: you will be signed out here." : "That browser is signed out at once."}
        confirm="Revoke session"
        danger
        busy={busy}
        error={error}
        onConfirm={() => void revoke()}
        onClose={() => setRevoking(null)}
      />
    </section>
  );
}
