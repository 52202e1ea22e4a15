"use client";
// "Add host": mints a fresh single-use join token (POST /api/v1/join-tokens) each time it opens and shows the one
// line to run on the new machine, with a copy button. A name typed here is the name the host joins under (a new token
// carries it; the one it replaces is revoked). The token is shown here once and never again; outstanding tokens are
// listed, and revoked, on the Join tokens page. "Over SSH" installs the agent on the machine from here instead
// (components/hosts/add-host-ssh.tsx).
import { api, ApiError } from "@/components/api/client";
import Link from "next/link";
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { Button, Dialog, Field, FormAlert, Input } from "@/components/ui";
import { AddHostOverSsh } from "./add-host-ssh";

interface Minted {
  id: string;
  token: string;
  command: string;
  serverUrl: string;
  expiresAt: string;
  hostName: string | null;
  serviceCommand: string;
  fingerprint: string | null;
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
  const [nameError, setNameError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const [name, setName] = useState("");
  const current = useRef<Minted | null>(null);
  const [how, setHow] = useState<"command" | "ssh">("command");

  /** Mints a token (named or not); the one shown before, never used, is revoked so it does not linger. */
  const mint = useCallback(async (hostName: string | null) => {
    setBusy(true);
    setError(null);
    setNameError(null);
    setCopied(false);
    try {
      const body = await api.post<Minted>("/api/v1/join-tokens", hostName ? { hostName } : undefined);
      const previous = current.current;
      current.current = body;
      setMinted(body);
      if (previous) void api.delete(`/api/v1/join-tokens/${encodeURIComponent(previous.id)}`).catch(() => {});
    } catch (e) {
      const field = e instanceof ApiError ? e.field("hostName") : undefined;
      if (field) return setNameError(field);
      setError(`Could not create a join token: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    if (open) void mint(null);
    else {
      current.current = null;
      setMinted(null);
      setName("");
      setHow("command");
    }
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

  function applyName(e: FormEvent) {
    e.preventDefault();
    void mint(name.trim() || null);
  }

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Add a host"
      description={how === "command" ? "Run this as root on the machine to add. The token works once and expires." : "Gantry logs in to the machine over SSH and installs the agent."}
    >
      <div role="tablist" aria-label="How to add the host" className="mb-4 flex gap-2">
        <Button role="tab" aria-selected={how === "command"} variant={how === "command" ? "primary" : "secondary"} onClick={() => setHow("command")}>
          Join command
        </Button>
        <Button role="tab" aria-selected={how === "ssh"} variant={how === "ssh" ? "primary" : "secondary"} onClick={() => setHow("ssh")}>
          Over SSH
        </Button>
      </div>
      {how === "ssh" ? <AddHostOverSsh /> : <div className="space-y-4">
        <FormAlert message={error} />
        <form onSubmit={applyName} noValidate className="flex items-start gap-2" aria-label="Name the host">
          <div className="flex-1">
            <Field id="join-host-name" label="Host name (optional)" hint="Without one, the host is named by its hostname." error={nameError}>
              <Input
                id="join-host-name"
                value={name}
                onChange={(e) => setName(e.target.value)}
                maxLength={64}
                placeholder="e.g. web-1"
                invalid={!!nameError}
                aria-describedby={nameError ? "join-host-name-error" : "join-host-name-hint"}
              />
            </Field>
          </div>
          <Button type="submit" variant="secondary" className="mt-6" disabled={busy || (name.trim() || null) === (minted?.hostName ?? null)}>
            Use this name
          </Button>
        </form>
        {busy && !minted && <p className="text-sm text-slate-600 dark:text-slate-400">Creating a join token…</p>}
        {minted && (
          <>
            <div className="rounded-md bg-slate-950 p-3 text-slate-100">
              <code id="join-command" data-testid="join-command" className="block break-all font-mono text-xs select-all">
                {minted.command}
              </code>
            </div>
            <p className="text-sm" data-testid="join-host-as">
              {minted.hostName ? (
                <>
                  The machine joins as <strong>{minted.hostName}</strong>.
                </>
              ) : (
                "The machine joins under its own hostname."
              )}
            </p>
            <div className="flex items-center gap-2">
              <Button onClick={copy} aria-describedby="join-command">
                {copied ? "Copied" : "Copy command"}
              </Button>
              <Button variant="secondary" onClick={() => void mint(minted.hostName)} loading={busy}>
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
              )}{" "}
              Tokens not used yet are listed on the{" "}
              <Link href="/join-tokens" className="text-indigo-700 hover:underline dark:text-indigo-400">
                Join tokens
              </Link>{" "}
              page, where they can be revoked.
            </p>
          </>
        )}
      </div>}
    </Dialog>
  );
}
