// A container's record as `docker inspect` shows it, dockerd's shape: what the Engine API answers and what the control
// plane's container.inspect command returns (the same view, so the web UI and the docker CLI agree).
import { shownLinks } from "./links";
import type { ContainerRecord } from "./types";

export function mountsOf(r: ContainerRecord) {
  return r.Mounts.map((m) => ({
    Type: m.type,
    ...(m.name ? { Name: m.name } : {}),
    Source: m.source,
    Destination: m.target,
    Driver: m.type === "volume" ? "local" : undefined,
    Mode: m.readOnly ? "ro" : "",
    RW: !m.readOnly,
    Propagation: m.propagation ?? "",
  }));
}

/**
 * Every network the container is configured for — created on, connected to — with what was asked (IPAM config,
 * links, aliases, driver options) and, while it runs, its endpoint; a created or stopped container shows the same
 * entries with the address fields empty (and the network's id once it has been connected), as dockerd does.
 */
export function endpointSettings(r: ContainerRecord): Record<string, unknown> {
  const requested = r.RequestedNetworks ?? {};
  const networks: Record<string, unknown> = {};
  // dockerd's map comes out sorted by name.
  for (const name of [...new Set([...Object.keys(requested), ...Object.keys(r.Networks)])].sort()) {
    const cfg = requested[name] ?? {};
    const live = r.State.Running ? r.Networks[name] : undefined;
    networks[name] = {
      IPAMConfig: cfg.IPAMConfig ?? null, Links: cfg.Links?.length ? cfg.Links : null,
      Aliases: cfg.Aliases?.length ? cfg.Aliases : (live?.Aliases ?? null),
      NetworkID: live?.NetworkID ?? cfg.NetworkID ?? "", EndpointID: live ? `${r.Id.slice(0, 32)}${live.NetworkID.slice(0, 32)}` : "",
      Gateway: live?.Gateway ?? "", IPAddress: live?.IPAddress ?? "", IPPrefixLen: live?.IPPrefixLen ?? 0, IPv6Gateway: live?.IPv6Gateway ?? "",
      GlobalIPv6Address: live?.GlobalIPv6Address ?? "", GlobalIPv6PrefixLen: live?.GlobalIPv6PrefixLen ?? 0, MacAddress: live?.MacAddress ?? cfg.MacAddress ?? "", DriverOpts: cfg.DriverOpts ?? null,
    };
  }
  return networks;
}

export function networkSettings(r: ContainerRecord) {
  const bridge = r.State.Running ? r.Networks.bridge : undefined;
  return {
    Bridge: "", SandboxID: "", HairpinMode: false, LinkLocalIPv6Address: "", LinkLocalIPv6PrefixLen: 0,
    Ports: r.Ports, SandboxKey: r.State.Running && r.HostConfig.NetworkMode !== "host" ? `/run/netns/${r.Id}` : "",
    SecondaryIPAddresses: null, SecondaryIPv6Addresses: null, EndpointID: "",
    Gateway: bridge?.Gateway ?? "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0,
    IPAddress: bridge?.IPAddress ?? "", IPPrefixLen: bridge?.IPPrefixLen ?? 0, IPv6Gateway: "",
    // The top-level fields are the default bridge's (dockerd's legacy view), empty on any other network.
    MacAddress: bridge?.MacAddress ?? "",
    Networks: endpointSettings(r),
  };
}

/**
 * The HostConfig fields dockerd always shows that Gantry's containers do not record, with the values that describe what
 * Gantry does for every container: its own pid, ipc and uts namespaces (no cgroup or user namespace), no DNS, device or
 * block-I/O settings, the default runtime. Recorded fields (a client's own Dns, GroupAdd, ...) win over these.
 */
const HOST_CONFIG_DEFAULTS = {
  ContainerIDFile: "", VolumeDriver: "", CgroupnsMode: "host", Dns: null, DnsOptions: null, DnsSearch: null, GroupAdd: null,
  IpcMode: "private", Cgroup: "", Links: null, OomScoreAdj: 0, PidMode: "", PublishAllPorts: false, SecurityOpt: null,
  UTSMode: "", UsernsMode: "", Runtime: "gantry", ConsoleSize: [0, 0], Isolation: "", CgroupParent: "", BlkioWeight: 0,
  BlkioWeightDevice: null, BlkioDeviceReadBps: null, BlkioDeviceWriteBps: null, BlkioDeviceReadIOps: null,
  BlkioDeviceWriteIOps: null, CpuRealtimePeriod: 0, CpuRealtimeRuntime: 0, Devices: null, DeviceCgroupRules: null,
  DeviceRequests: null, MemorySwappiness: null, CpuCount: 0, CpuPercent: 0, IOMaximumIOps: 0, IOMaximumBandwidth: 0,
};

/** `docker inspect`'s shape, as dockerd's (`lookup` finds linked containers, for HostConfig.Links). */
export function inspectJson(r: ContainerRecord, logPath: string, lookup?: (id: string) => ContainerRecord | undefined) {
  return {
    Id: r.Id,
    Created: r.Created,
    Path: r.Path,
    Args: r.Args,
    // A container waiting to restart is still "running" to dockerd (Restarting says why it has no process).
    State: { ...r.State, Running: r.State.Running || r.State.Restarting },
    Image: r.Image,
    ResolvConfPath: "",
    HostnamePath: "",
    HostsPath: "",
    // dockerd names the file only for json-file (local keeps its own format; none keeps nothing).
    LogPath: r.HostConfig.LogConfig?.Type === "json-file" ? logPath : "",
    Name: r.Name,
    RestartCount: r.RestartCount,
    Driver: "overlayfs",
    Platform: "linux",
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    ExecIDs: null,
    // dockerd shows an empty object, not null, for a container that publishes nothing.
    HostConfig: {
      ...HOST_CONFIG_DEFAULTS, ...r.HostConfig, PortBindings: r.HostConfig.PortBindings ?? {},
      // Legacy links as dockerd shows them ("/child:/parent/alias"); on a user-defined network they are the endpoint's.
      Links: lookup ? shownLinks(r, lookup) : (r.HostConfig.Links ?? null),
    },
    GraphDriver: { Data: null, Name: "overlayfs" },
    Mounts: mountsOf(r),
    Config: r.Config,
    NetworkSettings: networkSettings(r),
  };
}
