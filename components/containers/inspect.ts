// The parts of a container's inspect data (Docker's format, as GET /api/v1/hosts/{id}/containers/{cid} returns it)
// that the container page shows. Every field is optional: an agent of another version may leave some out.
export interface ContainerInspect {
  Id: string;
  Name?: string;
  Created?: string;
  Path?: string;
  Args?: string[] | null;
  Image?: string;
  RestartCount?: number;
  State?: {
    Status?: string;
    Running?: boolean;
    Paused?: boolean;
    Restarting?: boolean;
    OOMKilled?: boolean;
    Dead?: boolean;
    Pid?: number;
    ExitCode?: number;
    Error?: string;
    StartedAt?: string;
    FinishedAt?: string;
  };
  Config?: {
    Image?: string;
    Env?: string[] | null;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    Labels?: Record<string, string> | null;
    WorkingDir?: string;
    User?: string;
    Hostname?: string;
  };
  HostConfig?: {
    RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
    Memory?: number;
    MemorySwap?: number;
    NanoCpus?: number;
    CpuShares?: number;
    CpuQuota?: number;
    CpuPeriod?: number;
    PidsLimit?: number | null;
    NetworkMode?: string;
  };
  Mounts?: { Type?: string; Name?: string; Source?: string; Destination?: string; Mode?: string; RW?: boolean }[] | null;
  NetworkSettings?: {
    Ports?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null;
    Networks?: Record<string, { IPAddress?: string; IPPrefixLen?: number; Gateway?: string; MacAddress?: string; IPv6Gateway?: string; GlobalIPv6Address?: string }> | null;
  };
}

/** The container's name without Docker's leading slash. */
export function containerName(c: ContainerInspect): string {
  return (c.Name ?? "").replace(/^\//, "") || c.Id.slice(0, 12);
}

/** A Docker timestamp, or null for the zero time Docker writes for "never". */
export function realTime(iso: string | undefined): string | null {
  return iso && !iso.startsWith("0001-") ? iso : null;
}
