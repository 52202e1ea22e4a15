// /users — accounts and their roles, for owners and admins: create, change role, disable or enable.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { currentActor } from "@/lib/auth/current-actor";
import { can } from "@/lib/auth/policy";
import { listUsers } from "@/lib/users/list-users";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/password-rules";
import { UsersView } from "./users-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const actor = await currentActor();
  if (!actor || actor.disabled) redirect("/signin");
  if (!can(actor, "users.read")) {
    return (
      <section aria-labelledby="users-title">
        <h1 id="users-title" className="text-xl font-semibold">
          Users
        </h1>
        <p className="mt-4 text-slate-600 dark:text-slate-400">Your role ({actor.role}) cannot see the list of users. Ask an owner or admin.</p>
      </section>
    );
  }
  const users = await listUsers();
  return <UsersView actor={actor} users={users} passwordMinLength={PASSWORD_MIN_LENGTH} />;
}
