// What the container page shows for a container that is not on its host (never was, or was removed).
import Link from "next/link";

export function ContainerNotFound({ hostId, hostName, container, removed }: { hostId: number; hostName: string; container: string; removed?: boolean }) {
  return (
    <section aria-labelledby="container-missing-title" className="space-y-3" data-testid="container-not-found">
      <h1 id="container-missing-title" className="text-xl font-semibold">
        Container not found
      </h1>
      <p className="text-sm text-slate-700 dark:text-slate-300">
        {removed ? (
          <>
            <span className="font-mono">{container}</span> was removed from {hostName} (host {hostId}).
          </>
        ) : (
          <>
            There is no container <span className="font-mono">{container}</span> on {hostName} (host {hostId}).
          </>
        )}
      </p>
      <p className="flex gap-4 text-sm">
        <Link href="/containers" className="text-indigo-700 hover:underline dark:text-indigo-400">
          All containers
        </Link>
        <Link href={`/hosts/${hostId}`} className="text-indigo-700 hover:underline dark:text-indigo-400">
          Host {hostName}
        </Link>
      </p>
    </section>
  );
}
