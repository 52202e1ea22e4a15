// The signed-in app: header with the product name, navigation (each page only for the roles that may use it), who is
// signed in and a sign-out button. Nobody signed in → /signin; no account at all yet → /setup.
import Link from "next/link";
import { redirect } from "next/navigation";
import { currentActor } from "@/lib/auth/current-actor";
import { can, canSomewhere } from "@/lib/auth/policy";
import { isSetupNeeded } from "@/lib/users/is-setup-needed";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/password-rules";
import { Badge } from "@/components/ui";
import { NavLinks } from "./_shell/nav-links";
import { SignOutButton } from "./_shell/sign-out-button";
import { AccountMenu } from "./_shell/account-menu";
import { ThemeToggle } from "@/components/shell/theme-toggle";
import { GlobalSearch } from "@/components/shell/global-search";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const actor = await currentActor();
  if (!actor || actor.disabled) redirect((await isSetupNeeded()) ? "/setup" : "/signin");

  const links = [
    { href: "/hosts", label: "Hosts" },
    { href: "/containers", label: "Containers" },
    { href: "/images", label: "Images" },
    { href: "/networks", label: "Networks" },
    { href: "/volumes", label: "Volumes" },
  ];
  // The cluster's objects, in the order a workload is read: what runs, how it is reached, its configuration, where.
  if (can(actor, "k8s.read"))
    links.push(
      { href: "/deployments", label: "Deployments" },
      { href: "/replicasets", label: "ReplicaSets" },
      { href: "/pods", label: "Pods" },
      { href: "/services", label: "Services" },
      { href: "/stacks", label: "Stacks" },
      { href: "/configmaps", label: "ConfigMaps" },
      { href: "/secrets", label: "Secrets" },
      { href: "/nodes", label: "Nodes" },
      { href: "/events", label: "Events" },
      { href: "/fleet-map", label: "Fleet map" },
    );
  if (can(actor, "k8s.write")) links.push({ href: "/apply", label: "Apply YAML" });
  if (canSomewhere(actor, "containers.logs")) links.push({ href: "/logs", label: "Logs" });
  if (can(actor, "users.read")) links.push({ href: "/users", label: "Users" }, { href: "/settings/sso", label: "Single sign-on" });
  if (can(actor, "users.manage")) links.push({ href: "/teams", label: "Teams" });
  if (can(actor, "hosts.join")) links.push({ href: "/join-tokens", label: "Join tokens" });
  if (can(actor, "activity.read")) links.push({ href: "/activity", label: "Activity" });
  if (can(actor, "tokens.manage")) links.push({ href: "/tokens", label: "API tokens" });

  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="mx-auto flex min-h-14 max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-2">
          <Link href="/" className="text-lg font-bold tracking-tight">
            Gantry
          </Link>
          <NavLinks links={links} />
          <div className="ml-auto flex flex-wrap items-center gap-3 text-sm">
            <GlobalSearch />
            <ThemeToggle />
            <AccountMenu name={actor.name} email={actor.email} passwordMinLength={PASSWORD_MIN_LENGTH} />
            <Badge tone="info" aria-label={`role: ${actor.role}`}>
              {actor.role}
            </Badge>
            <SignOutButton />
          </div>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-8">{children}</main>
    </div>
  );
}
