"use client";
// The signed-in user's name in the header: opens a dialog to change their own name or password (PATCH /api/v1/me), with
// a link to their sessions (/account/sessions).
import { api, ApiError } from "@/components/api/client";
import { useState, type FormEvent } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { Button, Dialog, Field, FormAlert, Input } from "@/components/ui";

export function AccountMenu({ name, email, passwordMinLength }: { name: string; email: string; passwordMinLength: number }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        onClick={() => setOpen(true)}
        data-testid="current-user"
        className="hidden rounded px-1 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 sm:inline"
        aria-haspopup="dialog"
        title={`${email}: change your name or password`}
      >
        {name}
      </button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Your account" description={email}>
        <AccountForm name={name} email={email} passwordMinLength={passwordMinLength} onDone={() => setOpen(false)} />
        <p className="mt-4 border-t border-slate-200 pt-3 text-sm dark:border-slate-800">
          <Link href="/account/sessions" onClick={() => setOpen(false)} className="font-medium text-indigo-700 hover:underline dark:text-indigo-400">
            Your sessions
          </Link>{" "}
          — where you are signed in, and signing out one of them.
        </p>
      </Dialog>
    </>
  );
}

function AccountForm({ name, email, passwordMinLength, onDone }: { name: string; email: string; passwordMinLength: number; onDone: () => void }) {
  const router = useRouter();
  const [fields, setFields] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const newName = String(form.get("name") ?? "").trim();
    const currentPassword = String(form.get("currentPassword") ?? "");
    const newPassword = String(form.get("newPassword") ?? "");
    const body: Record<string, string> = {};
    if (newName !== name) body.name = newName;
    if (newPassword || currentPassword) Object.assign(body, { currentPassword, newPassword });
    if (Object.keys(body).length === 0) return onDone();
    setBusy(true);
    setMessage(null);
    try {
      try {
        await api.patch("/api/v1/me", body);
      } catch (e) {
        if (!(e instanceof ApiError) || e.status === 0) throw e;
        const found = e.fields;
        setFields(found);
        setMessage(Object.keys(found).length ? "Check the highlighted fields." : e.message);
        return;
      }
      // A new password ends every session, this one included: sign in again with it, here, without asking.
      if (body.newPassword) {
        const again = await signIn("credentials", { email, password: newPassword, redirect: false });
        if (!again || again.error) return window.location.assign("/signin");
      }
      onDone();
      router.refresh();
    } catch {
      setMessage("could not reach the server");
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <FormAlert message={message} />
      <Field id="account-name" label="Name" error={fields.name}>
        <Input id="account-name" name="name" defaultValue={name} autoComplete="name" invalid={!!fields.name} />
      </Field>
      <fieldset className="space-y-4">
        <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Change password (leave empty to keep it)</legend>
        <p className="text-xs text-slate-500 dark:text-slate-400">A new password signs you out everywhere else.</p>
        <Field id="account-current" label="Current password" error={fields.currentPassword}>
          <Input id="account-current" name="currentPassword" type="password" autoComplete="current-password" invalid={!!fields.currentPassword} />
        </Field>
        <Field id="account-new" label="New password" hint={`At least ${passwordMinLength} characters.`} error={fields.newPassword}>
          <Input id="account-new" name="newPassword" type="password" autoComplete="new-password" invalid={!!fields.newPassword} />
        </Field>
      </fieldset>
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" loading={busy}>
          Save
        </Button>
      </div>
    </form>
  );
}
