// A Pod object as its host runs it (lib/protocol/pods.ts AgentPod): everything it references resolved here, in the
// control plane, so the agent needs nothing else — configMap and secret volumes projected into files (items, keys,
// defaultMode and per-item modes, optional sources), env valueFrom (configMapKeyRef, secretKeyRef, fieldRef,
// resourceFieldRef) and envFrom as values, quantities as numbers. What cannot be resolved is said where the kubelet says
// it: a missing ConfigMap or key in env is the container's CreateContainerConfigError (with the kubelet's message), a
// volume that cannot be made keeps the pod in ContainerCreating. Addresses only the host knows (status.podIP,
// status.hostIP) stay references the agent fills in.
import type { KubeObject } from "@/lib/k8s/meta";
import type { Container, EnvVar, PodSpec, Probe, ProbeHandler, Volume } from "@/lib/k8s/kinds/pod-types";
import { parseQuantity } from "@/lib/k8s/quantity";
import type { AgentContainer, AgentEnvVar, AgentPodInput, AgentVolume, LifecycleHandler } from "@/lib/protocol/pods";

/** Reads the ConfigMaps and Secrets a pod references (null: there is none of that name). */
export interface References {
  configMap(namespace: string, name: string): Promise<KubeObject | null>;
  secret(namespace: string, name: string): Promise<KubeObject | null>;
}

type Data = Record<string, Buffer>;

/** A ConfigMap's data and binaryData, or a Secret's data, as bytes by key. */
function dataOf(obj: KubeObject, secret: boolean): Data {
  const out: Data = {};
  for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) out[k] = secret ? Buffer.from(v, "base64") : Buffer.from(v, "utf8");
  if (!secret) for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Record<string, string>)) out[k] = Buffer.from(v, "base64");
  return out;
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Kubernetes' hostname for a pod: spec.hostname, else the name cut to 63 characters without a trailing '-' or '.'. */
export function podHostname(pod: KubeObject): string {
  const spec = (pod.spec ?? {}) as PodSpec;
  const name = typeof spec.hostname === "string" && spec.hostname ? spec.hostname : pod.metadata.name!;
  return name.slice(0, 63).replace(/[-.]+$/, "") || "pod";
}

function millis(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  const v = parseQuantity(q);
  return v === null ? undefined : Math.ceil(v * 1000);
}

function bytes(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  const v = parseQuantity(q);
  return v === null ? undefined : Math.ceil(v);
}

function handler(h: ProbeHandler): LifecycleHandler | null {
  if (h.exec?.command?.length) return { exec: { command: h.exec.command } };
  if (h.httpGet) {
    return {
      httpGet: {
        path: h.httpGet.path ?? "/",
        port: h.httpGet.port,
        ...(h.httpGet.host ? { host: h.httpGet.host } : {}),
        scheme: h.httpGet.scheme ?? "HTTP",
        httpHeaders: h.httpGet.httpHeaders ?? [],
      },
    };
  }
  if (h.tcpSocket) return { tcpSocket: { port: h.tcpSocket.port, ...(h.tcpSocket.host ? { host: h.tcpSocket.host } : {}) } };
  if (h.sleep) return { sleep: { seconds: h.sleep.seconds } };
  return null;
}

function probe(p: Probe | undefined): { probe?: NonNullable<AgentContainer["livenessProbe"]>; error?: string } {
  if (!p) return {};
  if (p.grpc) return { error: "gRPC probes are not supported on Gantry hosts" };
  const h = handler(p);
  if (!h || h.sleep) return {};
  return {
    probe: {
      ...h,
      initialDelaySeconds: p.initialDelaySeconds ?? 0,
      periodSeconds: p.periodSeconds ?? 10,
      timeoutSeconds: p.timeoutSeconds ?? 1,
      successThreshold: p.successThreshold ?? 1,
      failureThreshold: p.failureThreshold ?? 3,
      ...(p.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: p.terminationGracePeriodSeconds } : {}),
    } as NonNullable<AgentContainer["livenessProbe"]>,
  };
}

/** The value of a fieldRef the control plane knows; agent-side paths as references; undefined: not supported. */
function fieldValue(pod: KubeObject, path: string): { value: string } | { fieldPath: "status.podIP" | "status.podIPs" | "status.hostIP" | "status.hostIPs" } | undefined {
  const spec = (pod.spec ?? {}) as PodSpec;
  const m = pod.metadata;
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed) return { value: ((keyed[1] === "labels" ? m.labels : m.annotations) ?? {})[keyed[2]!] ?? "" };
  switch (path) {
    case "metadata.name":
      return { value: m.name ?? "" };
    case "metadata.namespace":
      return { value: m.namespace ?? "" };
    case "metadata.uid":
      return { value: m.uid ?? "" };
    case "spec.nodeName":
      return { value: spec.nodeName ?? "" };
    case "spec.serviceAccountName":
      return { value: String(spec.serviceAccountName ?? "default") };
    case "status.podIP":
    case "status.podIPs":
    case "status.hostIP":
    case "status.hostIPs":
      return { fieldPath: path };
    default:
      return undefined;
  }
}

/** resourceFieldRef: the container's limit or request, in units of the divisor (rounded up, as Kubernetes does). */
function resourceValue(pod: KubeObject, self: Container, ref: NonNullable<NonNullable<EnvVar["valueFrom"]>["resourceFieldRef"]>): string | undefined {
  const spec = (pod.spec ?? {}) as PodSpec;
  const c = ref.containerName ? [...(spec.initContainers ?? []), ...spec.containers].find((x) => x.name === ref.containerName) : self;
  if (!c) return undefined;
  const [kind, resource] = ref.resource.split(".") as ["limits" | "requests", string];
  let q = c.resources?.[kind]?.[resource];
  // No limit: the node's allocatable stands for it in Kubernetes; a limit of 0 means "unset" here as there.
  if (q === undefined && kind === "requests") return "0";
  if (q === undefined) return undefined;
  const value = parseQuantity(q);
  const divisor = parseQuantity(ref.divisor ?? "1") || 1;
  if (value === null) return undefined;
  return String(Math.ceil(value / divisor));
}

async function resolveEnv(pod: KubeObject, c: Container, refs: References): Promise<{ env: AgentEnvVar[]; error?: string }> {
  const ns = pod.metadata.namespace!;
  const env = new Map<string, AgentEnvVar>();
  const set = (v: AgentEnvVar) => {
    env.delete(v.name);
    env.set(v.name, v);
  };
  for (const from of c.envFrom ?? []) {
    const cm = from.configMapRef;
    const sec = from.secretRef;
    const name = cm?.name ?? sec?.name ?? "";
    const obj = cm ? await refs.configMap(ns, name) : sec ? await refs.secret(ns, name) : null;
    if (!obj) {
      if ((cm ?? sec)?.optional) continue;
      return { env: [], error: `${cm ? "configmap" : "secret"} "${name}" not found` };
    }
    for (const [k, v] of Object.entries(dataOf(obj, !!sec))) {
      const key = `${from.prefix ?? ""}${k}`;
      if (ENV_NAME.test(key)) set({ name: key, value: v.toString("utf8") });
    }
  }
  for (const e of c.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) {
      set({ name: e.name, value: e.value ?? "" });
      continue;
    }
    if (vf.fieldRef) {
      const v = fieldValue(pod, vf.fieldRef.fieldPath);
      if (!v) return { env: [], error: `unsupported fieldRef ${vf.fieldRef.fieldPath} in env ${e.name}` };
      set({ name: e.name, ...v });
      continue;
    }
    if (vf.resourceFieldRef) {
      const v = resourceValue(pod, c, vf.resourceFieldRef);
      if (v === undefined) return { env: [], error: `cannot resolve resourceFieldRef ${vf.resourceFieldRef.resource} in env ${e.name}` };
      set({ name: e.name, value: v });
      continue;
    }
    const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
    if (!ref) continue;
    const secret = !!vf.secretKeyRef;
    const kind = secret ? "secret" : "configmap";
    const obj = secret ? await refs.secret(ns, ref.name ?? "") : await refs.configMap(ns, ref.name ?? "");
    if (!obj) {
      if (ref.optional) continue;
      return { env: [], error: `${kind} "${ref.name ?? ""}" not found` };
    }
    const value = dataOf(obj, secret)[ref.key];
    if (value === undefined) {
      if (ref.optional) continue;
      return { env: [], error: `couldn't find key ${ref.key} in ${secret ? "Secret" : "ConfigMap"} ${ns}/${ref.name ?? ""}` };
    }
    set({ name: e.name, value: value.toString("utf8") });
  }
  return { env: [...env.values()] };
}

async function container(pod: KubeObject, c: Container, refs: References): Promise<AgentContainer> {
  const problems: string[] = [];
  const { env, error } = await resolveEnv(pod, c, refs);
  if (error) problems.push(error);
  const sc = (c.securityContext ?? {}) as { privileged?: boolean; runAsUser?: number; runAsGroup?: number; readOnlyRootFilesystem?: boolean };
  if (sc.privileged) problems.push("privileged containers are not supported on Gantry hosts");
  for (const m of c.volumeMounts ?? []) if (m.subPathExpr) problems.push(`volumeMounts ${m.name}: subPathExpr is not supported on Gantry hosts`);
  const probes: Partial<Record<"livenessProbe" | "readinessProbe" | "startupProbe", AgentContainer["livenessProbe"]>> = {};
  for (const kind of ["livenessProbe", "readinessProbe", "startupProbe"] as const) {
    const r = probe(c[kind]);
    if (r.error) problems.push(`${kind}: ${r.error}`);
    if (r.probe) probes[kind] = r.probe;
  }
  const post = c.lifecycle?.postStart ? handler(c.lifecycle.postStart) : null;
  const pre = c.lifecycle?.preStop ? handler(c.lifecycle.preStop) : null;
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  return {
    name: c.name,
    image: c.image ?? "",
    imagePullPolicy: c.imagePullPolicy ?? "IfNotPresent",
    ...(c.command?.length ? { command: c.command } : {}),
    ...(c.args?.length ? { args: c.args } : {}),
    ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    env,
    ports: (c.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.containerPort, protocol: p.protocol ?? "TCP" })),
    resources: {
      limits: { ...(limits.cpu !== undefined ? { cpuMillis: millis(limits.cpu) } : {}), ...(limits.memory !== undefined ? { memoryBytes: bytes(limits.memory) } : {}) },
      requests: { ...(requests.cpu !== undefined ? { cpuMillis: millis(requests.cpu) } : {}), ...(requests.memory !== undefined ? { memoryBytes: bytes(requests.memory) } : {}) },
    },
    volumeMounts: (c.volumeMounts ?? []).map((m) => ({ name: m.name, mountPath: m.mountPath, readOnly: !!m.readOnly, ...(m.subPath ? { subPath: m.subPath } : {}) })),
    ...probes,
    ...(post || pre ? { lifecycle: { ...(post ? { postStart: post } : {}), ...(pre ? { preStop: pre } : {}) } } : {}),
    ...(sc.runAsUser !== undefined || sc.runAsGroup !== undefined || sc.readOnlyRootFilesystem !== undefined
      ? {
          securityContext: {
            ...(sc.runAsUser !== undefined ? { runAsUser: sc.runAsUser } : {}),
            ...(sc.runAsGroup !== undefined ? { runAsGroup: sc.runAsGroup } : {}),
            ...(sc.readOnlyRootFilesystem !== undefined ? { readOnlyRootFilesystem: sc.readOnlyRootFilesystem } : {}),
          },
        }
      : {}),
    stdin: !!c.stdin,
    tty: !!c.tty,
    ...(problems.length ? { configError: problems.join("; ").slice(0, 4096) } : {}),
  };
}

/** A configMap or secret volume's files: every key (or the items named), each with its mode. */
async function projected(pod: KubeObject, v: Volume, refs: References): Promise<AgentVolume> {
  const ns = pod.metadata.namespace!;
  const secret = !!v.secret;
  const src = (v.secret ?? v.configMap)!;
  const name = (v.secret ? v.secret.secretName : v.configMap!.name) ?? "";
  const kind = secret ? "secret" : "configmap";
  const obj = secret ? await refs.secret(ns, name) : await refs.configMap(ns, name);
  const fail = (error: string): AgentVolume => ({ name: v.name, error });
  if (!obj && !src.optional) return fail(`${kind} "${name}" not found`);
  const data = obj ? dataOf(obj, secret) : {};
  const mode = src.defaultMode ?? 0o644;
  const files: { path: string; data: string; mode: number }[] = [];
  if (src.items?.length) {
    for (const item of src.items) {
      const value = data[item.key];
      if (value === undefined) {
        if (src.optional) continue;
        return fail(`${kind} references non-existent ${secret ? "secret" : "config"} key: ${item.key}`);
      }
      files.push({ path: item.path, data: value.toString("base64"), mode: item.mode ?? mode });
    }
  } else {
    for (const [key, value] of Object.entries(data)) files.push({ path: key, data: value.toString("base64"), mode });
  }
  return secret ? { name: v.name, secret: { files } } : { name: v.name, configMap: { files } };
}

async function volume(pod: KubeObject, v: Volume, refs: References): Promise<AgentVolume> {
  if (v.emptyDir) {
    const size = bytes(v.emptyDir.sizeLimit);
    return { name: v.name, emptyDir: { medium: v.emptyDir.medium === "Memory" ? "Memory" : "", ...(size ? { sizeLimitBytes: size } : {}) } };
  }
  if (v.hostPath) return { name: v.name, hostPath: { path: v.hostPath.path, type: (v.hostPath.type ?? "") as NonNullable<AgentVolume["hostPath"]>["type"] } };
  if (v.configMap || v.secret) return projected(pod, v, refs);
  const kind = Object.keys(v).find((k) => k !== "name") ?? "unknown";
  return { name: v.name, error: `${kind} volumes are not supported on Gantry hosts` };
}

/** The pod as its host runs it. `hostAccess`: the control plane vouches that hostPath volumes were allowed. */
export async function toAgentPod(pod: KubeObject, refs: References, opts: { hostAccess: boolean }): Promise<AgentPodInput> {
  const spec = (pod.spec ?? {}) as PodSpec;
  const hostNamespaces = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((k) => spec[k]);
  const containers = await Promise.all((spec.containers ?? []).map((c) => container(pod, c, refs)));
  const initContainers = await Promise.all((spec.initContainers ?? []).map((c) => container(pod, c, refs)));
  if (hostNamespaces.length) {
    // The host's namespaces are not given to pods here: every container says so and none runs.
    const why = `${hostNamespaces.join(", ")} ${hostNamespaces.length > 1 ? "are" : "is"} not supported on Gantry hosts`;
    for (const c of [...containers, ...initContainers]) c.configError = c.configError ? `${why}; ${c.configError}` : why;
  }
  const m = pod.metadata;
  return {
    uid: m.uid!,
    name: m.name!,
    namespace: m.namespace!,
    hostname: podHostname(pod),
    restartPolicy: spec.restartPolicy ?? "Always",
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
    initContainers,
    containers,
    volumes: await Promise.all((spec.volumes ?? []).map((v) => volume(pod, v, refs))),
    hostAccess: opts.hostAccess,
    ...(spec.dnsPolicy ? { dnsPolicy: spec.dnsPolicy as AgentPodInput["dnsPolicy"] } : {}),
    ...(spec.dnsConfig
      ? { dnsConfig: { nameservers: spec.dnsConfig.nameservers ?? [], searches: spec.dnsConfig.searches ?? [], options: (spec.dnsConfig.options ?? []).map((o) => ({ name: o.name, ...(o.value !== undefined ? { value: o.value } : {}) })) } }
      : {}),
    ...(m.deletionTimestamp ? { deletionTimestamp: new Date(m.deletionTimestamp).toISOString() } : {}),
    ...(m.deletionGracePeriodSeconds !== undefined ? { deletionGracePeriodSeconds: m.deletionGracePeriodSeconds } : {}),
  };
}
