// What the network engine records and returns. Records are JSON under GANTRY_ROOT/networks/<id>.json, one file per
// network holding its IPAM state and its endpoints, rewritten through a temp file and rename().

import type { Clock } from "../clock";
import type { Resolver } from "./dns";

export type NetworkDriver = "bridge" | "host" | "null";

export interface PortBinding {
  /** Host address the port is published on; "0.0.0.0" for all. */
  hostIp: string;
  /** 0 in a request: an ephemeral port is picked (and recorded). */
  hostPort: number;
  containerPort: number;
  protocol: "tcp" | "udp";
}

export interface EndpointRecord {
  containerId: string;
  /** The container's name, for DNS (without Docker's leading "/"). */
  containerName: string;
  /** Extra DNS names on this network (`--network-alias`). */
  aliases: string[];
  netnsPath: string | null;
  /** Host side of the veth pair (null for host/none). */
  hostVeth: string | null;
  /** Name inside the namespace: eth0, eth1, … (null for host/none; "lo" is implied for none). */
  ifName: string | null;
  ipv4: string | null;
  /** The endpoint's IPv6 address on a dual-stack network (null or absent otherwise). */
  ipv6?: string | null;
  mac: string | null;
  /** Extra link-local addresses on the interface (`--link-local-ip`), each with a /16 (IPv4) as dockerd adds them. */
  linkLocal?: string[];
  /** Links on this network (`--link name:alias`): alias → the linked container's name, resolved for this container only. */
  links?: Record<string, string>;
  /** Published ports, with the ephemeral host ports already chosen. */
  ports: PortBinding[];
  /** This endpoint's gateway is the namespace's default route. */
  defaultRoute: boolean;
  /** The address was asked for (`--ip`), not picked by IPAM. */
  staticIp: boolean;
  created: string;
}

export interface NetworkRecord {
  id: string;
  name: string;
  driver: NetworkDriver;
  /** Built-in networks ("bridge", "host", "none") cannot be removed. */
  builtin: boolean;
  /** The subnet was given by the user (Docker allows `--ip` only then). */
  userSubnet: boolean;
  /** No outbound NAT, no forwarding beyond the bridge (`--internal`). */
  internal: boolean;
  created: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** Linux bridge device (bridge driver only). */
  bridge: string | null;
  subnet: string | null;
  gateway: string | null;
  /** Addresses are handed out from this part of the subnet only (`--ip-range`); a fixed address may lie outside it. */
  ipRange?: string | null;
  /** Addresses never handed out (`--aux-address name=ip`), by name. */
  auxAddresses?: Record<string, string>;
  /** Dual stack (`--ipv6`): containers also get an address of `ipv6.subnet`. */
  enableIPv6?: boolean;
  /** The IPv6 subnet (kept, and shown, even without enableIPv6, as dockerd does) and its IPAM state. */
  ipv6?: { subnet: string; gateway: string; allocated: Record<string, string>; last: string | null } | null;
  ipam: {
    /** address → container id holding it. */
    allocated: Record<string, string>;
    /** Last address handed out; the next search starts after it, so a released address is not reused at once. */
    last: string | null;
  };
  /** container id → endpoint. */
  endpoints: Record<string, EndpointRecord>;
  /**
   * Set on the pod network (agent/network/overlay.ts): the cluster's pod range, whose traffic leaves this bridge for
   * other hosts' pods without masquerading and may come in from them, and the MTU of its bridge and pods' interfaces
   * (the overlay's).
   */
  pod?: { clusterCIDR: string; mtu: number } | null;
}

/** What `docker network inspect` needs, in Gantry's terms (the API layer renames fields to Docker's). */
export interface NetworkInfo {
  id: string;
  name: string;
  driver: NetworkDriver;
  /** Made by the engine itself ("bridge", "host", "none"). */
  builtin: boolean;
  scope: "local";
  internal: boolean;
  created: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  bridge: string | null;
  subnet: string | null;
  gateway: string | null;
  ipRange: string | null;
  auxAddresses: Record<string, string>;
  enableIPv6: boolean;
  subnet6: string | null;
  gateway6: string | null;
  containers: Record<string, { name: string; ipv4: string | null; prefixLen: number | null; ipv6: string | null; prefixLen6: number | null; mac: string | null; aliases: string[] }>;
}

export interface AttachOptions {
  /** The container's name (DNS answers to it, to its 12-character short id, and to `aliases`). */
  containerName: string;
  aliases?: string[];
  /** A fixed address (`--ip`); only on networks whose subnet the user chose, as Docker requires. */
  ipv4?: string;
  /** Ports to publish through this endpoint (`-p`), bridge networks only. */
  ports?: PortBinding[];
  /** A fixed IPv6 address (`--ip6`), on a dual-stack network. */
  ipv6?: string;
  /** A fixed MAC for the container's interface (otherwise 02:42 + the address). */
  mac?: string;
  /** Link-local addresses added to the interface (169.254.0.0/16). */
  linkLocalIPs?: string[];
  /** `--link name:alias` on this network: alias → container name, answered by DNS to this container only. */
  links?: Record<string, string>;
}

export interface EndpointInfo {
  networkId: string;
  networkName: string;
  containerId: string;
  /** Host end of the veth pair (its counters are the container's network stats), null for host/none. */
  hostVeth: string | null;
  ifName: string | null;
  ipv4: string | null;
  prefixLen: number | null;
  gateway: string | null;
  ipv6: string | null;
  prefixLen6: number | null;
  gateway6: string | null;
  mac: string | null;
  linkLocal: string[];
  aliases: string[];
  /** DNS names this endpoint answers to: name, short id, aliases. */
  dnsNames: string[];
  ports: PortBinding[];
}

// ---------------------------------------------------------------- the engine's options and reports

export interface NetworkServiceOptions {
  /** GANTRY_ROOT: records go to <root>/networks. */
  root: string;
  /** Subnet of the default "bridge" network (default 10.88.0.0/16). */
  defaultSubnet?: string;
  /** Bridge device of the default network (default gantry0). */
  defaultBridge?: string;
  /** Pool carved into /24s for user-defined networks created without a subnet (default 10.89.0.0/16). */
  userPool?: string;
  /**
   * Prefix of Gantry's iptables chains: GANTRY for the default bridge gantry0, GANTRY_<6 hex of the bridge's name>
   * for any other. Chains follow the bridge, like the rules in them: agents on different bridges never rewrite each
   * other's rules, and an agent that takes over a bridge (its owner gone) reuses its chains instead of adding a set.
   */
  chainPrefix?: string;
  /** Where engines record who they are, so another can tell whether a bridge's owner still exists (agent/network/owners.ts). */
  ownersDir?: string;
  /** Embedded DNS on user-defined networks (default true), and its port (53; tests of the engine keep 53). */
  dns?: boolean;
  dnsPort?: number;
  /**
   * Where the embedded DNS forwards names that are not containers — only names with a dot (a single label can
   * only be a container) and reverse lookups outside Gantry's subnets: "host" (the nameservers of the host's
   * resolv.conf — asked from the root namespace, so a loopback resolver works too), a list ("10.0.0.2",
   * "127.0.0.1:5353"), or none (the default: unknown names are NXDOMAIN, nothing leaves the host). A production
   * agent should pass "host" so containers on user networks can resolve outside names, as with Docker.
   */
  dnsUpstreams?: "host" | string[];
  /** Host resolver configuration copied for containers without embedded DNS (default /etc/resolv.conf). */
  hostResolvConf?: string;
  hostHosts?: string;
  /**
   * Names the cluster answers (agent/services/cluster-dns.ts: <svc>.<ns>.svc.cluster.local, …), asked before the
   * containers' names on every address the embedded DNS listens on; null: not a cluster name.
   */
  clusterNames?: Resolver;
  clock?: Clock;
  log?: (msg: string) => void;
}

export interface StartOptions {
  /** Whether the lifecycle still knows a container; endpoints, addresses and rules of others are reaped. */
  containerExists: (containerId: string) => boolean | Promise<boolean>;
}

export interface ReconcileReport {
  /** Endpoints dropped because their container is gone or its namespace no longer exists. */
  endpoints: string[];
  /** Labelled links no record explains (veths, bridges), deleted. */
  links: string[];
  /** Named namespaces of containers that are gone, deleted. */
  namespaces: string[];
  /** Address reservations of containers that are gone, released. */
  addresses: string[];
}

export interface ListFilters {
  name?: string[];
  id?: string[];
  driver?: string[];
  /** "key" or "key=value". */
  label?: string[];
  /** "builtin" or "custom". */
  type?: string[];
}

/** `docker network create`'s settings (driver bridge; host and none are built in). */
export interface CreateNetworkOptions {
  driver?: string;
  subnet?: string;
  gateway?: string;
  /** Hand out addresses from this part of the subnet only. */
  ipRange?: string;
  /** Addresses never handed out, by name. */
  auxAddresses?: Record<string, string>;
  /** Dual stack: containers get an address of `subnet6` too (its gateway `gateway6`, ::1 of it unless given). */
  enableIPv6?: boolean;
  subnet6?: string;
  gateway6?: string;
  labels?: Record<string, string>;
  internal?: boolean;
  options?: Record<string, string>;
}

/** `--dns`, `--dns-search` and `--dns-option` of a container. */
export interface DnsFileOptions {
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
}
