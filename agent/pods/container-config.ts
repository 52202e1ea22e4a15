// A pod's container as the engine's create body (the Engine API's vocabulary, which ContainerService speaks), made the
// way Kubernetes defines it:
//   - command replaces the image's ENTRYPOINT (and drops its CMD), args replace its CMD; $(VAR) in env values, command and
//     args expands to earlier variables ($$ is a literal $), unknown references stay as written;
//   - it joins the sandbox's network, IPC and UTS namespaces (container:<sandbox>) and takes the pod's hostname;
//   - resources.limits become cgroup limits — cpu as a CFS quota over a 100 ms period, memory as the memory limit with
//     no swap beyond it —, requests.cpu becomes cpu shares (1024 a core, 2 at least; a limit alone counts as the request);
//   - volumeMounts bind the pod's volumes (subPath inside them); configMap and secret volumes are read-only.
import type { AgentContainer, AgentPod } from "../../lib/protocol/pods";
import type { ResolvedMount } from "../volumes/mounts";
import { containerLabels } from "./names";
import { VolumeError, type PreparedVolume } from "./volumes";

/** A container's configuration cannot be made (a volume mount naming no volume): CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

export interface CreatePlan {
  body: Record<string, unknown>;
  /** Mounts of volumes the agent made (ContainerService.create's internal mounts). */
  mounts: ResolvedMount[];
}

export interface PlanContext {
  sandboxId: string;
  restartCount: number;
  init: boolean;
  volumes: Map<string, PreparedVolume>;
  subPathSource(volume: PreparedVolume, subPath: string | undefined, field: string): string;
  podIP: string;
  hostIP: string;
  /** The pod network's DNS (its gateway) and the cluster's domain; null when the pod has none. */
  podNetwork: { gateway: string; clusterDomain: string } | null;
}

/**
 * The pod's resolver settings, as the kubelet makes them: ClusterFirst → the pod network's DNS server, searching
 * `<ns>.svc.<domain> svc.<domain> <domain>` with ndots:5; Default → the host's; None → dnsConfig alone. dnsConfig's
 * nameservers and searches are added after (duplicates dropped), its options override by name. Null: the host's as is.
 */
export function podDns(pod: AgentPod, net: PlanContext["podNetwork"]): { Dns: string[]; DnsSearch: string[]; DnsOptions: string[] } | null {
  const cfg = pod.dnsConfig;
  const cluster = (pod.dnsPolicy === "ClusterFirst" || pod.dnsPolicy === "ClusterFirstWithHostNet") && net;
  if (!cluster && !cfg) return null;
  const d = net?.clusterDomain ?? "cluster.local";
  const ns = cluster ? [net.gateway] : [];
  const search = cluster ? [`${pod.namespace}.svc.${d}`, `svc.${d}`, d] : [];
  const options = new Map<string, string | undefined>(cluster ? [["ndots", "5"]] : []);
  for (const s of cfg?.nameservers ?? []) if (!ns.includes(s)) ns.push(s);
  for (const s of cfg?.searches ?? []) if (!search.includes(s)) search.push(s);
  for (const o of cfg?.options ?? []) options.set(o.name, o.value);
  return { Dns: ns, DnsSearch: search, DnsOptions: [...options].map(([k, v]) => (v === undefined ? k : `${k}:${v}`)) };
}

/** Kubernetes' $(VAR) expansion: `lookup` answers a name or undefined (then the reference stays); `$$` is `$`. */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = "";
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch === "$" && i + 1 < input.length) {
      const next = input[i + 1];
      if (next === "$") {
        out += "$";
        i++;
        continue;
      }
      if (next === "(") {
        const close = input.indexOf(")", i + 2);
        if (close > i + 2) {
          const value = lookup(input.slice(i + 2, close));
          out += value ?? input.slice(i, close + 1);
          i = close;
          continue;
        }
      }
    }
    out += ch;
  }
  return out;
}

/** The container's environment, in order, with fieldRefs to the host's addresses and $(VAR) references resolved. */
export function resolveEnv(c: AgentContainer, podIP: string, hostIP: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const e of c.env) {
    const raw =
      "value" in e
        ? expand(e.value, (n) => env.get(n))
        : e.fieldPath === "status.podIP" || e.fieldPath === "status.podIPs"
          ? podIP
          : hostIP;
    env.set(e.name, raw);
  }
  return env;
}

/** cpu shares for a request (or a limit standing for it): 1024 per core, at least 2 (Kubernetes' MinShares). */
export function cpuShares(c: AgentContainer): number {
  const millis = c.resources.requests.cpuMillis ?? c.resources.limits.cpuMillis ?? 0;
  return Math.max(2, Math.floor((millis * 1024) / 1000));
}

export function createPlan(pod: AgentPod, c: AgentContainer, ctx: PlanContext): CreatePlan {
  const env = resolveEnv(c, ctx.podIP, ctx.hostIP);
  const lookup = (n: string) => env.get(n);
  // Kubernetes: command → ENTRYPOINT (the image's CMD then unused); args → CMD; neither → the image's own.
  const command = c.command?.length ? c.command.map((a) => expand(a, lookup)) : null;
  const args = c.args?.length ? c.args.map((a) => expand(a, lookup)) : null;
  const entry: Record<string, unknown> = {};
  if (command) {
    entry.Entrypoint = command;
    entry.Cmd = args ?? [];
  } else if (args) entry.Cmd = args;

  const mounts: ResolvedMount[] = [];
  const hostMounts: { Type: "bind"; Source: string; Target: string; ReadOnly: boolean }[] = [];
  for (const [i, m] of c.volumeMounts.entries()) {
    const field = `volumeMounts[${i}]`;
    const vol = ctx.volumes.get(m.name);
    if (!vol) throw new ContainerConfigError(`${field}: no volume named "${m.name}" in the pod`);
    let source: string;
    try {
      source = ctx.subPathSource(vol, m.subPath, field);
    } catch (e) {
      if (e instanceof VolumeError) throw new ContainerConfigError(e.message);
      throw e;
    }
    const readOnly = m.readOnly || vol.readOnly;
    if (vol.internal) mounts.push({ type: "bind", name: null, source, target: m.mountPath, readOnly, propagation: "rprivate", options: [] });
    else hostMounts.push({ Type: "bind", Source: source, Target: m.mountPath, ReadOnly: readOnly });
  }

  const limits = c.resources.limits;
  const sandbox = `container:${ctx.sandboxId}`;
  const sc = c.securityContext;
  const dns = podDns(pod, ctx.podNetwork);
  const user = sc?.runAsUser !== undefined ? `${sc.runAsUser}${sc.runAsGroup !== undefined ? `:${sc.runAsGroup}` : ""}` : undefined;
  const body: Record<string, unknown> = {
    Image: c.image,
    ...entry,
    Env: [...env].map(([k, v]) => `${k}=${v}`),
    Hostname: pod.hostname,
    Labels: containerLabels(pod, c, ctx.restartCount, ctx.init),
    ...(c.workingDir ? { WorkingDir: c.workingDir } : {}),
    ...(user ? { User: user } : {}),
    Tty: c.tty,
    OpenStdin: c.stdin,
    AttachStdin: false,
    ExposedPorts: Object.fromEntries(c.ports.map((p) => [`${p.containerPort}/${p.protocol.toLowerCase()}`, {}])),
    HostConfig: {
      NetworkMode: sandbox,
      IpcMode: sandbox,
      UTSMode: sandbox,
      RestartPolicy: { Name: "no", MaximumRetryCount: 0 },
      ReadonlyRootfs: !!sc?.readOnlyRootFilesystem,
      CpuShares: cpuShares(c),
      ...(limits.cpuMillis ? { CpuPeriod: 100_000, CpuQuota: Math.max(1000, limits.cpuMillis * 100) } : {}),
      ...(limits.memoryBytes ? { Memory: limits.memoryBytes, MemorySwap: limits.memoryBytes } : {}),
      ...(hostMounts.length ? { Mounts: hostMounts } : {}),
      ...(dns ?? {}),
    },
  };
  return { body, mounts };
}
