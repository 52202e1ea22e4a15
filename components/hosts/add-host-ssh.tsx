"use client";
// "Add host" → "Over SSH": the address, port and user, a private key (pasted or read from a file) or a password, the
// key's passphrase, an optional jump host; then the install job (POST /api/v1/hosts/ssh) step by step as the server
// pushes it (socket.io room of the job, install-job.subscribe), with each step's output, the host key to confirm,
// Cancel, and a link to the new host once it is online. The credentials go to the server once and are not kept here.
import { api, ApiError } from "@/components/api/client";
import { borrowBrowserSocket } from "@/components/fleet/browser-socket";
import Link from "next/link";
import { useEffect, useState, type ChangeEvent, type FormEvent } from "react";
import { Button, Field, FormAlert, Input } from "@/components/ui";
import type { InstallJobView } from "@/lib/hosts/install-job-schemas";

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

export function AddHostOverSsh() {
  const [form, setForm] = useState({ address: "", port: "22", user: "root", privateKey: "", password: "", passphrase: "", jump: "", jumpKey: "", name: "", serverUrl: "" });
  const [auth, setAuth] = useState<"key" | "password">("key");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [job, setJob] = useState<InstallJobView | null>(null);
  const set = (k: keyof typeof form) => (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setForm((f) => ({ ...f, [k]: e.target.value }));

  // Live steps: the job's room; one read after joining catches what happened before.
  const jobId = job?.id;
  useEffect(() => {
    if (!jobId) return;
    const { socket, release } = borrowBrowserSocket();
    const onJob = (j: InstallJobView) => {
      if (j.id === jobId) setJob(j);
    };
    socket.on("install-job", onJob);
    const join = () =>
      socket.emit("install-job.subscribe", jobId, () => {
        void api.get<{ job: InstallJobView }>(`/api/v1/host-install-jobs/${jobId}`).then((r) => setJob(r.job), () => {});
      });
    join();
    socket.on("connect", join);
    return () => {
      socket.off("install-job", onJob);
      socket.off("connect", join);
      release();
    };
  }, [jobId]);

  async function readKeyFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    if (!file) return;
    const text = await file.text();
    setForm((f) => ({ ...f, privateKey: text }));
  }

  async function start(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    const jump = /^([^@\s]+)@([^:@\s]+)(?::(\d+))?$/.exec(form.jump.trim());
    if (form.jump.trim() && !jump) {
      setBusy(false);
      return setErrors({ jump: "user@bastion[:port]" });
    }
    try {
      const body = {
        address: form.address.trim(),
        port: Number(form.port) || 0,
        user: form.user.trim(),
        ...(auth === "key" ? { privateKey: form.privateKey || undefined, passphrase: form.passphrase || undefined } : { password: form.password || undefined }),
        jump: jump ? { user: jump[1], address: jump[2], port: jump[3] ? Number(jump[3]) : 22, privateKey: form.privateKey || undefined, password: auth === "password" ? form.password : undefined, hostKeyFingerprint: form.jumpKey.trim() || undefined } : undefined,
        name: form.name.trim() || undefined,
        serverUrl: form.serverUrl.trim() || undefined,
      };
      const r = await api.post<{ job: InstallJobView }>("/api/v1/hosts/ssh", body);
      setJob(r.job);
      setForm((f) => ({ ...f, privateKey: "", password: "", passphrase: "" }));
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fields).length) setErrors(err.fields);
      else setError(`Could not start: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  async function act(path: "cancel" | "confirm-host-key") {
    if (!job) return;
    setError(null);
    try {
      const r = await api.post<{ job: InstallJobView }>(`/api/v1/host-install-jobs/${job.id}/${path}`, path === "cancel" ? undefined : { fingerprint: job.presentedHostKey });
      setJob(r.job);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  if (job) {
    return (
      <div className="space-y-3" data-testid="install-job">
        <FormAlert message={error} />
        <p className="text-sm">
          Installing on <strong>{job.user}@{job.address}{job.port === 22 ? "" : `:${job.port}`}</strong>
          {job.jump ? <> via {job.jump}</> : null}: <span data-testid="install-job-state">{job.state}</span>
        </p>
        {job.state === "awaiting-host-key" && job.presentedHostKey && (
          <div className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-900 dark:bg-amber-950" role="alert">
            <p>
              The machine presents the host key <code data-testid="presented-host-key" className="break-all">{job.presentedHostKey}</code>. Compare it
              with <code>ssh-keygen -lf</code> of its host key (on the machine: <code>/etc/ssh/ssh_host_ed25519_key.pub</code>) before you confirm.
            </p>
            <Button className="mt-2" onClick={() => void act("confirm-host-key")}>
              Confirm host key
            </Button>
          </div>
        )}
        <ol className="space-y-2" aria-label="Install steps">
          {job.steps.map((s, i) => (
            <li key={`${s.name}-${i}`} data-testid={`install-step-${s.name}`} data-state={s.state}>
              <p className="text-sm font-medium">
                {s.name}: {s.state}
                {s.detail ? <span className="font-normal text-slate-600 dark:text-slate-400"> — {s.detail}</span> : null}
              </p>
              {s.output.length > 0 && (
                <pre className="mt-1 max-h-40 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-950 p-2 font-mono text-xs text-slate-100">{s.output.join("\n")}</pre>
              )}
            </li>
          ))}
        </ol>
        {job.reason && job.state !== "succeeded" && <FormAlert message={job.reason} />}
        <div className="flex items-center gap-2">
          {!FINISHED.has(job.state) && (
            <Button variant="secondary" onClick={() => void act("cancel")}>
              Cancel
            </Button>
          )}
          {job.state === "succeeded" && job.hostId !== null && (
            <Link href={`/hosts/${job.hostId}`} className="text-sm text-indigo-700 hover:underline dark:text-indigo-400" data-testid="new-host-link">
              Open the new host
            </Link>
          )}
          {FINISHED.has(job.state) && (
            <Button variant="secondary" onClick={() => setJob(null)}>
              Add another
            </Button>
          )}
        </div>
      </div>
    );
  }

  return (
    <form onSubmit={start} noValidate className="space-y-3" aria-label="Add a host over SSH">
      <FormAlert message={error} />
      <div className="grid grid-cols-3 gap-2">
        <div className="col-span-2">
          <Field id="ssh-address" label="Address" error={errors.address}>
            <Input id="ssh-address" value={form.address} onChange={set("address")} placeholder="203.0.113.7 or web-1.example.com" invalid={!!errors.address} />
          </Field>
        </div>
        <Field id="ssh-port" label="Port" error={errors.port}>
          <Input id="ssh-port" value={form.port} onChange={set("port")} inputMode="numeric" invalid={!!errors.port} />
        </Field>
      </div>
      <Field id="ssh-user" label="User" hint="root, or a user with passwordless sudo" error={errors.user}>
        <Input id="ssh-user" value={form.user} onChange={set("user")} invalid={!!errors.user} />
      </Field>
      <fieldset className="flex gap-4 text-sm">
        <legend className="sr-only">How to log in</legend>
        <label className="flex items-center gap-1">
          <input type="radio" name="ssh-auth" checked={auth === "key"} onChange={() => setAuth("key")} /> Private key
        </label>
        <label className="flex items-center gap-1">
          <input type="radio" name="ssh-auth" checked={auth === "password"} onChange={() => setAuth("password")} /> Password
        </label>
      </fieldset>
      {auth === "key" ? (
        <>
          <Field id="ssh-key" label="Private key" hint="Paste it, or choose the file. It is used for this install only and not stored." error={errors.privateKey}>
            <textarea
              id="ssh-key"
              value={form.privateKey}
              onChange={set("privateKey")}
              rows={4}
              spellCheck={false}
              className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-xs dark:border-slate-700 dark:bg-slate-900"
              placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
            />
          </Field>
          <input type="file" aria-label="Private key file" onChange={(e) => void readKeyFile(e)} className="text-xs" />
          <Field id="ssh-passphrase" label="Passphrase (if the key has one)" error={errors.passphrase}>
            <Input id="ssh-passphrase" type="password" value={form.passphrase} onChange={set("passphrase")} autoComplete="off" />
          </Field>
        </>
      ) : (
        <Field id="ssh-password" label="Password" hint="Used for this install only and not stored." error={errors.password ?? errors.privateKey}>
          <Input id="ssh-password" type="password" value={form.password} onChange={set("password")} autoComplete="off" invalid={!!(errors.password ?? errors.privateKey)} />
        </Field>
      )}
      <Field id="ssh-jump" label="Jump host (optional)" hint="user@bastion[:port], logged in to with the same key or password" error={errors.jump}>
        <Input id="ssh-jump" value={form.jump} onChange={set("jump")} placeholder="ops@bastion.example.com" invalid={!!errors.jump} />
      </Field>
      {form.jump.trim() && (
        <Field id="ssh-jump-key" label="Jump host's key" hint="SHA256:… as ssh-keygen -lf prints it for the bastion's host key" error={errors["jump.hostKeyFingerprint"]}>
          <Input id="ssh-jump-key" value={form.jumpKey} onChange={set("jumpKey")} placeholder="SHA256:…" />
        </Field>
      )}
      <Field id="ssh-name" label="Host name (optional)" error={errors.name}>
        <Input id="ssh-name" value={form.name} onChange={set("name")} placeholder="e.g. web-1" invalid={!!errors.name} />
      </Field>
      <Field id="ssh-server-url" label="This server's URL, as the machine reaches it (optional)" hint="Default: the address in your browser's bar" error={errors.serverUrl}>
        <Input id="ssh-server-url" value={form.serverUrl} onChange={set("serverUrl")} placeholder="https://gantry.example.com:3000" invalid={!!errors.serverUrl} />
      </Field>
      <Button type="submit" loading={busy}>
        Install over SSH
      </Button>
    </form>
  );
}
