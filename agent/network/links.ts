// Link plumbing with iproute2: bridges, veth pairs, addresses and routes inside a container's network namespace,
// and named namespaces. Everything the engine creates carries an ifalias label "gantry:<instance>:…" so a reconcile
// after a crash finds what this agent made (and only that) and reaps what no record explains.
import { writeFile } from "node:fs/promises";
import { badRequest } from "../../lib/errors";
import { hostSys } from "../../native/node/sys";
import { ip, ipBatch, ipBatchIn, ipIn, isGone, HostToolError } from "./exec";

export interface LinkInfo {
  name: string;
  alias: string | null;
  kind: string | null;
  master: string | null;
  /** A bridge port's hairpin mode (null: not a bridge port). */
  hairpin: boolean | null;
}

export async function listLinks(): Promise<LinkInfo[]> {
  const out = JSON.parse(await ip("-j", "-d", "link", "show")) as {
    ifname: string;
    ifalias?: string;
    master?: string;
    linkinfo?: { info_kind?: string; info_slave_kind?: string; info_slave_data?: { hairpin?: boolean } };
  }[];
  return out.map((l) => ({
    name: l.ifname,
    alias: l.ifalias ?? null,
    kind: l.linkinfo?.info_kind ?? null,
    master: l.master ?? null,
    hairpin: l.linkinfo?.info_slave_kind === "bridge" ? Boolean(l.linkinfo.info_slave_data?.hairpin) : null,
  }));
}

export async function linkExists(name: string): Promise<boolean> {
  try {
    await ip("link", "show", "dev", name);
    return true;
  } catch (e) {
    if (isGone(e)) return false;
    throw e;
  }
}

/** Creates (or repairs) a bridge with the gateway address, up, with route_localnet so 127.0.0.1 can be DNATed to it. */
export async function ensureBridge(name: string, gatewayCidr: string, alias: string): Promise<void> {
  if (!(await linkExists(name))) {
    try {
      await ip("link", "add", name, "type", "bridge");
    } catch (e) {
      if (!(e instanceof HostToolError && /File exists/.test(e.stderr))) throw e;
    }
  }
  await ip("link", "set", "dev", name, "alias", alias);
  // Exactly the gateway address: an old one (the subnet was reconfigured) is removed.
  const addrs = JSON.parse(await ip("-j", "-4", "addr", "show", "dev", name)) as { addr_info?: { local: string; prefixlen: number }[] }[];
  for (const a of addrs[0]?.addr_info ?? []) {
    if (`${a.local}/${a.prefixlen}` !== gatewayCidr) await ip("addr", "del", `${a.local}/${a.prefixlen}`, "dev", name);
  }
  await ip("addr", "replace", gatewayCidr, "dev", name);
  await ip("link", "set", "dev", name, "up");
  await writeFile(`/proc/sys/net/ipv4/conf/${name}/route_localnet`, "1\n");
}

/**
 * The IPv6 gateway of a dual-stack network on its bridge (IPv6 on for the device, no duplicate address detection:
 * the address is the bridge's own, usable at once).
 */
export async function ensureBridge6(name: string, gatewayCidr: string): Promise<void> {
  await writeFile(`/proc/sys/net/ipv6/conf/${name}/disable_ipv6`, "0\n");
  await ip("-6", "addr", "replace", gatewayCidr, "dev", name, "nodad");
}

export async function deleteLink(name: string): Promise<void> {
  try {
    await ip("link", "del", "dev", name);
  } catch (e) {
    if (!isGone(e)) throw e;
  }
}

/** A MAC derived from the address, as Docker does (02:42 + the four octets): stable for an address. */
export function macFor(ipv4: string): string {
  return ["02", "42", ...ipv4.split(".").map((o) => Number(o).toString(16).padStart(2, "0"))].join(":");
}

/** "02:42:AC:11:00:99" or "02-42-ac-11-00-99" → "02:42:ac:11:00:99"; a group (multicast) or zero address is refused. */
export function parseMac(text: string): string {
  const mac = typeof text === "string" && /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(text) ? text.toLowerCase().replace(/-/g, ":") : null;
  if (!mac) throw badRequest(`invalid MAC address: ${text}`);
  if (parseInt(mac.slice(0, 2), 16) & 1) throw badRequest(`invalid MAC address: ${text}: a multicast address cannot be an interface's`);
  if (mac === "00:00:00:00:00:00") throw badRequest(`invalid MAC address: ${text}`);
  return mac;
}

export interface VethPlan {
  netnsPath: string;
  hostVeth: string;
  alias: string;
  bridge: string;
  /** First name to try inside the namespace (eth0, eth1, …); the next free one is taken if it exists. */
  ifIndex: number;
  ipv4: string;
  prefixLen: number;
  mac: string;
  gateway: string;
  defaultRoute: boolean;
  /** Link-local addresses added beside the address, each as a /16 (dockerd's --link-local-ip). */
  linkLocal?: string[];
  /** The IPv6 address of a dual-stack network, and its gateway (the default route when `defaultRoute`). */
  ipv6?: { addr: string; prefixLen: number; gateway: string };
  /** Both ends' MTU (the pod network's: the overlay's); the kernel's default otherwise. */
  mtu?: number;
  /**
   * The bridge port in hairpin mode (the pod network's): a pod reaching itself through a Service's address is DNATed
   * back to its own port, and with br_netfilter the bridge forwards that frame out of the port it came in on — which
   * a bridge port refuses unless hairpin is on (kubelet's hairpin-veth mode).
   */
  hairpin?: boolean;
}

/**
 * veth pair: the host end labelled, on the bridge and up; the other end in the namespace as ethN with its MAC,
 * address and (for the first network) the default route; lo up. Two processes: one `ip -batch` per namespace.
 * Returns the interface name used inside the namespace.
 */
export async function plumbVeth(p: VethPlan): Promise<string> {
  let ifName = "";
  for (let n = p.ifIndex; ; n++) {
    ifName = `eth${n}`;
    try {
      await ipBatch([
        ["link", "add", p.hostVeth, ...(p.mtu ? ["mtu", String(p.mtu)] : []), "master", p.bridge, "up", "type", "veth", "peer", "name", ifName, "address", p.mac, ...(p.mtu ? ["mtu", String(p.mtu)] : []), "netns", p.netnsPath],
        ["link", "set", "dev", p.hostVeth, "alias", p.alias],
        ...(p.hairpin ? [hairpinOn(p.hostVeth)] : []),
      ]);
      break;
    } catch (e) {
      // ethN already exists in the namespace (made by someone else): try the next name.
      if (e instanceof HostToolError && /File exists/.test(e.stderr) && n < p.ifIndex + 32 && !(await linkExists(p.hostVeth))) continue;
      await deleteLink(p.hostVeth).catch(() => {});
      throw e;
    }
  }
  try {
    const lines = [
      ["link", "set", "lo", "up"],
      ["addr", "add", `${p.ipv4}/${p.prefixLen}`, "dev", ifName],
      ...(p.linkLocal ?? []).map((a) => ["addr", "add", `${a}/16`, "dev", ifName]),
      ...(p.ipv6 ? [["addr", "add", `${p.ipv6.addr}/${p.ipv6.prefixLen}`, "dev", ifName, "nodad"]] : []),
      ["link", "set", "dev", ifName, "up"],
    ];
    if (p.defaultRoute) lines.push(["route", "replace", "default", "via", p.gateway, "dev", ifName]);
    // (ip infers the family from the gateway: a batch line takes no -6)
    if (p.defaultRoute && p.ipv6) lines.push(["route", "replace", "default", "via", p.ipv6.gateway, "dev", ifName]);
    await ipBatchIn(p.netnsPath, lines);
    return ifName;
  } catch (e) {
    await deleteLink(p.hostVeth).catch(() => {});
    throw e;
  }
}

/** The `ip` arguments turning hairpin mode on for a bridge port. */
export function hairpinOn(port: string): string[] {
  return ["link", "set", "dev", port, "type", "bridge_slave", "hairpin", "on"];
}

export async function setDefaultRoute(netnsPath: string, gateway: string, ifName: string): Promise<void> {
  await ipIn(netnsPath, "route", "replace", "default", "via", gateway, "dev", ifName);
}

export async function loopbackUp(netnsPath: string): Promise<void> {
  await hostSys().loopbackUp(netnsPath);
}

/** ip_forward on, as any bridge network with outbound NAT needs (dockerd does the same). */
export async function enableForwarding(): Promise<void> {
  await writeFile("/proc/sys/net/ipv4/ip_forward", "1\n");
}
