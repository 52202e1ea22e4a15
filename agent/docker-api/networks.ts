// Network routes over NetworkService: create, ls, inspect, rm, connect, disconnect, prune, in dockerd's shapes.
import type { ContainerService } from "../containers/service";
import { connectNetwork, disconnectNetwork } from "../containers/network-attachment";
import type { EventBus } from "../events";
import type { NetworkService } from "../network/network-service";
import type { NetworkInfo } from "../network/types";
import { isIPv6Text } from "../network/ipv6";
import { ApiError, badParameter } from "./errors";
import { parseFilters, readJson, sendEmpty, sendJson } from "./http";
import { route, type Route } from "./server";

function wire(n: NetworkInfo) {
  const containers: Record<string, unknown> = {};
  for (const [id, c] of Object.entries(n.containers)) {
    containers[id] = {
      Name: c.name, EndpointID: "", MacAddress: c.mac ?? "", IPv4Address: c.ipv4 ? `${c.ipv4}/${c.prefixLen}` : "",
      IPv6Address: c.ipv6 ? `${c.ipv6}/${c.prefixLen6}` : "",
    };
  }
  return {
    Name: n.name, Id: n.id, Created: n.created, Scope: n.scope, Driver: n.driver, EnableIPv6: n.enableIPv6,
    IPAM: {
      Driver: "default", Options: n.builtin ? null : {},
      Config: n.subnet
        ? [{
            Subnet: n.subnet, ...(n.ipRange ? { IPRange: n.ipRange } : {}), ...(n.gateway ? { Gateway: n.gateway } : {}),
            ...(Object.keys(n.auxAddresses).length ? { AuxiliaryAddresses: n.auxAddresses } : {}),
          }, ...(n.subnet6 ? [{ Subnet: n.subnet6, Gateway: n.gateway6 }] : [])]
        : [],
    },
    Internal: n.internal, Attachable: false, Ingress: false, ConfigFrom: { Network: "" }, ConfigOnly: false,
    Containers: containers, Options: n.options, Labels: n.labels,
  };
}

export function networkRoutes(networks: () => Promise<NetworkService | null>, containers: ContainerService, events: EventBus): Route[] {
  const engine = async () => {
    const n = await networks();
    if (!n) throw new ApiError(503, "the network engine is not available on this agent (see its log)");
    return n;
  };
  return [
    route("GET", "/networks", async ({ res, query }) => {
      const net = await engine();
      const f = parseFilters(query, ["name", "id", "driver", "label", "type", "scope", "dangling"]);
      const list = await net.list({ name: f.get("name"), id: f.get("id"), driver: f.get("driver"), label: f.get("label"), type: f.get("type") });
      sendJson(res, 200, list.map(wire));
    }),
    route("GET", "/networks/{id}", async ({ res, params }) => sendJson(res, 200, wire(await (await engine()).inspect(params[0]!)))),
    route("POST", "/networks/create", async ({ req, res }) => {
      const net = await engine();
      const b = ((await readJson(req)) ?? {}) as {
        Name?: string; Driver?: string; Internal?: boolean; Labels?: Record<string, string>; Options?: Record<string, string>; EnableIPv6?: boolean;
        IPAM?: { Config?: { Subnet?: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> }[] };
        CheckDuplicate?: boolean;
      };
      if (!b.Name) throw badParameter("network name is required");
      // One IPAM entry per family; an IPv6 one makes the network dual-stack with EnableIPv6 (dockerd's --ipv6).
      const configs = b.IPAM?.Config ?? [];
      if (!Array.isArray(configs)) throw badParameter("IPAM.Config must be a list");
      const cfg = configs.find((c) => !isIPv6Text(c?.Subnet) && !isIPv6Text(c?.Gateway));
      const cfg6 = configs.find((c) => isIPv6Text(c?.Subnet));
      if (configs.filter((c) => isIPv6Text(c?.Subnet)).length > 1 || configs.filter((c) => c?.Subnet && !isIPv6Text(c.Subnet)).length > 1) {
        throw badParameter("one IPv4 and one IPv6 subnet at most per network");
      }
      const n = await net.create(b.Name, {
        ...(b.EnableIPv6 ? { enableIPv6: true } : {}),
        ...(cfg6?.Subnet ? { subnet6: cfg6.Subnet } : {}), ...(cfg6?.Gateway ? { gateway6: cfg6.Gateway } : {}),
        driver: b.Driver || "bridge", internal: !!b.Internal, labels: b.Labels ?? {}, options: b.Options ?? {},
        ...(cfg?.Subnet ? { subnet: cfg.Subnet } : {}), ...(cfg?.Gateway ? { gateway: cfg.Gateway } : {}),
        ...(cfg?.IPRange ? { ipRange: cfg.IPRange } : {}), ...(cfg?.AuxiliaryAddresses ? { auxAddresses: cfg.AuxiliaryAddresses } : {}),
      });
      events.publish("network", "create", n.id, { name: n.name, type: n.driver });
      sendJson(res, 201, { Id: n.id, Warning: "" });
    }),
    route("DELETE", "/networks/{id}", async ({ res, params }) => {
      const net = await engine();
      const n = await net.inspect(params[0]!);
      await net.remove(params[0]!);
      events.publish("network", "destroy", n.id, { name: n.name, type: n.driver });
      sendEmpty(res, 204);
    }),
    route("POST", "/networks/prune", async ({ res }) => {
      sendJson(res, 200, { NetworksDeleted: await (await engine()).prune() });
    }),
    route("POST", "/networks/{id}/connect", async ({ req, res, params }) => {
      const net = await engine();
      const b = ((await readJson(req)) ?? {}) as { Container?: string; EndpointConfig?: unknown };
      if (!b.Container) throw badParameter("Container is required");
      const { network: n, containerId } = await connectNetwork(containers, net, params[0]!, b.Container, b.EndpointConfig);
      events.publish("network", "connect", n.id, { container: containerId, name: n.name, type: n.driver });
      sendEmpty(res, 200);
    }),
    route("POST", "/networks/{id}/disconnect", async ({ req, res, params }) => {
      const net = await engine();
      const b = ((await readJson(req)) ?? {}) as { Container?: string; Force?: boolean };
      if (!b.Container) throw badParameter("Container is required");
      const { network: n, containerId } = await disconnectNetwork(containers, net, params[0]!, b.Container);
      events.publish("network", "disconnect", n.id, { container: containerId, name: n.name, type: n.driver });
      sendEmpty(res, 200);
    }),
  ];
}
