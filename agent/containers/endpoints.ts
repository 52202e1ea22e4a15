// A container's endpoint settings (Docker's EndpointSettings): what a client asks for a container on a network —
// at create (NetworkingConfig.EndpointsConfig, Config.MacAddress) or connect — checked once here, turned into what the
// network engine attaches, and recorded back as dockerd keeps it (the network's id, the short id among the aliases of
// a user-defined network) so inspect shows it whether the container runs or not.
import { badRequest } from "../../lib/errors";
import { parseMac } from "../network/links";
import { parseIPv4 } from "../network/ipv4";
import { parseIPv6 } from "../network/ipv6";
import type { AttachOptions, EndpointInfo } from "../network/types";
import type { ContainerRecord, EndpointConfig } from "./types";

/** The networks dockerd creates itself: aliases and links are for user-defined networks only. */
export const BUILTIN_NETWORKS = ["bridge", "host", "none"];

const strings = (v: unknown, what: string): string[] | null => {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw badRequest(`${what} must be a list of strings`);
  return v as string[];
};

/** "name" or "name:alias" → [name, alias] (the alias is the name when none is given). */
export function parseLink(spec: string): [string, string] {
  const parts = typeof spec === "string" ? spec.split(":") : [];
  const [name, alias] = [parts[0]?.replace(/^\//, ""), (parts[1] ?? parts[0])?.replace(/^.*\//, "")];
  if (parts.length > 2 || !name || !alias) throw badRequest(`invalid link: "${spec}" (expected name or name:alias)`);
  return [name, alias];
}

/** An EndpointsConfig entry as given, its fields checked (dockerd's 400 for a malformed address). */
export function normalizeEndpointConfig(v: unknown, network: string): EndpointConfig {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw badRequest(`EndpointsConfig.${network} must be an object`);
  const e = v as Record<string, unknown>;
  const out: EndpointConfig = {};
  if (e.IPAMConfig !== undefined && e.IPAMConfig !== null) {
    if (typeof e.IPAMConfig !== "object" || Array.isArray(e.IPAMConfig)) throw badRequest(`EndpointsConfig.${network}.IPAMConfig must be an object`);
    const ipam = e.IPAMConfig as Record<string, unknown>;
    const cfg: NonNullable<EndpointConfig["IPAMConfig"]> = {};
    if (ipam.IPv4Address !== undefined && ipam.IPv4Address !== "") {
      if (typeof ipam.IPv4Address !== "string" || parseIPv4(ipam.IPv4Address) === null) throw badRequest(`invalid IPv4 address: ${String(ipam.IPv4Address)}`);
      cfg.IPv4Address = ipam.IPv4Address;
    }
    if (ipam.IPv6Address !== undefined && ipam.IPv6Address !== "") {
      if (typeof ipam.IPv6Address !== "string" || parseIPv6(ipam.IPv6Address) === null) throw badRequest(`invalid IPv6 address: ${String(ipam.IPv6Address)}`);
      cfg.IPv6Address = ipam.IPv6Address;
    }
    const ll = strings(ipam.LinkLocalIPs, `EndpointsConfig.${network}.IPAMConfig.LinkLocalIPs`);
    if (ll?.length) cfg.LinkLocalIPs = ll;
    out.IPAMConfig = cfg;
  } else if (e.IPAMConfig === null) out.IPAMConfig = null;
  const links = strings(e.Links, `EndpointsConfig.${network}.Links`);
  if (links) {
    links.forEach(parseLink);
    out.Links = links;
  }
  const aliases = strings(e.Aliases, `EndpointsConfig.${network}.Aliases`);
  if (aliases) out.Aliases = aliases;
  if (e.DriverOpts !== undefined && e.DriverOpts !== null) {
    if (typeof e.DriverOpts !== "object" || Array.isArray(e.DriverOpts) || Object.values(e.DriverOpts).some((x) => typeof x !== "string")) {
      throw badRequest(`EndpointsConfig.${network}.DriverOpts must be an object of strings`);
    }
    out.DriverOpts = { ...(e.DriverOpts as Record<string, string>) };
  }
  if (e.MacAddress !== undefined && e.MacAddress !== "") out.MacAddress = parseMac(e.MacAddress as string);
  return out;
}

/** What the network engine attaches for `cfg` (`primary`: the network the container was created on). */
export function attachOptions(rec: ContainerRecord, cfg: EndpointConfig, primary: boolean): AttachOptions {
  const containerName = rec.Name.slice(1);
  const links: Record<string, string> = {};
  for (const l of cfg.Links ?? []) {
    const [name, alias] = parseLink(l);
    links[alias] = name;
  }
  const mac = cfg.MacAddress || (primary ? rec.Config.MacAddress : undefined);
  return {
    containerName,
    // The name and the short id are DNS names of every endpoint already.
    aliases: (cfg.Aliases ?? []).filter((a) => a !== rec.Id.slice(0, 12) && a !== containerName),
    ...(cfg.IPAMConfig?.IPv4Address ? { ipv4: cfg.IPAMConfig.IPv4Address } : {}),
    ...(cfg.IPAMConfig?.IPv6Address ? { ipv6: cfg.IPAMConfig.IPv6Address } : {}),
    ...(mac ? { mac } : {}),
    ...(cfg.IPAMConfig?.LinkLocalIPs?.length ? { linkLocalIPs: cfg.IPAMConfig.LinkLocalIPs } : {}),
    ...(Object.keys(links).length ? { links } : {}),
  };
}

/** The endpoint the engine made, as the running container's state (rec.Networks, by the network's name). */
export function recordEndpoint(rec: ContainerRecord, ep: EndpointInfo) {
  rec.Networks[ep.networkName] = {
    NetworkID: ep.networkId,
    IPAddress: ep.ipv4 ?? "",
    IPPrefixLen: ep.prefixLen ?? 0,
    Gateway: ep.gateway ?? "",
    MacAddress: ep.mac ?? "",
    Aliases: ep.aliases.length ? ep.aliases : null,
    HostVeth: ep.hostVeth,
    ...(ep.ipv6 ? { GlobalIPv6Address: ep.ipv6, GlobalIPv6PrefixLen: ep.prefixLen6 ?? 0, IPv6Gateway: ep.gateway6 ?? "" } : {}),
  };
}

/**
 * Once connected, the settings keep what dockerd keeps: the network's id, and on a user-defined network the short id
 * among the aliases. `key` is the name the settings were asked under when that was not the network's name.
 */
export function rememberEndpoint(rec: ContainerRecord, networkName: string, networkId: string, key = networkName) {
  const cfg = rec.RequestedNetworks[key] ?? {};
  if (key !== networkName) delete rec.RequestedNetworks[key];
  rec.RequestedNetworks[networkName] = cfg;
  cfg.NetworkID = networkId;
  if (!BUILTIN_NETWORKS.includes(networkName)) {
    const short = rec.Id.slice(0, 12);
    if (!(cfg.Aliases ?? []).includes(short)) cfg.Aliases = [...(cfg.Aliases ?? []), short];
  }
}
