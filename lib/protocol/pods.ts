// The pods protocol between the control plane and an agent (issue 13). The control plane hands each host the complete
// set of pods bound to it (`pods.sync`, server → agent, acknowledged), with everything they reference already resolved —
// configMap and secret volumes as the files to write, env valueFrom as values — so the agent needs nothing else to run
// them; the agent reconciles to that set and pushes each pod's status (`pods.status`, agent → server) in Kubernetes' own
// PodStatus shape whenever it changes. Secret data travels only here and lands only on a tmpfs of the host.
//
// A host cut off from the control plane keeps its last desired set (on disk without secret data, which stays on its
// tmpfs) and keeps running it; every (re)connection brings a full sync again.
import { z } from "zod";

/** A DNS-1123 label: container, port and volume names. */
const DnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label (lower-case letters, digits and '-')");
/** A DNS-1123 subdomain: a pod's name (it is part of its containers' names on the host). */
const ObjectName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, "must be a DNS-1123 subdomain");
const Uid = z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/, "a uid holds letters, digits and '-'");
const Text = z.string().max(65536);
const Argv = z.array(Text).max(1024);
const Seconds = z.number().int().min(0).max(7 * 24 * 3600);

/** A port by number or by the name of one of the container's ports. */
const PortRef = z.union([z.number().int().min(1).max(65535), DnsLabel.max(15)]);

/** A relative path inside a volume: no "..", no absolute path, no empty element. */
const RelativePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.startsWith("/") && p.split("/").every((e) => e !== "" && e !== ".." && e !== "."), "must be a relative path without '..'")
  .refine((p) => !p.split("/")[0]!.startsWith(".."), "may not start with '..'");

const ExecAction = z.object({ command: Argv.min(1) }).strict();
const HttpGetAction = z
  .object({
    path: z.string().max(4096).default("/"),
    port: PortRef,
    host: z.string().max(253).optional(),
    scheme: z.enum(["HTTP", "HTTPS"]).default("HTTP"),
    httpHeaders: z.array(z.object({ name: z.string().min(1).max(256), value: z.string().max(4096) }).strict()).max(64).default([]),
  })
  .strict();
const TcpSocketAction = z.object({ port: PortRef, host: z.string().max(253).optional() }).strict();

export const Probe = z
  .object({
    exec: ExecAction.optional(),
    httpGet: HttpGetAction.optional(),
    tcpSocket: TcpSocketAction.optional(),
    initialDelaySeconds: Seconds.default(0),
    periodSeconds: z.number().int().min(1).max(3600).default(10),
    timeoutSeconds: z.number().int().min(1).max(3600).default(1),
    successThreshold: z.number().int().min(1).max(1000).default(1),
    failureThreshold: z.number().int().min(1).max(1000).default(3),
    /** Grace for a container this probe kills (liveness, startup); else the pod's. */
    terminationGracePeriodSeconds: Seconds.optional(),
  })
  .strict()
  .refine((p) => [p.exec, p.httpGet, p.tcpSocket].filter(Boolean).length === 1, "a probe takes exactly one of exec, httpGet, tcpSocket");
export type Probe = z.infer<typeof Probe>;

export const LifecycleHandler = z
  .object({
    exec: ExecAction.optional(),
    httpGet: HttpGetAction.optional(),
    tcpSocket: TcpSocketAction.optional(),
    sleep: z.object({ seconds: Seconds }).strict().optional(),
  })
  .strict()
  .refine((h) => [h.exec, h.httpGet, h.tcpSocket, h.sleep].filter(Boolean).length === 1, "a lifecycle handler takes exactly one of exec, httpGet, tcpSocket, sleep");
export type LifecycleHandler = z.infer<typeof LifecycleHandler>;

/** An env entry with its value resolved by the control plane, or one only the host knows (its addresses). */
export const AgentEnvVar = z.union([
  z.object({ name: z.string().min(1).max(1024), value: Text }).strict(),
  z.object({ name: z.string().min(1).max(1024), fieldPath: z.enum(["status.podIP", "status.podIPs", "status.hostIP", "status.hostIPs"]) }).strict(),
]);
export type AgentEnvVar = z.infer<typeof AgentEnvVar>;

/** CPU in thousandths of a core, memory in bytes (the control plane parsed the quantities). */
const ResourceList = z.object({ cpuMillis: z.number().int().min(0).optional(), memoryBytes: z.number().int().min(0).optional() }).strict();

export const AgentContainer = z
  .object({
    name: DnsLabel,
    image: z.string().min(1).max(512),
    imagePullPolicy: z.enum(["Always", "IfNotPresent", "Never"]),
    /** Kubernetes' command: replaces the image's ENTRYPOINT (and then its CMD too). */
    command: Argv.optional(),
    /** Kubernetes' args: replace the image's CMD. */
    args: Argv.optional(),
    workingDir: z.string().min(1).max(4096).optional(),
    env: z.array(AgentEnvVar).max(4096).default([]),
    ports: z
      .array(z.object({ name: DnsLabel.max(15).optional(), containerPort: z.number().int().min(1).max(65535), protocol: z.enum(["TCP", "UDP", "SCTP"]).default("TCP") }).strict())
      .max(256)
      .default([]),
    resources: z.object({ limits: ResourceList.default({}), requests: ResourceList.default({}) }).strict().default({ limits: {}, requests: {} }),
    volumeMounts: z
      .array(z.object({ name: DnsLabel, mountPath: z.string().min(1).max(4096).startsWith("/"), readOnly: z.boolean().default(false), subPath: RelativePath.optional() }).strict())
      .max(256)
      .default([]),
    livenessProbe: Probe.optional(),
    readinessProbe: Probe.optional(),
    startupProbe: Probe.optional(),
    lifecycle: z.object({ postStart: LifecycleHandler.optional(), preStop: LifecycleHandler.optional() }).strict().optional(),
    securityContext: z
      .object({ runAsUser: z.number().int().min(0).optional(), runAsGroup: z.number().int().min(0).optional(), readOnlyRootFilesystem: z.boolean().optional() })
      .strict()
      .optional(),
    stdin: z.boolean().default(false),
    tty: z.boolean().default(false),
    /** Why the control plane could not resolve this container's configuration (a missing ConfigMap key in env…):
     *  the container waits with CreateContainerConfigError and this message. */
    configError: z.string().max(4096).optional(),
  })
  .strict();
export type AgentContainer = z.infer<typeof AgentContainer>;

/** A configMap or secret volume as files: items, keys and modes already applied by the control plane. */
const ProjectedFiles = z
  .object({
    files: z
      .array(z.object({ path: RelativePath, data: z.base64(), mode: z.number().int().min(0).max(0o777) }).strict())
      .max(4096),
  })
  .strict();

export const AgentVolume = z
  .object({
    name: DnsLabel,
    emptyDir: z.object({ medium: z.enum(["", "Memory"]).default(""), sizeLimitBytes: z.number().int().min(0).optional() }).strict().optional(),
    hostPath: z
      .object({
        path: z.string().min(1).max(4096).startsWith("/"),
        type: z.enum(["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"]).default(""),
      })
      .strict()
      .optional(),
    configMap: ProjectedFiles.optional(),
    /** Written to a tmpfs, never to the host's disk. */
    secret: ProjectedFiles.optional(),
    /** Why the control plane could not make this volume (a missing ConfigMap, a type it does not support): the pod
     *  waits in ContainerCreating with this message. */
    error: z.string().max(4096).optional(),
  })
  .strict()
  .refine((v) => v.error !== undefined || [v.emptyDir, v.hostPath, v.configMap, v.secret].filter(Boolean).length === 1, "a volume takes exactly one source");
export type AgentVolume = z.infer<typeof AgentVolume>;

export const AgentPod = z
  .object({
    uid: Uid,
    name: ObjectName,
    namespace: DnsLabel,
    /** The pod's hostname (spec.hostname, else its name cut to 63 characters). */
    hostname: z.string().min(1).max(63).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "a hostname holds lower-case letters, digits, '-' and '.'"),
    restartPolicy: z.enum(["Always", "OnFailure", "Never"]),
    terminationGracePeriodSeconds: Seconds,
    initContainers: z.array(AgentContainer).max(64).default([]),
    containers: z.array(AgentContainer).min(1).max(64),
    volumes: z.array(AgentVolume).max(256).default([]),
    /** The control plane's word that whoever made the pod holds containers.host-access: hostPath volumes only then. */
    hostAccess: z.boolean().default(false),
    /** How the pod's containers resolve names (spec.dnsPolicy; ClusterFirst: the pod network's DNS with the cluster's
     *  search path) and what spec.dnsConfig adds. */
    dnsPolicy: z.enum(["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]).default("ClusterFirst"),
    dnsConfig: z
      .object({
        nameservers: z.array(z.string().max(45)).max(3).default([]),
        searches: z.array(z.string().max(253)).max(32).default([]),
        options: z.array(z.object({ name: z.string().min(1).max(64), value: z.string().max(64).optional() }).strict()).max(32).default([]),
      })
      .strict()
      .optional(),
    /** Set when the pod is being deleted: the agent stops it gracefully, within deletionGracePeriodSeconds. */
    deletionTimestamp: z.iso.datetime().optional(),
    deletionGracePeriodSeconds: Seconds.optional(),
  })
  .strict();
export type AgentPod = z.infer<typeof AgentPod>;
export type AgentPodInput = z.input<typeof AgentPod>;

/** server → agent `pods.sync`: the complete desired set for the host (a pod not in it is stopped and removed). */
export const PodsSync = z.object({ pods: z.array(AgentPod).max(1000), full: z.literal(true) }).strict();
export type PodsSync = z.infer<typeof PodsSync>;

// ---- status, in Kubernetes' shape (core/v1 PodStatus) ----

const Time = z.iso.datetime({ offset: true });
const Short = z.string().max(256);
const Message = z.string().max(4096);

export const ContainerState = z
  .object({
    waiting: z.object({ reason: Short, message: Message.optional() }).strict().optional(),
    running: z.object({ startedAt: Time }).strict().optional(),
    terminated: z
      .object({
        exitCode: z.number().int(),
        signal: z.number().int().optional(),
        reason: Short,
        message: Message.optional(),
        startedAt: Time.optional(),
        finishedAt: Time.optional(),
        containerID: Short.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ContainerState = z.infer<typeof ContainerState>;

export const ContainerStatus = z
  .object({
    name: DnsLabel,
    state: ContainerState,
    lastState: ContainerState,
    ready: z.boolean(),
    started: z.boolean().optional(),
    restartCount: z.number().int().min(0),
    image: z.string().max(512),
    imageID: Short,
    containerID: Short.optional(),
  })
  .strict();
export type ContainerStatus = z.infer<typeof ContainerStatus>;

export const PodCondition = z
  .object({
    type: z.enum(["PodScheduled", "PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready", "DisruptionTarget"]),
    status: z.enum(["True", "False", "Unknown"]),
    reason: Short.optional(),
    message: Message.optional(),
    lastProbeTime: Time.nullable().optional(),
    lastTransitionTime: Time,
  })
  .strict();
export type PodCondition = z.infer<typeof PodCondition>;

const Ip = z.string().min(1).max(64);

export const PodStatus = z
  .object({
    phase: z.enum(["Pending", "Running", "Succeeded", "Failed", "Unknown"]),
    conditions: z.array(PodCondition).max(16),
    reason: Short.optional(),
    message: Message.optional(),
    hostIP: Ip.optional(),
    hostIPs: z.array(z.object({ ip: Ip }).strict()).max(4).optional(),
    podIP: Ip.optional(),
    podIPs: z.array(z.object({ ip: Ip }).strict()).max(4).optional(),
    startTime: Time.optional(),
    initContainerStatuses: z.array(ContainerStatus).max(64).optional(),
    containerStatuses: z.array(ContainerStatus).max(64),
    qosClass: z.enum(["Guaranteed", "Burstable", "BestEffort"]),
  })
  .strict();
export type PodStatus = z.infer<typeof PodStatus>;

/** agent → server `pods.status`: one pod's status as it is now. A pod being deleted reports a terminal phase (Succeeded
 *  or Failed) once every container of it has stopped: the control plane then removes the object. */
export const PodStatusMessage = z.object({ uid: Uid, status: PodStatus }).strict();
export type PodStatusMessage = z.infer<typeof PodStatusMessage>;
