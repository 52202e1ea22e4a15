"use client";
// "Add host": mints a fresh single-use join token (POST /api/v1/join-tokens) each time it opens and shows the one
// line to run on the new machine, with a copy button. The token is shown here once and never again.
import { useCallback, useEffect, useState } from "react";
import { Button, Dialog, FormAlert } from "@/components/ui";

interface Minted {
  token: string;
  command: string;
  serviceCommand: string;
  serverUrl: string;
  fingerprint: string | null;
  expiresAt: string;
}

export function AddHostButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button onClick={() => setOpen(true)}>Add host</Button>
      <AddHostDialog open={open} onClose={() => setOpen(false)} />
    </>
  );
}

export function AddHostDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [minted, setMinted] = useState<Minted | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);

  const mint = useCallback(async () => {
    setBusy(true);
    setError(null);
    setCopied(false);
    try {
      const res = await fetch("/api/v1/join-tokens", { method: "POST" });
      const body = await res.json().catch(() => null);
      if (!res.ok) throw new Error(body?.error?.message ?? `the server answered ${res.status}`);
      setMinted(body as Minted);
    } catch (e) {
      setMinted(null);
      setError(`Could not create a join token: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    if (open) void mint();
    else setMinted(null);
  }, [open, mint]);

  async function copy() {
    if (!minted) return;
    try {
      await navigator.clipboard.writeText(minted.command);
      setCopied(true);
    } catch {
      // No clipboard permission (plain http): select the text so Ctrl+C works.
      const el = document.getElementById("join-command");
      if (el) window.getSelection()?.selectAllChildren(el);
      setError("Copying is not allowed here: the command is selected, press Ctrl+C.");
    }
  }

  return (
    <Dialog open={open} onClose={onClose} title="Add a host" description="Run this as root on the machine to add. The token works once and expires.">
      <div className="space-y-4">
        <FormAlert message={error} />
        {busy && !minted && <p className="text-sm text-slate-600 dark:text-slate-400">Creating a join token…</p>}
        {minted && (
          <>
            <div className="rounded-md bg-slate-950 p-3 text-slate-100">
              <code id="join-command" data-testid="join-command" className="block break-all font-mono text-xs select-all">
                {minted.command}
              </code>
            </div>
            <div className="flex items-center gap-2">
              <Button onClick={copy} aria-describedby="join-command">
                {copied ? "Copied" : "Copy command"}
              </Button>
              <Button variant="secondary" onClick={mint} loading={busy}>
                New token
              </Button>
              <span role="status" aria-live="polite" className="sr-only">
                {copied ? "Join command copied to the clipboard" : ""}
              </span>
            </div>
            <p className="text-xs text-slate-600 dark:text-slate-400">
              Expires {new Date(minted.expiresAt).toLocaleString()}. The machine needs Gantry installed (the <code>gantry-agent</code>{" "}
              command) and must reach <code>{minted.serverUrl}</code>. The new host appears in the list as soon as it joins. Already
              installed as a service? <code className="break-all">{minted.serviceCommand}</code> stores the credential for it instead.
              {minted.fingerprint && (
                <>
                  {" "}The agent trusts only the control plane&apos;s certificate with SHA-256 fingerprint{" "}
                  <code className="break-all" data-testid="join-fingerprint">{minted.fingerprint}</code>.
                </>
              )}
            </p>
          </>
        )}
      </div>
    </Dialog>
  );
}
