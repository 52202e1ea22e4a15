// Two real agents joined to one real control plane as two Nodes with names of their own, and an operator's kubectl
// (1.32) against its Kubernetes API — the set-up of every test of the scheduler and controllers. `destroy()` removes
// the second agent, the kubectl endpoint and the fleet host, in that order.
import assert from "node:assert/strict";
import { startFleetHost, joinFleetAgent, type ExtraAgent, type FleetHost } from "./fleet-host";
import { api, userSession } from "./session";
import { kube, kubeEndpoint, mintToken, until, type Kube, type KubeEndpoint } from "../k8s/support";

export interface TwoNodeCluster {
  fleet: FleetHost;
  second: ExtraAgent;
  ep: KubeEndpoint;
  /** An operator's kubectl. */
  k: Kube;
  /** The two Node names: the fleet host's, then the second agent's. */
  nodes: [string, string];
  /** kubectl that must succeed: its stdout, or a failed assertion with its output. */
  ok(args: string[], stdin?: string): Promise<string>;
  destroy(): Promise<void>;
}

/** `prefix` (3 letters) names the agents' bridges and the Nodes (`<prefix>-a-<pid>`, `<prefix>-b-<pid>`). */
export async function startTwoNodeCluster(prefix: string, opts: { cpEnv?: Record<string, string> } = {}): Promise<TwoNodeCluster> {
  const nodes: [string, string] = [`${prefix}-a-${process.pid}`, `${prefix}-b-${process.pid}`];
  const fleet = await startFleetHost(prefix, { cpEnv: opts.cpEnv });
  let second: ExtraAgent | undefined;
  let ep: KubeEndpoint | undefined;
  try {
    const renamed = await api(fleet.cp, fleet.ownerCookie).patch(`/api/v1/hosts/${fleet.hostId}`, { name: nodes[0] });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    // The second host joins while kubectl's endpoint and the operator's token are made (none needs another).
    const [joined, endpoint, token] = await Promise.allSettled([
      joinFleetAgent(fleet, `${prefix.slice(0, 2)}b`, { name: nodes[1] }),
      kubeEndpoint(fleet.cp),
      userSession(fleet.cp, fleet.ownerCookie, "operator").then(({ cookie }) => mintToken(fleet.cp, cookie)),
    ]);
    if (joined.status === "fulfilled") second = joined.value;
    if (endpoint.status === "fulfilled") ep = endpoint.value;
    for (const r of [joined, endpoint, token]) if (r.status === "rejected") throw r.reason;
    const k = kube(ep!, (token as PromiseFulfilledResult<string>).value);
    await until(async () => {
      const out = await k.run(["get", "nodes", ...nodes, "--no-headers"]);
      return out.code === 0 && out.stdout.trim().split("\n").every((l) => l.split(/\s+/)[1] === "Ready");
    }, 30_000, "both nodes Ready");
    const s = second!;
    const e = ep!;
    return {
      fleet,
      second: s,
      ep: e,
      k,
      nodes,
      async ok(args, stdin) {
        const r = await k.run(args, { stdin });
        assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
        return r.stdout;
      },
      async destroy() {
        try {
          await s.destroy();
        } finally {
          await e.close();
          await fleet.destroy();
        }
      },
    };
  } catch (err) {
    await second?.destroy().catch(() => {});
    await ep?.close().catch(() => {});
    await fleet.destroy();
    throw err;
  }
}
