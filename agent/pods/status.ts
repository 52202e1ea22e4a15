// A pod's status computed as the kubelet computes it (pkg/kubelet/kubelet_pods.go: getPhase, generateAPIPodStatus and
// the status manager's conditions), from what the agent knows of its containers. Pure: the pod worker gathers a view,
// this turns it into Kubernetes' PodStatus.
import type { AgentContainer, AgentPod, ContainerState, ContainerStatus, PodCondition, PodStatus } from "../../lib/protocol/pods";

/** One container record (one attempt), as the status needs it. */
export interface AttemptView {
  id: string;
  running: boolean;
  /** Ran at all (a start that failed never did). */
  hasStarted: boolean;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number;
  oomKilled: boolean;
  /** Why it could not start (the engine's message), or "". */
  error: string;
  imageId: string;
}

export interface ContainerView {
  spec: AgentContainer;
  restartCount: number;
  current: AttemptView | null;
  previous: AttemptView | null;
  /** Why it is not running now and what it waits for, when it waits (CrashLoopBackOff, ErrImagePull, …). */
  waiting: { reason: string; message?: string } | null;
  ready: boolean;
  started: boolean;
}

export interface PodView {
  pod: AgentPod;
  init: ContainerView[];
  containers: ContainerView[];
  podIP: string | null;
  hostIP: string;
  startTime: string;
  sandboxReady: boolean;
  /** Being deleted and every container stopped: the phase is final. */
  terminal: boolean;
}

/** RFC 3339 to the second, as Kubernetes writes times. */
export function kubeTime(t: string | number | Date): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const validTime = (t: string | null) => (t && !t.startsWith("0001-") && !Number.isNaN(Date.parse(t)) ? kubeTime(t) : undefined);

function terminated(a: AttemptView): NonNullable<ContainerState["terminated"]> {
  const reason = a.oomKilled ? "OOMKilled" : !a.hasStarted && a.error ? "StartError" : a.exitCode === 0 ? "Completed" : "Error";
  const startedAt = validTime(a.startedAt);
  const finishedAt = validTime(a.finishedAt);
  return {
    exitCode: a.exitCode,
    reason,
    ...(a.error ? { message: a.error.slice(0, 4096) } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
    containerID: `gantry://${a.id}`,
  };
}

export function containerStatus(c: ContainerView, defaultWaiting: string): ContainerStatus {
  const cur = c.current;
  let state: ContainerState;
  let lastState: ContainerState = {};
  if (cur?.running) {
    state = { running: { startedAt: validTime(cur.startedAt) ?? kubeTime(Date.now()) } };
    if (c.previous) lastState = { terminated: terminated(c.previous) };
  } else if (cur && (cur.hasStarted || cur.error) && !c.waiting) {
    state = { terminated: terminated(cur) };
    if (c.previous) lastState = { terminated: terminated(c.previous) };
  } else {
    const w = c.waiting ?? { reason: defaultWaiting };
    state = { waiting: { reason: w.reason, ...(w.message ? { message: w.message.slice(0, 4096) } : {}) } };
    // Waiting to start again: the attempt that ended is the last state.
    const last = cur && (cur.hasStarted || cur.error) ? cur : c.previous;
    if (last) lastState = { terminated: terminated(last) };
  }
  const shown = cur ?? c.previous;
  return {
    name: c.spec.name,
    state,
    lastState,
    ready: !!cur?.running && c.ready,
    started: !!cur?.running && c.started,
    restartCount: c.restartCount,
    image: c.spec.image,
    imageID: shown?.imageId ?? "",
    ...(cur ? { containerID: `gantry://${cur.id}` } : {}),
  };
}

/** Kubernetes' QoS class from the containers' requests and limits (a limit alone stands for its request). */
export function qosClass(pod: AgentPod): PodStatus["qosClass"] {
  const all = [...pod.initContainers, ...pod.containers];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const { limits, requests } = c.resources;
    for (const r of ["cpuMillis", "memoryBytes"] as const) {
      const limit = limits[r];
      const request = requests[r] ?? limit;
      if (limit !== undefined || request !== undefined) any = true;
      if (limit === undefined || request !== limit) guaranteed = false;
    }
  }
  return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
}

/** kubelet's getPhase. */
export function podPhase(view: PodView, init: ContainerStatus[], containers: ContainerStatus[]): PodStatus["phase"] {
  const policy = view.pod.restartPolicy;
  let pendingInit = 0;
  let failedInit = 0;
  for (const s of init) {
    if (s.state.terminated?.exitCode === 0) continue;
    if (s.state.terminated || (s.state.waiting && s.lastState.terminated && s.lastState.terminated.exitCode !== 0)) failedInit++;
    else pendingInit++;
  }
  if (failedInit > 0 && policy === "Never") return "Failed";
  if (pendingInit > 0 || failedInit > 0) return view.terminal ? "Failed" : "Pending";
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of containers) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState.terminated) stopped++;
    else waiting++;
  }
  if (view.terminal) return stopped === succeeded && waiting === 0 && running === 0 ? "Succeeded" : "Failed";
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (policy === "Always") return "Running";
    if (policy === "OnFailure") return stopped === succeeded ? "Succeeded" : "Running";
    return stopped === succeeded ? "Succeeded" : "Failed";
  }
  return "Pending";
}

function condition(type: PodCondition["type"], ok: boolean, previous: PodCondition[], now: string, reason?: string, message?: string): PodCondition {
  const status = ok ? "True" : "False";
  const before = previous.find((c) => c.type === type);
  return {
    type,
    status,
    ...(reason && !ok ? { reason } : {}),
    ...(message && !ok ? { message } : {}),
    lastProbeTime: null,
    // The time it last changed: kept while it stays as it was.
    lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now,
  };
}

export function computePodStatus(view: PodView, previous: PodStatus | null, now: number): PodStatus {
  const t = kubeTime(now);
  const initStatuses = view.init.map((c) => containerStatus(c, "PodInitializing"));
  const initialized = initStatuses.every((s) => s.state.terminated?.exitCode === 0);
  const statuses = view.containers.map((c) => containerStatus(c, initialized ? "ContainerCreating" : "PodInitializing"));
  let phase = podPhase(view, initStatuses, statuses);
  // A pod that ended stays ended.
  if (previous && (previous.phase === "Succeeded" || previous.phase === "Failed")) phase = previous.phase;
  const done = phase === "Succeeded" || phase === "Failed";
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const incomplete = initStatuses.filter((s) => s.state.terminated?.exitCode !== 0).map((s) => s.name);
  const prev = previous?.conditions ?? [];
  const readyReason = done ? "PodCompleted" : "ContainersNotReady";
  const readyMessage = done ? undefined : `containers with unready status: [${unready.join(" ")}]`;
  const conditions: PodCondition[] = [
    condition("PodReadyToStartContainers", view.sandboxReady && !done, prev, t),
    condition("Initialized", initialized, prev, t, done ? "PodCompleted" : "ContainersNotInitialized", done ? undefined : `containers with incomplete status: [${incomplete.join(" ")}]`),
    condition("Ready", !done && unready.length === 0, prev, t, readyReason, readyMessage),
    condition("ContainersReady", !done && unready.length === 0, prev, t, readyReason, readyMessage),
    condition("PodScheduled", true, prev, view.startTime),
  ];
  return {
    phase,
    conditions,
    hostIP: view.hostIP,
    hostIPs: [{ ip: view.hostIP }],
    ...(view.podIP ? { podIP: view.podIP, podIPs: [{ ip: view.podIP }] } : {}),
    startTime: view.startTime,
    ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
    qosClass: qosClass(view.pod),
  };
}
