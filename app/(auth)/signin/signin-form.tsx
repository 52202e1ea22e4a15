"use client";
import { useState, type FormEvent } from "react";
import { getCsrfToken, signIn } from "next-auth/react";
import { Button, Field, FormAlert, Input } from "@/components/ui";

export function SignInForm({ next, initialError, sso }: { next: string; initialError: string | null; sso: { name: string } | null }) {
  const [error, setError] = useState<string | null>(initialError);
  const [busy, setBusy] = useState(false);
  const [leaving, setLeaving] = useState(false);

  // Single sign-on: a plain form post to next-auth's sign-in route (with its CSRF token), answered with a redirect to
  // the provider; whatever goes wrong comes back to this page as ?error=.
  async function singleSignOn() {
    setLeaving(true);
    setError(null);
    try {
      const csrfToken = await getCsrfToken();
      if (!csrfToken) throw new Error("no csrf token");
      const form = document.createElement("form");
      form.method = "POST";
      form.action = "/api/auth/signin/oidc";
      for (const [name, value] of Object.entries({ csrfToken, callbackUrl: next })) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        form.appendChild(input);
      }
      document.body.appendChild(form);
      form.submit();
    } catch {
      setLeaving(false);
      setError("Could not reach the server. Check that Gantry is running and try again.");
    }
  }

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
      {sso && (
        <>
          <p className="text-center text-xs text-muted-foreground">or</p>
          <Button type="button" variant="secondary" loading={leaving} className="w-full" onClick={() => void singleSignOn()}>
            Sign in with {sso.name}
          </Button>
        </>
      )}
    </form>
  );
}

function sentence(s: string): string {
  const t = s === "CredentialsSignin" ? "wrong email or password" : s;
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? "" : ".");
}
