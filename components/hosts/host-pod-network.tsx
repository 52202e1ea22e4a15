// The host's part of the pod network: its pod CIDR, its underlay address and VTEP, the last network.sync it took, and
// the other hosts its overlay reaches (as of the page's load).
import type { HostPodNetwork } from "@/lib/network/get-host-pod-network";
import { formatTime } from "./format";

export function HostPodNetworkPanel({ net }: { net: HostPodNetwork }) {
  return (
    <section aria-labelledby="pod-network-title" className="space-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm dark:border-slate-800 dark:bg-slate-950">
      <h2 id="pod-network-title" className="font-semibold">
        Pod network
      </h2>
      <dl className="grid grid-cols-1 gap-x-8 gap-y-2 sm:grid-cols-2">
        <div>
          <dt className="text-slate-500 dark:text-slate-400">Pod CIDR</dt>
          <dd className="font-medium">{net.podCIDR ?? "none yet"}</dd>
        </div>
        <div>
          <dt className="text-slate-500 dark:text-slate-400">Underlay</dt>
          <dd className="font-medium">{net.underlayIP ? `${net.underlayIP} (VTEP ${net.vtepMAC})` : "not reported yet"}</dd>
        </div>
        <div>
          <dt className="text-slate-500 dark:text-slate-400">Last sync</dt>
          <dd className="font-medium">{net.syncedAt ? formatTime(net.syncedAt) : "never"}</dd>
        </div>
        <div>
          <dt className="text-slate-500 dark:text-slate-400">Overlay peers</dt>
          <dd className="font-medium">{net.peers.length}</dd>
        </div>
      </dl>
      {net.peers.length > 0 && (
        <table className="w-full text-left">
          <caption className="sr-only">Overlay peers</caption>
          <thead className="text-slate-500 dark:text-slate-400">
            <tr>
              <th className="font-normal">Host</th>
              <th className="font-normal">Pod CIDR</th>
              <th className="font-normal">Underlay</th>
            </tr>
          </thead>
          <tbody>
            {net.peers.map((p) => (
              <tr key={p.hostId}>
                <td>
                  <a className="underline" href={`/hosts/${p.hostId}`}>
                    {p.name}
                  </a>
                </td>
                <td>{p.podCIDR}</td>
                <td>{p.underlayIP}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
