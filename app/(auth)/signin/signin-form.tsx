"use client";
import { useState, type FormEvent } from "react";
import { signIn } from "next-auth/react";
import { Button, Field, FormAlert, Input } from "@/components/ui";

export function SignInForm({ next, initialError }: { next: string; initialError: string | null }) {
  const [error, setError] = useState<string | null>(initialError);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const email = String(form.get("email") ?? "").trim();
    const password = String(form.get("password") ?? "");
    if (!email || !password) {
      setError("Enter your email and password.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await signIn("credentials", { email, password, redirect: false });
      if (!r || r.error) {
        setError(sentence(r?.error ?? "sign-in failed"));
        return;
      }
      window.location.assign(next);
    } catch {
      setError("Could not reach the server. Check that Gantry is running and try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <FormAlert message={error} />
      <Field id="email" label="Email">
        <Input id="email" name="email" type="email" autoComplete="username" required autoFocus />
      </Field>
      <Field id="password" label="Password">
        <Input id="password" name="password" type="password" autoComplete="current-password" required />
      </Field>
      <Button type="submit" loading={busy} className="w-full">
        Sign in
      </Button>
    </form>
  );
}

function sentence(s: string): string {
  const t = s === "CredentialsSignin" ? "wrong email or password" : s;
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? "" : ".");
}
