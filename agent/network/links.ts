// Link plumbing with iproute2: bridges, veth pairs, addresses and routes inside a container's network namespace,
// and named namespaces. Everything the engine creates carries an ifalias label "gantry:<instance>:…" so a reconcile
// after a crash finds what this agent made (and only that) and reaps what no record explains.
import { writeFile } from "node:fs/promises";
import { ip, ipBatchIn, ipIn, isGone, HostToolError } from "./exec";

export interface LinkInfo {
  name: string;
  alias: string | null;
  kind: string | null;
  master: string | null;
}

export async function listLinks(): Promise<LinkInfo[]> {
  const out = JSON.parse(await ip("-j", "-d", "link", "show")) as {
    ifname: string;
    ifalias?: string;
    master?: string;
    linkinfo?: { info_kind?: string };
  }[];
  return out.map((l) => ({ name: l.ifname, alias: l.ifalias ?? null, kind: l.linkinfo?.info_kind ?? null, master: l.master ?? null }));
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
  await ip("addr", "replace", gatewayCidr, "dev", name);
  await ip("link", "set", "dev", name, "up");
  await writeFile(`/proc/sys/net/ipv4/conf/${name}/route_localnet`, "1\n");
}

export async function deleteLink(name: string): Promise<void> {
  try {
    await ip("link", "del", "dev", name);
  } catch (e) {
    if (!isGone(e)) throw e;
  }
}

/** Names of the interfaces inside a namespace. */
export async function linksIn(netnsPath: string): Promise<string[]> {
  const out = JSON.parse(await ipIn(netnsPath, "-j", "link", "show")) as { ifname: string }[];
  return out.map((l) => l.ifname);
}

/** A MAC derived from the address, as Docker does (02:42 + the four octets): stable for an address. */
export function macFor(ipv4: string): string {
  return ["02", "42", ...ipv4.split(".").map((o) => Number(o).toString(16).padStart(2, "0"))].join(":");
}

export interface VethPlan {
  netnsPath: string;
  hostVeth: string;
  alias: string;
  bridge: string;
  ifName: string;
  ipv4: string;
  prefixLen: number;
  mac: string;
  gateway: string;
  defaultRoute: boolean;
}

/** veth pair: the host end on the bridge, the other end in the namespace as `ifName` with the address and routes. */
export async function plumbVeth(p: VethPlan): Promise<void> {
  await ip("link", "add", p.hostVeth, "type", "veth", "peer", "name", p.ifName, "netns", p.netnsPath);
  try {
    await ip("link", "set", "dev", p.hostVeth, "alias", p.alias, "master", p.bridge, "up");
    const lines = [
      ["link", "set", "lo", "up"],
      ["link", "set", "dev", p.ifName, "address", p.mac],
      ["addr", "add", `${p.ipv4}/${p.prefixLen}`, "dev", p.ifName],
      ["link", "set", "dev", p.ifName, "up"],
    ];
    if (p.defaultRoute) lines.push(["route", "replace", "default", "via", p.gateway, "dev", p.ifName]);
    await ipBatchIn(p.netnsPath, lines);
  } catch (e) {
    await deleteLink(p.hostVeth).catch(() => {});
    throw e;
  }
}

export async function setDefaultRoute(netnsPath: string, gateway: string, ifName: string): Promise<void> {
  await ipIn(netnsPath, "route", "replace", "default", "via", gateway, "dev", ifName);
}

export async function loopbackUp(netnsPath: string): Promise<void> {
  await ipIn(netnsPath, "link", "set", "lo", "up");
}

/** ip_forward on, as any bridge network with outbound NAT needs (dockerd does the same). */
export async function enableForwarding(): Promise<void> {
  await writeFile("/proc/sys/net/ipv4/ip_forward", "1\n");
}
