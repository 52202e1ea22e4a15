// The home page's fleet at a glance (rendered on the server; every figure links to the list it counts).
import Link from "next/link";
import { containerHref } from "@/lib/containers/container-href";
import { DISK_PRESSURE_FREE_SHARE, type FleetOverview } from "@/lib/fleet/get-fleet-overview";
import { formatBytes } from "@/components/hosts/format";

const HOST_STATUSES = ["online", "syncing", "stale", "offline"] as const;
const CONTAINER_STATES = ["running", "paused", "restarting", "created", "exited", "dead"] as const;

function Figure({ href, label, value, tone }: { href: string; label: string; value: number; tone?: "warn" | "bad" }) {
  const colour = value && tone === "bad" ? "text-red-700 dark:text-red-400" : value && tone === "warn" ? "text-amber-700 dark:text-amber-400" : "";
  return (
    <Link href={href} className="rounded-lg border border-slate-200 bg-white p-4 hover:border-indigo-400 dark:border-slate-800 dark:bg-slate-900" aria-label={`${value} ${label}`}>
      <div className={`text-2xl font-semibold ${colour}`}>{value}</div>
      <div className="text-sm text-slate-600 dark:text-slate-400">{label}</div>
    </Link>
  );
}

export function FleetOverviewView({ overview }: { overview: FleetOverview }) {
  const { hosts, containers, failures, diskPressure } = overview;
  const states = [...CONTAINER_STATES, ...Object.keys(containers.byState).filter((s) => !(CONTAINER_STATES as readonly string[]).includes(s))];
  return (
    <section aria-labelledby="home-title" className="space-y-8">
      <h1 id="home-title" className="text-xl font-semibold">
        Fleet at a glance
      </h1>

      <section aria-labelledby="home-hosts" className="space-y-3">
        <h2 id="home-hosts" className="text-lg font-semibold">
          Hosts <span className="text-sm font-normal text-slate-500">({hosts.all - hosts.revoked})</span>
        </h2>
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
          {HOST_STATUSES.map((s) => (
            <Figure key={s} href={`/hosts?status=${s}`} label={s} value={hosts[s]} tone={s === "offline" ? "bad" : s === "stale" ? "warn" : undefined} />
          ))}
        </div>
      </section>

      <section aria-labelledby="home-containers" className="space-y-3">
        <h2 id="home-containers" className="text-lg font-semibold">
          Containers <span className="text-sm font-normal text-slate-500">({containers.total})</span>
        </h2>
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
          {states.map((s) => (
            <Figure key={s} href={`/containers?state=${encodeURIComponent(s)}`} label={s} value={containers.byState[s] ?? 0} tone={s === "dead" || s === "restarting" ? "bad" : undefined} />
          ))}
        </div>
      </section>

      <section aria-labelledby="home-failures" className="space-y-3">
        <h2 id="home-failures" className="text-lg font-semibold">
          Recent failures
        </h2>
        {failures.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No container has ended with an error.</p>
        ) : (
          <ul className="space-y-1 text-sm">
            {failures.map((c) => {
              const href = containerHref(c.hostId, c.id);
              const name = <span className="font-mono">{c.name}</span>;
              return (
                <li key={`${c.hostId}-${c.id}`} data-testid={`failure-${c.name}`}>
                  {href ? <Link href={href} className="text-indigo-700 hover:underline dark:text-indigo-400">{name}</Link> : name} ({c.image}) on host {c.hostId} exited with code{" "}
                  {c.exitCode}
                  {c.finishedAt ? ` at ${c.finishedAt.slice(0, 19).replace("T", " ")} UTC` : ""}
                </li>
              );
            })}
          </ul>
        )}
      </section>

      <section aria-labelledby="home-disk" className="space-y-3">
        <h2 id="home-disk" className="text-lg font-semibold">
          Disk pressure
        </h2>
        {diskPressure.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No host is short of disk (under {DISK_PRESSURE_FREE_SHARE * 100} % free).</p>
        ) : (
          <ul className="space-y-1 text-sm">
            {diskPressure.map((h) => (
              <li key={h.hostId}>
                <Link href={`/hosts/${h.hostId}`} className="text-indigo-700 hover:underline dark:text-indigo-400">
                  {h.name}
                </Link>
                : {formatBytes(h.freeBytes)} free of {formatBytes(h.totalBytes)} on {h.path}
              </li>
            ))}
          </ul>
        )}
      </section>
    </section>
  );
}
