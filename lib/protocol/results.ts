// What an agent may answer to each command, parsed by the control plane before anything uses it (the API, the pages):
// a result of the wrong shape — an agent of another version, or one that lies — is refused with the field that is
// wrong, instead of reaching a page that would crash on it. Lenient where the Engine API is (fields may be missing,
// Docker writes null for empty lists), strict about the types of what is there. Shared by the server and the pages.
import { z } from "zod";
import { ContainerSummary, HostMetrics, ImagePruneResult, ImageSummary, NetworkSummary, VolumePruneResult, VolumeSummary, type HostCommandKind } from "./commands";

/** An optional field that Docker may also write as null (read as absent). */
const opt = <T extends z.ZodType>(t: T) => z.preprocess((v) => (v === null ? undefined : v), t.optional());
const Strings = z.array(z.string());

/** The parts of a container's inspect data (Docker's format) the product reads; the rest passes through as sent. */
export const ContainerInspect = z.looseObject({
  Id: z.string().min(1),
  Name: opt(z.string()),
  Created: opt(z.string()),
  Path: opt(z.string()),
  Args: Strings.nullable().optional(),
  Image: opt(z.string()),
  RestartCount: opt(z.number()),
  State: opt(
    z.looseObject({
      Status: opt(z.string()),
      Running: opt(z.boolean()),
      Paused: opt(z.boolean()),
      Restarting: opt(z.boolean()),
      OOMKilled: opt(z.boolean()),
      Dead: opt(z.boolean()),
      Pid: opt(z.number()),
      ExitCode: opt(z.number()),
      Error: opt(z.string()),
      StartedAt: opt(z.string()),
      FinishedAt: opt(z.string()),
    }),
  ),
  Config: opt(
    z.looseObject({
      Image: opt(z.string()),
      Env: Strings.nullable().optional(),
      Cmd: Strings.nullable().optional(),
      Entrypoint: Strings.nullable().optional(),
      Labels: z.record(z.string(), z.string()).nullable().optional(),
      WorkingDir: opt(z.string()),
      User: opt(z.string()),
      Hostname: opt(z.string()),
      Tty: opt(z.boolean()),
      OpenStdin: opt(z.boolean()),
      Healthcheck: opt(
        z.looseObject({ Test: Strings.nullable().optional(), Interval: opt(z.number()), Timeout: opt(z.number()), StartPeriod: opt(z.number()), Retries: opt(z.number()) }),
      ),
    }),
  ),
  HostConfig: opt(
    z.looseObject({
      RestartPolicy: opt(z.looseObject({ Name: opt(z.string()), MaximumRetryCount: opt(z.number()) })),
      Memory: opt(z.number()),
      MemorySwap: opt(z.number()),
      NanoCpus: opt(z.number()),
      CpuShares: opt(z.number()),
      CpuQuota: opt(z.number()),
      CpuPeriod: opt(z.number()),
      PidsLimit: z.number().nullable().optional(),
      NetworkMode: opt(z.string()),
    }),
  ),
  Mounts: z
    .array(
      z.looseObject({
        Type: opt(z.string()),
        Name: opt(z.string()),
        Source: opt(z.string()),
        Destination: opt(z.string()),
        Mode: opt(z.string()),
        RW: opt(z.boolean()),
      }),
    )
    .nullable()
    .optional(),
  NetworkSettings: opt(
    z.looseObject({
      Ports: z.record(z.string(), z.array(z.looseObject({ HostIp: opt(z.string()), HostPort: opt(z.string()) })).nullable()).nullable().optional(),
      Networks: z
        .record(
          z.string(),
          z.looseObject({
            IPAddress: opt(z.string()),
            IPPrefixLen: opt(z.number()),
            Gateway: opt(z.string()),
            MacAddress: opt(z.string()),
            IPv6Gateway: opt(z.string()),
            GlobalIPv6Address: opt(z.string()),
          }),
        )
        .nullable()
        .optional(),
    }),
  ),
});
export type ContainerInspect = z.infer<typeof ContainerInspect>;

const Changed = z.looseObject({ id: z.string(), changed: z.boolean() });
const NetworkChange = z.looseObject({ network: z.string(), container: z.string(), containerId: z.string(), changed: z.boolean() });

/** The result each command kind answers with. */
export const COMMAND_RESULTS: Record<HostCommandKind, z.ZodType> = {
  "container.list": z.array(ContainerSummary),
  "container.inspect": ContainerInspect,
  "container.run": z.looseObject({ id: z.string().min(1), warnings: Strings.nullable().optional(), container: ContainerSummary }),
  "container.start": Changed,
  "container.stop": Changed,
  "container.restart": Changed,
  "container.kill": Changed,
  "container.pause": Changed,
  "container.unpause": Changed,
  "container.remove": Changed,
  "container.rename": z.looseObject({ id: z.string(), name: z.string(), changed: z.boolean() }),
  "image.list": z.array(ImageSummary),
  "image.tag": z.looseObject({ source: z.string(), target: z.string() }),
  "image.remove": z.looseObject({ untagged: Strings, deleted: Strings }),
  "host.metrics": HostMetrics,
  /** The agent's Prometheus exposition (agent/metrics.ts), text format 0.0.4. */
  "host.prometheus": z.object({ text: z.string().max(900_000) }),
  "network.list": z.array(NetworkSummary),
  "network.create": NetworkSummary,
  "network.remove": z.looseObject({ id: z.string(), name: z.string(), changed: z.boolean() }),
  "network.connect": NetworkChange,
  "network.disconnect": NetworkChange,
  "volume.list": z.array(VolumeSummary),
  "volume.create": VolumeSummary,
  "volume.remove": z.looseObject({ name: z.string(), changed: z.boolean() }),
  "volume.prune": VolumePruneResult,
  "image.prune": ImagePruneResult,
};
