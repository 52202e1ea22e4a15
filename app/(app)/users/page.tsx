// /users — accounts and their roles, for owners and admins: create, change role, disable or enable.
import type { Metadata } from "next";
import { pageAccess } from "@/lib/auth/current-actor";
import { NotAllowed } from "@/components/ui";
import { listUsers } from "@/lib/users/list-users";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/password-rules";
import { UsersView } from "./users-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const { actor, allowed } = await pageAccess("users.read");
  if (!allowed) return <NotAllowed title="Users" role={actor.role} action="users.read" what="The list of users" />;
  const users = await listUsers();
  return <UsersView actor={actor} users={users} passwordMinLength={PASSWORD_MIN_LENGTH} />;
}
