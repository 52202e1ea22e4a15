// The cluster's address plan of this process (lib/network/cluster-cidrs.ts), read from its environment once. The
// control plane reads it at start (server/config.ts), so a bad plan stops the start rather than the first Service.
import { loadClusterNetworkConfig, type ClusterNetworkConfig } from "./cluster-cidrs";

let cached: ClusterNetworkConfig | null = null;

export function clusterNetwork(): ClusterNetworkConfig {
  return (cached ??= loadClusterNetworkConfig());
}
