"use client";
// The users table and its actions. Every change goes through the same REST routes as any other client
// (/api/v1/users), so the server's rules and messages are the ones shown here.
import { apiRequest, ApiError } from "@/components/api/client";
import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { ROLES, canAssignRole, canManageUser, type Actor, type Role } from "@/lib/auth/policy";
import type { PublicUser } from "@/lib/users/public-user";
import { Badge, Button, ConfirmDialog, Dialog, EmptyRow, Field, FormAlert, Input, Select, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";

interface SendError {
  message: string;
  fields: Record<string, string>;
}

async function send(method: "POST" | "PATCH", url: string, body: unknown): Promise<SendError | null> {
  try {
    await apiRequest(method, url, body);
    return null;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return { message: e.message, fields: e.fields };
  }
}

export function UsersView({ actor, users, passwordMinLength }: { actor: Actor; users: PublicUser[]; passwordMinLength: number }) {
  const router = useRouter();
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [resetting, setResetting] = useState<PublicUser | null>(null);
  const [disabling, setDisabling] = useState<PublicUser | null>(null);
  const [disableError, setDisableError] = useState<string | null>(null);
  const assignable = ROLES.filter((r) => canAssignRole(actor, r));

  async function change(user: PublicUser, patch: { role?: Role; disabled?: boolean }) {
    setPending(user.id);
    setError(null);
    const err = await send("PATCH", `/api/v1/users/${encodeURIComponent(user.id)}`, patch);
    setPending(null);
    if (err) setError(`${user.name}: ${err.message}`);
    router.refresh();
    return err;
  }

  /** Disabling signs the user out everywhere at once: asked first. Enabling is not. */
  async function confirmDisable() {
    if (!disabling) return;
    const err = await change(disabling, { disabled: true });
    if (err) return setDisableError(err.message);
    setDisabling(null);
  }

  return (
    <section aria-labelledby="users-title" className="space-y-4">
      <div className="flex items-center justify-between gap-4">
        <div>
          <h1 id="users-title" className="text-xl font-semibold">
            Users
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            {users.length} account{users.length === 1 ? "" : "s"}. Owners manage everyone; admins manage operators and viewers.
          </p>
        </div>
        {assignable.length > 0 && <Button onClick={() => setCreating(true)}>Add user</Button>}
      </div>

      <FormAlert message={error} />

      <Table caption="Users">
        <THead>
          <Tr>
            <Th>Name</Th>
            <Th>Email</Th>
            <Th>Role</Th>
            <Th>Status</Th>
            <Th>Last sign-in</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </Tr>
        </THead>
        <TBody>
          {users.length === 0 && <EmptyRow colSpan={6}>No accounts yet.</EmptyRow>}
          {users.map((u) => {
            const manageable = canManageUser(actor, u);
            const roleOptions = ROLES.filter((r) => r === u.role || canAssignRole(actor, r));
            return (
              <Tr key={u.id}>
                <Td className="font-medium">
                  {u.name}
                  {u.id === actor.id && <span className="ml-2 text-xs text-slate-500">(you)</span>}
                </Td>
                <Td>{u.email}</Td>
                <Td>
                  {manageable ? (
                    <Select
                      aria-label={`Role of ${u.name}`}
                      value={u.role}
                      disabled={pending === u.id}
                      onChange={(e) => void change(u, { role: e.target.value as Role })}
                      className="w-32"
                    >
                      {roleOptions.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </Select>
                  ) : (
                    <Badge tone={u.role === "owner" ? "info" : "neutral"}>{u.role}</Badge>
                  )}
                </Td>
                <Td>
                  {u.disabled ? (
                    <Badge tone="danger">disabled</Badge>
                  ) : (
                    <Badge tone="success">active</Badge>
                  )}
                </Td>
                <Td className="text-slate-600 dark:text-slate-400">{u.lastLoginAt ? new Date(u.lastLoginAt).toLocaleString() : "never"}</Td>
                <Td className="space-x-2 text-right whitespace-nowrap">
                  {manageable && (
                    <Button size="sm" variant="secondary" onClick={() => setResetting(u)} aria-label={`Set a new password for ${u.name}`}>
                      Set password
                    </Button>
                  )}
                  {manageable && (
                    <Button
                      size="sm"
                      variant={u.disabled ? "secondary" : "danger"}
                      loading={pending === u.id}
                      onClick={() => {
                        if (u.disabled) return void change(u, { disabled: false });
                        setDisableError(null);
                        setDisabling(u);
                      }}
                      aria-label={`${u.disabled ? "Enable" : "Disable"} ${u.name}`}
                    >
                      {u.disabled ? "Enable" : "Disable"}
                    </Button>
                  )}
                </Td>
              </Tr>
            );
          })}
        </TBody>
      </Table>

      <Dialog open={creating} onClose={() => setCreating(false)} title="Add user" description="They sign in with this email and initial password.">
        <CreateUserForm
          roles={assignable}
          passwordMinLength={passwordMinLength}
          onDone={() => {
            setCreating(false);
            router.refresh();
          }}
          onCancel={() => setCreating(false)}
        />
      </Dialog>

      <ConfirmDialog
        open={disabling !== null}
        title={`Disable ${disabling?.name ?? "this user"}?`}
        description={
          disabling
            ? `${disabling.email} is signed out everywhere at once and cannot sign in or use API tokens until enabled again. Nothing of theirs is deleted.`
            : undefined
        }
        confirm="Disable user"
        danger
        busy={disabling !== null && pending === disabling.id}
        error={disableError}
        onConfirm={confirmDisable}
        onClose={() => setDisabling(null)}
      />

      <Dialog
        open={resetting !== null}
        onClose={() => setResetting(null)}
        title="Set a new password"
        description={resetting ? `For ${resetting.name} (${resetting.email}). It also lifts a sign-in lock.` : undefined}
      >
        {resetting && (
          <SetPasswordForm
            user={resetting}
            passwordMinLength={passwordMinLength}
            onDone={() => {
              setResetting(null);
              router.refresh();
            }}
            onCancel={() => setResetting(null)}
          />
        )}
      </Dialog>
    </section>
  );
}

function SetPasswordForm({ user, passwordMinLength, onDone, onCancel }: { user: PublicUser; passwordMinLength: number; onDone: () => void; onCancel: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const password = String(new FormData(e.currentTarget).get("password") ?? "");
    setBusy(true);
    const err = await send("PATCH", `/api/v1/users/${encodeURIComponent(user.id)}`, { password });
    setBusy(false);
    if (err) return setError(err.fields.password ?? err.message);
    onDone();
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <Field id="reset-password" label="New password" hint={`At least ${passwordMinLength} characters. Share it with them privately.`} error={error}>
        <Input
          id="reset-password"
          name="password"
          type="password"
          autoComplete="new-password"
          invalid={!!error}
          aria-describedby={error ? "reset-password-error" : "reset-password-hint"}
        />
      </Field>
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" loading={busy}>
          Set password
        </Button>
      </div>
    </form>
  );
}

function CreateUserForm({ roles, passwordMinLength, onDone, onCancel }: { roles: Role[]; passwordMinLength: number; onDone: () => void; onCancel: () => void }) {
  const [fields, setFields] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const body = {
      name: String(form.get("name") ?? ""),
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      role: String(form.get("role") ?? ""),
    };
    setBusy(true);
    const err = await send("POST", "/api/v1/users", body);
    setBusy(false);
    if (err) {
      setFields(err.fields);
      setMessage(Object.keys(err.fields).length ? "Check the highlighted fields." : err.message);
      return;
    }
    onDone();
  }

  const describedBy = (id: string) => (fields[id] ? `new-${id}-error` : undefined);
  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <FormAlert message={message} />
      <Field id="new-name" label="Name" error={fields.name}>
        <Input id="new-name" name="name" required invalid={!!fields.name} aria-describedby={describedBy("name")} />
      </Field>
      <Field id="new-email" label="Email" error={fields.email}>
        <Input id="new-email" name="email" type="email" required invalid={!!fields.email} aria-describedby={describedBy("email")} />
      </Field>
      <Field id="new-password" label="Initial password" hint={`At least ${passwordMinLength} characters. Share it with them privately.`} error={fields.password}>
        <Input
          id="new-password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          invalid={!!fields.password}
          aria-describedby={describedBy("password") ?? "new-password-hint"}
        />
      </Field>
      <Field id="new-role" label="Role" error={fields.role}>
        <Select id="new-role" name="role" defaultValue={roles.includes("viewer") ? "viewer" : roles[0]} invalid={!!fields.role}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </Select>
      </Field>
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" loading={busy}>
          Create user
        </Button>
      </div>
    </form>
  );
}
