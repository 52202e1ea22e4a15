// The one message every page shows to a signed-in user whose role may not use it (never an error page): what the page
// is, which right it needs, and who can help.
import type { Action, Role } from "@/lib/auth/policy";

export function NotAllowed({ title, role, action, what }: { title: string; role: Role; action: Action; what?: string }) {
  return (
    <section aria-labelledby="not-allowed-title" className="space-y-4" data-testid="not-allowed">
      <h1 id="not-allowed-title" className="text-xl font-semibold">
        {title}
      </h1>
      <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
        <p className="font-medium">You may not use this page.</p>
        <p className="mt-1">
          {what ? `${what} needs` : "It needs"} the <code>{action}</code> right, which your role ({role}) does not have. Ask an owner or admin if you need it.
        </p>
      </div>
    </section>
  );
}
