// A PodSpec's defaults and validation, as kube-apiserver applies them to Pods and to the pod templates of
// ReplicationControllers, ReplicaSets and Deployments: defaults from k8s.io/kubernetes/pkg/apis/core/v1/defaults.go
// (restartPolicy Always, terminationGracePeriodSeconds 30, dnsPolicy ClusterFirst, imagePullPolicy from the image's tag,
// protocol TCP, probe timings, volume modes), validation with its field paths and messages (containers required, names
// DNS-1123 labels and unique, image required, ports 1–65535, one probe handler, quantities ≥ 0 and requests ≤ limits,
// volumes and mounts that match), and what a Pod's update may change.
import { canonicalJson } from "../canonical";
import { labelMapErrors } from "../label-selector";
import { nameErrors } from "../meta";
import { parseQuantity } from "../quantity";
import type { StatusCause } from "../status";
import type { Container, PodSpec, Probe, ProbeHandler, Toleration, Volume } from "./pod-types";
import { VOLUME_SOURCES } from "./pod-schema";

// ---- defaults ----

/** Always when the image has no tag or the tag latest (and no digest), else IfNotPresent. */
export function defaultPullPolicy(image: string | undefined): "Always" | "IfNotPresent" {
  if (!image) return "Always";
  if (image.includes("@")) return "IfNotPresent";
  const last = image.slice(image.lastIndexOf("/") + 1);
  const colon = last.lastIndexOf(":");
  const tag = colon >= 0 ? last.slice(colon + 1) : "";
  return tag === "" || tag === "latest" ? "Always" : "IfNotPresent";
}

function defaultHandler(h: ProbeHandler | undefined): void {
  if (h?.httpGet) {
    h.httpGet.path ??= "/";
    h.httpGet.scheme ??= "HTTP";
  }
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  defaultHandler(p);
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
}

function defaultContainer(c: Container): void {
  c.resources ??= {};
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  for (const p of c.ports ?? []) p.protocol ??= "TCP";
  for (const e of c.env ?? []) if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= "v1";
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHandler(c.lifecycle?.postStart);
  defaultHandler(c.lifecycle?.preStop);
}

function defaultVolume(v: Volume): void {
  if (!VOLUME_SOURCES.some((s) => v[s] !== undefined)) v.emptyDir = {};
  for (const s of ["configMap", "secret", "downwardAPI", "projected"] as const) {
    const src = v[s] as { defaultMode?: number } | undefined;
    if (src) src.defaultMode ??= 0o644;
  }
  if (v.hostPath) v.hostPath.type ??= "";
}

/** The defaults of every PodSpec (a Pod's or a template's). */
export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!spec) return;
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) defaultVolume(v);
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.securityContext ??= {};
  spec.schedulerName ??= "default-scheduler";
}

/** A Pod's own defaults besides its spec's (SetDefaults_Pod and the admission kube-apiserver runs on create). */
export function defaultPodOnly(spec: PodSpec): void {
  // Requests default to limits.
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const limits = c.resources?.limits;
    if (!limits) continue;
    c.resources!.requests ??= {};
    for (const [k, v] of Object.entries(limits)) c.resources!.requests[k] ??= v;
  }
  spec.enableServiceLinks ??= true;
}

/** DefaultTolerationSeconds admission: every new pod tolerates not-ready and unreachable nodes for 300 s unless it says otherwise. */
export function defaultTolerations(spec: PodSpec): void {
  const tolerations = (spec.tolerations ??= []);
  for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
    const has = tolerations.some((t) => (t.key === key || (!t.key && t.operator === "Exists")) && (!t.effect || t.effect === "NoExecute"));
    if (!has) tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
  }
}

/** The pod's QoS class from its containers' requests and limits (kube's GetPodQOS). */
export function podQosClass(spec: PodSpec): "BestEffort" | "Burstable" | "Guaranteed" {
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ["cpu", "memory"]) {
      const q = req[r] ?? lim[r];
      if (q !== undefined && (parseQuantity(q) ?? 0) !== 0) any = true;
      if (lim[r] === undefined || (req[r] !== undefined && parseQuantity(req[r]!) !== parseQuantity(lim[r]!))) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

// ---- validation ----

type Causes = StatusCause[];
const required = (field: string, detail = ""): StatusCause => ({ reason: "FieldValueRequired", field, message: detail ? `Required value: ${detail}` : "Required value" });
const invalid = (field: string, value: unknown, detail: string): StatusCause => ({ reason: "FieldValueInvalid", field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` });
const duplicate = (field: string, value: unknown): StatusCause => ({ reason: "FieldValueDuplicate", field, message: `Duplicate value: ${JSON.stringify(value)}` });
const notSupported = (field: string, value: unknown, supported: readonly string[]): StatusCause => ({
  reason: "FieldValueNotSupported",
  field,
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(", ")}`,
});
const forbidden = (field: string, detail: string): StatusCause => ({ reason: "FieldValueForbidden", field, message: `Forbidden: ${detail}` });
const notFoundCause = (field: string, value: unknown): StatusCause => ({ reason: "FieldValueNotFound", field, message: `Not found: ${JSON.stringify(value)}` });

export { invalid as invalidCause, required as requiredCause, forbidden as forbiddenCause, notSupported as notSupportedCause };

function dnsLabel(field: string, value: string | undefined, out: Causes): void {
  if (!value) return void out.push(required(field));
  for (const e of nameErrors("dns1123-label", value)) out.push(invalid(field, value, e));
}

const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
function portNameErrors(name: string): string[] {
  const out: string[] = [];
  if (name.length > 15) out.push("must be no more than 15 characters");
  if (!IANA_SVC_NAME.test(name)) out.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (name.includes("--")) out.push("must not contain consecutive hyphens");
  if (!/[a-z]/.test(name)) out.push("must contain at least one letter (a-z)");
  return out;
}

function portNumber(field: string, port: number | undefined, out: Causes): void {
  if (port === undefined || port === 0) return void out.push(required(field));
  if (port < 1 || port > 65535) out.push(invalid(field, port, "must be between 1 and 65535, inclusive"));
}

function intOrStringPort(field: string, port: number | string | undefined, out: Causes): void {
  if (port === undefined) return void out.push(required(field));
  if (typeof port === "number") return portNumber(field, port, out);
  for (const e of portNameErrors(port)) out.push(invalid(field, port, e));
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const STANDARD_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage"]);

function resourceErrors(field: string, c: Container, out: Causes): void {
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  for (const [kind, map] of [["limits", limits], ["requests", requests]] as const) {
    for (const [name, q] of Object.entries(map)) {
      const at = `${field}.resources.${kind}[${name}]`;
      if (!name.includes("/") && !STANDARD_RESOURCES.has(name) && !name.startsWith("hugepages-"))
        out.push(invalid(at, name, "must be a standard resource for containers"));
      const v = parseQuantity(q);
      if (v !== null && v < 0) out.push(invalid(at, q, "must be greater than or equal to 0"));
    }
  }
  for (const [name, q] of Object.entries(requests)) {
    const lim = limits[name];
    if (lim === undefined) continue;
    const r = parseQuantity(q);
    const l = parseQuantity(lim);
    if (r !== null && l !== null && r > l) out.push(invalid(`${field}.resources.requests`, q, `must be less than or equal to ${name} limit of ${lim}`));
  }
}

const HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc"] as const;

function handlerErrors(field: string, h: ProbeHandler, allowed: readonly string[], out: Causes): void {
  const set = allowed.filter((k) => (h as Record<string, unknown>)[k] !== undefined);
  if (set.length === 0) return void out.push(required(field, "must specify a handler type"));
  if (set.length > 1) return void out.push(forbidden(set.length > 1 ? `${field}.${set[1]}` : field, "may not specify more than 1 handler type"));
  if (h.exec && !h.exec.command?.length) out.push(required(`${field}.exec.command`));
  if (h.httpGet) {
    intOrStringPort(`${field}.httpGet.port`, h.httpGet.port, out);
    if (h.httpGet.scheme && h.httpGet.scheme !== "HTTP" && h.httpGet.scheme !== "HTTPS") out.push(notSupported(`${field}.httpGet.scheme`, h.httpGet.scheme, ["HTTP", "HTTPS"]));
  }
  if (h.tcpSocket) intOrStringPort(`${field}.tcpSocket.port`, h.tcpSocket.port, out);
  if (h.grpc) portNumber(`${field}.grpc.port`, h.grpc.port, out);
  if (h.sleep && !(h.sleep.seconds >= 0)) out.push(invalid(`${field}.sleep.seconds`, h.sleep.seconds, "must be greater than or equal to 0"));
}

function probeErrors(field: string, p: Probe | undefined, kind: "liveness" | "readiness" | "startup", out: Causes): void {
  if (!p) return;
  handlerErrors(field, p, HANDLERS, out);
  for (const k of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] as const) {
    const v = p[k];
    if (v !== undefined && v < 0) out.push(invalid(`${field}.${k}`, v, "must be greater than or equal to 0"));
  }
  if ((kind === "liveness" || kind === "startup") && p.successThreshold !== undefined && p.successThreshold !== 1)
    out.push(invalid(`${field}.successThreshold`, p.successThreshold, "must be 1"));
  if (p.terminationGracePeriodSeconds !== undefined && p.terminationGracePeriodSeconds <= 0)
    out.push(invalid(`${field}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, "must be greater than 0"));
}

function containerErrors(field: string, c: Container, volumes: Set<string>, init: boolean, out: Causes): void {
  dnsLabel(`${field}.name`, c.name, out);
  if (!c.image || !c.image.trim()) out.push(required(`${field}.image`));
  const pullPolicies = ["Always", "IfNotPresent", "Never"];
  if (c.imagePullPolicy && !pullPolicies.includes(c.imagePullPolicy)) out.push(notSupported(`${field}.imagePullPolicy`, c.imagePullPolicy, pullPolicies));
  if (c.terminationMessagePolicy && !["File", "FallbackToLogsOnError"].includes(c.terminationMessagePolicy))
    out.push(notSupported(`${field}.terminationMessagePolicy`, c.terminationMessagePolicy, ["FallbackToLogsOnError", "File"]));

  const portNames = new Set<string>();
  for (const [i, p] of (c.ports ?? []).entries()) {
    const at = `${field}.ports[${i}]`;
    if (p.name) {
      for (const e of portNameErrors(p.name)) out.push(invalid(`${at}.name`, p.name, e));
      if (portNames.has(p.name)) out.push(duplicate(`${at}.name`, p.name));
      portNames.add(p.name);
    }
    portNumber(`${at}.containerPort`, p.containerPort, out);
    if (p.hostPort !== undefined && p.hostPort !== 0 && (p.hostPort < 1 || p.hostPort > 65535)) out.push(invalid(`${at}.hostPort`, p.hostPort, "must be between 1 and 65535, inclusive"));
    if (p.protocol && !["SCTP", "TCP", "UDP"].includes(p.protocol)) out.push(notSupported(`${at}.protocol`, p.protocol, ["SCTP", "TCP", "UDP"]));
  }

  for (const [i, e] of (c.env ?? []).entries()) {
    const at = `${field}.env[${i}]`;
    if (!e.name) out.push(required(`${at}.name`));
    else if (!ENV_NAME.test(e.name))
      out.push(invalid(`${at}.name`, e.name, "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"));
    if (e.valueFrom) {
      const sources = (["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"] as const).filter((k) => e.valueFrom![k] !== undefined);
      if (e.value) out.push(invalid(`${at}.valueFrom`, "", "may not be specified when `value` is not empty"));
      if (sources.length === 0) out.push(invalid(`${at}.valueFrom`, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
      else if (sources.length > 1) out.push(invalid(`${at}.valueFrom`, "", "may not have more than one field specified at a time"));
      const ref = e.valueFrom.configMapKeyRef ?? e.valueFrom.secretKeyRef;
      const refField = e.valueFrom.configMapKeyRef ? "configMapKeyRef" : "secretKeyRef";
      if (ref && !ref.key) out.push(required(`${at}.valueFrom.${refField}.key`));
      if (ref && !ref.name) out.push(required(`${at}.valueFrom.${refField}.name`));
      if (e.valueFrom.fieldRef && !e.valueFrom.fieldRef.fieldPath) out.push(required(`${at}.valueFrom.fieldRef.fieldPath`));
      if (e.valueFrom.resourceFieldRef && !e.valueFrom.resourceFieldRef.resource) out.push(required(`${at}.valueFrom.resourceFieldRef.resource`));
    }
  }
  for (const [i, e] of (c.envFrom ?? []).entries()) {
    const at = `${field}.envFrom[${i}]`;
    const n = [e.configMapRef, e.secretRef].filter(Boolean).length;
    if (n !== 1) out.push(invalid(at, "", "must specify one of: `configMapRef` or `secretRef`"));
    if (e.configMapRef && !e.configMapRef.name) out.push(required(`${at}.configMapRef.name`));
    if (e.secretRef && !e.secretRef.name) out.push(required(`${at}.secretRef.name`));
  }

  resourceErrors(field, c, out);

  const mountPaths = new Set<string>();
  for (const [i, m] of (c.volumeMounts ?? []).entries()) {
    const at = `${field}.volumeMounts[${i}]`;
    if (!m.name) out.push(required(`${at}.name`));
    else if (!volumes.has(m.name)) out.push(notFoundCause(`${at}.name`, m.name));
    if (!m.mountPath) out.push(required(`${at}.mountPath`));
    else {
      if (mountPaths.has(m.mountPath)) out.push(invalid(`${at}.mountPath`, m.mountPath, "must be unique"));
      mountPaths.add(m.mountPath);
    }
    if (m.subPath && (m.subPath.startsWith("/") || m.subPath.split("/").includes("..")))
      out.push(invalid(`${at}.subPath`, m.subPath, m.subPath.startsWith("/") ? "must be a relative path" : "must not contain '..'"));
  }

  if (init) {
    if (c.restartPolicy && c.restartPolicy !== "Always") out.push(notSupported(`${field}.restartPolicy`, c.restartPolicy, ["Always"]));
    if (c.restartPolicy !== "Always") {
      for (const k of ["livenessProbe", "readinessProbe", "startupProbe"] as const) if (c[k]) out.push(forbidden(`${field}.${k}`, "may not be set for init containers without restartPolicy=Always"));
      if (c.lifecycle) out.push(forbidden(`${field}.lifecycle`, "may not be set for init containers without restartPolicy=Always"));
    }
  } else if (c.restartPolicy) {
    out.push(forbidden(`${field}.restartPolicy`, "may not be set for non-init containers"));
  }
  probeErrors(`${field}.livenessProbe`, c.livenessProbe, "liveness", out);
  probeErrors(`${field}.readinessProbe`, c.readinessProbe, "readiness", out);
  probeErrors(`${field}.startupProbe`, c.startupProbe, "startup", out);
  if (c.lifecycle?.postStart) handlerErrors(`${field}.lifecycle.postStart`, c.lifecycle.postStart, [...HANDLERS.filter((h) => h !== "grpc"), "sleep"], out);
  if (c.lifecycle?.preStop) handlerErrors(`${field}.lifecycle.preStop`, c.lifecycle.preStop, [...HANDLERS.filter((h) => h !== "grpc"), "sleep"], out);
}

function modeErrors(field: string, mode: number | undefined, out: Causes): void {
  if (mode !== undefined && (mode < 0 || mode > 0o777)) out.push(invalid(field, mode, "must be a number between 0 and 0777 (octal), both inclusive"));
}

function volumeErrors(field: string, v: Volume, out: Causes): void {
  dnsLabel(`${field}.name`, v.name, out);
  const sources = VOLUME_SOURCES.filter((s) => v[s] !== undefined);
  if (sources.length === 0) out.push(required(field, "must specify a volume type"));
  else if (sources.length > 1) out.push(forbidden(`${field}.${sources[1]}`, "may not specify more than 1 volume type"));
  if (v.hostPath) {
    if (!v.hostPath.path) out.push(required(`${field}.hostPath.path`));
    const types = ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"];
    if (v.hostPath.type !== undefined && !types.includes(v.hostPath.type)) out.push(notSupported(`${field}.hostPath.type`, v.hostPath.type, types));
  }
  if (v.emptyDir?.medium && v.emptyDir.medium !== "Memory" && !v.emptyDir.medium.startsWith("HugePages"))
    out.push(notSupported(`${field}.emptyDir.medium`, v.emptyDir.medium, ["", "Memory", "HugePages"]));
  if (v.configMap) {
    if (!v.configMap.name) out.push(required(`${field}.configMap.name`));
    modeErrors(`${field}.configMap.defaultMode`, v.configMap.defaultMode, out);
    for (const [i, k] of (v.configMap.items ?? []).entries()) keyToPathErrors(`${field}.configMap.items[${i}]`, k, out);
  }
  if (v.secret) {
    if (!v.secret.secretName) out.push(required(`${field}.secret.secretName`));
    modeErrors(`${field}.secret.defaultMode`, v.secret.defaultMode, out);
    for (const [i, k] of (v.secret.items ?? []).entries()) keyToPathErrors(`${field}.secret.items[${i}]`, k, out);
  }
}

function keyToPathErrors(field: string, k: { key: string; path: string; mode?: number }, out: Causes): void {
  if (!k.key) out.push(required(`${field}.key`));
  if (!k.path) out.push(required(`${field}.path`));
  else if (k.path.startsWith("/")) out.push(invalid(`${field}.path`, k.path, "must be a relative path"));
  else if (k.path.split("/").includes("..")) out.push(invalid(`${field}.path`, k.path, "must not contain '..'"));
  modeErrors(`${field}.mode`, k.mode, out);
}

function tolerationErrors(field: string, t: Toleration, out: Causes): void {
  const effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
  if (t.key) for (const e of labelMapErrors({ [t.key]: "" }, `${field}.key`)) out.push(e);
  if (!t.key && t.operator !== "Exists") out.push(invalid(`${field}.operator`, t.operator ?? "", "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
  if (t.operator && t.operator !== "Exists" && t.operator !== "Equal") out.push(notSupported(`${field}.operator`, t.operator, ["Equal", "Exists"]));
  if (t.operator === "Exists" && t.value) out.push(invalid(`${field}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
  if (t.effect && !effects.includes(t.effect)) out.push(notSupported(`${field}.effect`, t.effect, effects));
  if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute")
    out.push(invalid(`${field}.effect`, t.effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"));
}

export interface PodSpecRules {
  /** A controller's template: restartPolicy must be Always. */
  template?: boolean;
}

/** Every field problem of a PodSpec at `field` ("spec", "spec.template.spec"). */
export function podSpecErrors(spec: PodSpec | undefined, field: string, rules: PodSpecRules = {}): StatusCause[] {
  const out: Causes = [];
  if (!spec) return [required(field)];
  const volumes = new Set<string>();
  for (const [i, v] of (spec.volumes ?? []).entries()) {
    const at = `${field}.volumes[${i}]`;
    volumeErrors(at, v, out);
    if (v.name && volumes.has(v.name)) out.push(duplicate(`${at}.name`, v.name));
    if (v.name) volumes.add(v.name);
  }
  if (!spec.containers?.length) out.push(required(`${field}.containers`));
  const names = new Set<string>();
  for (const [kind, list, init] of [["initContainers", spec.initContainers ?? [], true], ["containers", spec.containers ?? [], false]] as const) {
    for (const [i, c] of list.entries()) {
      const at = `${field}.${kind}[${i}]`;
      containerErrors(at, c, volumes, init, out);
      if (c.name && names.has(c.name)) out.push(duplicate(`${at}.name`, c.name));
      if (c.name) names.add(c.name);
    }
  }
  const policies = rules.template ? ["Always"] : ["Always", "OnFailure", "Never"];
  if (spec.restartPolicy !== undefined && !policies.includes(spec.restartPolicy)) out.push(notSupported(`${field}.restartPolicy`, spec.restartPolicy, policies));
  const dnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
  if (spec.dnsPolicy !== undefined && !dnsPolicies.includes(spec.dnsPolicy)) out.push(notSupported(`${field}.dnsPolicy`, spec.dnsPolicy, dnsPolicies));
  if (spec.terminationGracePeriodSeconds !== undefined && spec.terminationGracePeriodSeconds < 0)
    out.push(invalid(`${field}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, "must be greater than or equal to 0"));
  if (spec.activeDeadlineSeconds !== undefined && (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > 2147483647))
    out.push(invalid(`${field}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, "must be between 1 and 2147483647, inclusive"));
  if (rules.template && spec.activeDeadlineSeconds !== undefined)
    out.push(forbidden(`${field}.activeDeadlineSeconds`, "activeDeadlineSeconds in ReplicationController is not Supported"));
  out.push(...labelMapErrors(spec.nodeSelector, `${field}.nodeSelector`));
  if (spec.nodeName) for (const e of nameErrors("dns1123-subdomain", spec.nodeName)) out.push(invalid(`${field}.nodeName`, spec.nodeName, e));
  for (const [i, t] of (spec.tolerations ?? []).entries()) tolerationErrors(`${field}.tolerations[${i}]`, t, out);
  if (spec.hostNetwork) {
    for (const [ci, c] of (spec.containers ?? []).entries())
      for (const [pi, p] of (c.ports ?? []).entries())
        if (p.hostPort !== undefined && p.hostPort !== p.containerPort)
          out.push(invalid(`${field}.containers[${ci}].ports[${pi}].containerPort`, p.containerPort, "must match `hostPort` when `hostNetwork` is true"));
  }
  return out;
}

// ---- what a Pod's update may change ----

/**
 * A Pod's spec may change only in container images, activeDeadlineSeconds (set or shortened), tolerations (added to)
 * and spec.nodeName set once (the scheduler's binding): kube-apiserver's ValidatePodUpdate.
 */
export function podSpecUpdateErrors(spec: PodSpec, old: PodSpec): StatusCause[] {
  const out: Causes = [];
  if (old.nodeName && spec.nodeName !== old.nodeName)
    out.push(invalid("spec.nodeName", spec.nodeName ?? "", "field is immutable once set (a pod is bound to one node)"));
  if (old.activeDeadlineSeconds !== undefined) {
    if (spec.activeDeadlineSeconds === undefined) out.push(invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value"));
    else if (spec.activeDeadlineSeconds > old.activeDeadlineSeconds)
      out.push(invalid("spec.activeDeadlineSeconds", spec.activeDeadlineSeconds, `must be less than or equal to previous value ${old.activeDeadlineSeconds}`));
  }
  const newTol = spec.tolerations ?? [];
  for (const t of old.tolerations ?? []) {
    const kept = newTol.some((n) => canonicalJson({ ...n, tolerationSeconds: undefined }) === canonicalJson({ ...t, tolerationSeconds: undefined }) &&
      (t.tolerationSeconds === undefined ? n.tolerationSeconds === undefined : n.tolerationSeconds !== undefined && n.tolerationSeconds <= t.tolerationSeconds));
    if (!kept) {
      out.push(forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"));
      break;
    }
  }
  // Everything else must be as it was: compare with the mutable parts taken from the old spec.
  const strip = (s: PodSpec) => ({
    ...s,
    nodeName: undefined,
    activeDeadlineSeconds: undefined,
    tolerations: undefined,
    containers: (s.containers ?? []).map((c) => ({ ...c, image: undefined })),
    initContainers: (s.initContainers ?? []).map((c) => ({ ...c, image: undefined })),
  });
  const a = strip(spec);
  const b = strip(old);
  if (canonicalJson(a) !== canonicalJson(b)) {
    const changed = Object.keys({ ...a, ...b }).filter((k) => canonicalJson((a as Record<string, unknown>)[k]) !== canonicalJson((b as Record<string, unknown>)[k]));
    out.push(
      forbidden(
        "spec",
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)" +
          (changed.length ? ` (changed: ${changed.map((k) => `spec.${k}`).join(", ")})` : ""),
      ),
    );
  }
  for (const [kind, list] of [["containers", spec.containers ?? []], ["initContainers", spec.initContainers ?? []]] as const)
    for (const [i, c] of list.entries()) if (!c.image) out.push(required(`spec.${kind}[${i}].image`));
  return out;
}
