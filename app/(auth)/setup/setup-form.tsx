"use client";
import { api, ApiError } from "@/components/api/client";
import { useState, type FormEvent } from "react";
import { signIn } from "next-auth/react";
import { Button, Field, FormAlert, Input } from "@/components/ui";

type Errors = Partial<Record<"name" | "email" | "password" | "confirm", string>>;

export function SetupForm({ minLength }: { minLength: number }) {
  const [errors, setErrors] = useState<Errors>({});
  const [alert, setAlert] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const name = String(form.get("name") ?? "").trim();
    const email = String(form.get("email") ?? "").trim();
    const password = String(form.get("password") ?? "");
    const confirm = String(form.get("confirm") ?? "");
    const found: Errors = {};
    if (!name) found.name = "Enter your name.";
    if (!email) found.email = "Enter your email address.";
    if (password.length < minLength) found.password = `Use at least ${minLength} characters.`;
    if (confirm !== password) found.confirm = "The two passwords differ.";
    setErrors(found);
    setAlert(null);
    if (Object.keys(found).length) return;

    setBusy(true);
    try {
      try {
        await api.post("/api/v1/setup", { name, email, password });
      } catch (e) {
        if (!(e instanceof ApiError) || e.status === 0) throw e;
        const fieldErrors: Errors = {};
        for (const d of e.details) {
          if (d.path === "name" || d.path === "email" || d.path === "password") fieldErrors[d.path as keyof Errors] ??= d.message;
        }
        setErrors(fieldErrors);
        setAlert(e.message);
        return;
      }
      const r = await signIn("credentials", { email, password, redirect: false });
      if (!r || r.error) {
        setAlert(`The account was created, but signing in failed: ${r?.error ?? "no answer"}.`);
        window.location.assign("/signin");
        return;
      }
      window.location.assign("/hosts");
    } catch {
      setAlert("Could not reach the server. Check that Gantry is running and try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <FormAlert message={alert} />
      <Field id="name" label="Name" error={errors.name}>
        <Input id="name" name="name" autoComplete="name" required invalid={!!errors.name} aria-describedby={errors.name ? "name-error" : undefined} />
      </Field>
      <Field id="email" label="Email" error={errors.email}>
        <Input id="email" name="email" type="email" autoComplete="email" required invalid={!!errors.email} aria-describedby={errors.email ? "email-error" : undefined} />
      </Field>
      <Field id="password" label="Password" hint={`At least ${minLength} characters.`} error={errors.password}>
        <Input
          id="password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={minLength}
          invalid={!!errors.password}
          aria-describedby={errors.password ? "password-error" : "password-hint"}
        />
      </Field>
      <Field id="confirm" label="Password again" error={errors.confirm}>
        <Input id="confirm" name="confirm" type="password" autoComplete="new-password" required invalid={!!errors.confirm} aria-describedby={errors.confirm ? "confirm-error" : undefined} />
      </Field>
      <Button type="submit" loading={busy} className="w-full">
        Create owner account
      </Button>
    </form>
  );
}
