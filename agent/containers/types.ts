// What a container is, in Docker's own vocabulary (the record is what `docker inspect` shows, plus the agent's
// bookkeeping): Config as created, HostConfig as given, State as the monitor last reported it.
import type { ResolvedMount } from "../volumes/mounts";
import type { HealthConfig, HealthState } from "./health";

export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, object>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Image: string;
  Volumes?: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  /** The MAC of the interface on the network the container was created on (`--mac-address` before API 1.44). */
  MacAddress?: string;
  /** The probe (the request's, or the image's HEALTHCHECK); `["NONE"]` turns the image's off. */
  Healthcheck?: HealthConfig;
  /** The shell of CMD-SHELL healthchecks (the image's SHELL), when not /bin/sh -c. */
  Shell?: string[];
}

export interface RestartPolicy {
  Name: "" | "no" | "always" | "unless-stopped" | "on-failure";
  MaximumRetryCount: number;
}

export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

export interface PortBindingSpec {
  HostIp?: string;
  HostPort?: string;
}

export interface HostConfig {
  Binds: string[] | null;
  NetworkMode: string;
  PortBindings: Record<string, PortBindingSpec[] | null>;
  RestartPolicy: RestartPolicy;
  AutoRemove: boolean;
  VolumesFrom: string[] | null;
  Tmpfs?: Record<string, string>;
  Mounts?: unknown[];
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  Privileged: boolean;
  ReadonlyRootfs: boolean;
  ExtraHosts: string[] | null;
  ShmSize: number;
  CpuShares: number;
  NanoCpus: number;
  CpuPeriod: number;
  CpuQuota: number;
  CpusetCpus: string;
  CpusetMems: string;
  Memory: number;
  MemoryReservation: number;
  MemorySwap: number;
  PidsLimit: number | null;
  Ulimits: Ulimit[] | null;
  OomKillDisable: boolean | null;
  Init: boolean | null;
  LogConfig: { Type: string; Config: Record<string, string> };
  [key: string]: unknown;
}

export type ContainerStatus = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  /** Once a container with a healthcheck has started (agent/containers/health.ts keeps it). */
  Health?: HealthState;
}

/** What was asked for a container on one network (Docker's EndpointSettings, the configured half). */
export interface EndpointConfig {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  /** `--link name:alias` on a user-defined network: the alias resolves to the container, for this one only. */
  Links?: string[] | null;
  Aliases?: string[] | null;
  DriverOpts?: Record<string, string> | null;
  MacAddress?: string;
  /** The network's id once the container has been connected to it (kept after it stops, as dockerd shows it). */
  NetworkID?: string;
}

/** A legacy link (`--link name:alias` on the default bridge): the linked container and the alias it has here. */
export interface LegacyLink {
  Id: string;
  Alias: string;
}

export interface NetworkEndpointState {
  NetworkID: string;
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  MacAddress: string;
  Aliases: string[] | null;
  HostVeth: string | null;
  /** On a dual-stack network. */
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
  IPv6Gateway?: string;
}

export interface ContainerRecord {
  Id: string;
  Created: string;
  Name: string;
  Path: string;
  Args: string[];
  /** The image's id ("sha256:…"). */
  Image: string;
  Config: ContainerConfig;
  HostConfig: HostConfig;
  State: ContainerState;
  RestartCount: number;
  /** Networks asked for at create/connect, by name (the one it was created on included): their endpoint settings. */
  RequestedNetworks: Record<string, EndpointConfig>;
  /** Legacy links to other containers (default bridge only): environment variables and /etc/hosts entries. */
  LegacyLinks?: LegacyLink[];
  /** The endpoints while it runs. */
  Networks: Record<string, NetworkEndpointState>;
  Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
  Mounts: ResolvedMount[];
  /** The detached gantry-monitor supervising the running container. */
  MonitorPid: number;
  /** Stopped by `docker stop`/`kill` (unless-stopped stays down across agent restarts; no restart after it). */
  ManuallyStopped: boolean;
  HasBeenStarted: boolean;
  /** Where its snapshot's root filesystem is mounted. */
  Rootfs?: string;
}
