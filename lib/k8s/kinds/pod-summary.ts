// kubectl's READY, STATUS and RESTARTS of a pod, as `kubectl get pods` prints them — pure (no Node modules), so the
// API's tables (lib/k8s/kinds/pod.ts) and the dashboard's pod lists compute the same text.
import type { KubeObject } from "../meta";
import { humanAge } from "../human-age";
import type { Container, ContainerStatus, PodSpec, PodStatus } from "./pod-types";

const specOf = (o: KubeObject) => (o.spec ?? {}) as PodSpec;
const statusOf = (o: KubeObject) => (o.status ?? {}) as PodStatus;

/** Whether a pod's phase is final (its containers will not run again). */
export const isTerminal = (o: KubeObject) => statusOf(o).phase === "Succeeded" || statusOf(o).phase === "Failed";

const isRestartableInit = (c: Container | undefined) => c?.restartPolicy === "Always";
const later = (a: string | undefined, b: string | undefined) => (!a ? b : !b ? a : Date.parse(b) > Date.parse(a) ? b : a);

/** kubectl's READY, STATUS and RESTARTS for a pod (printPod in k8s.io/kubernetes/pkg/printers/internalversion). */
export function podSummary(o: KubeObject, now: Date): { ready: string; status: string; restarts: string } {
  const spec = specOf(o);
  const status = statusOf(o);
  let restarts = 0;
  let restartableInitRestarts = 0;
  let total = (spec.containers ?? []).length;
  let ready = 0;
  let lastRestart: string | undefined;
  let lastRestartableInitRestart: string | undefined;
  const phase = status.phase ?? "";
  let reason: string = status.reason || phase;
  for (const c of status.conditions ?? []) if (c.type === "PodScheduled" && c.reason === "SchedulingGated") reason = "SchedulingGated";

  const inits = new Map((spec.initContainers ?? []).map((c) => [c.name, c]));
  for (const c of spec.initContainers ?? []) if (isRestartableInit(c)) total++;

  let initializing = false;
  const initStatuses: ContainerStatus[] = status.initContainerStatuses ?? [];
  for (const [i, c] of initStatuses.entries()) {
    restarts += c.restartCount ?? 0;
    const finished = c.lastState?.terminated?.finishedAt;
    if (finished) lastRestart = later(lastRestart, finished);
    const restartable = isRestartableInit(inits.get(c.name));
    if (restartable) {
      restartableInitRestarts += c.restartCount ?? 0;
      if (finished) lastRestartableInitRestart = later(lastRestartableInitRestart, finished);
    }
    const term = c.state?.terminated;
    if (term && term.exitCode === 0) continue;
    if (restartable && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (term) reason = term.reason ? `Init:${term.reason}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== "PodInitializing") reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    initializing = true;
    break;
  }

  const initialized = (status.conditions ?? []).some((c) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initialized) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += c.restartCount ?? 0;
      const finished = c.lastState?.terminated?.finishedAt;
      if (finished) lastRestart = later(lastRestart, finished);
      const term = c.state?.terminated;
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      reason = (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True") ? "Running" : "NotReady";
    }
  }

  if (o.metadata.deletionTimestamp && status.reason === "NodeLost") reason = "Unknown";
  else if (o.metadata.deletionTimestamp && !isTerminal(o)) reason = "Terminating";

  const restartsText = restarts !== 0 && lastRestart ? `${restarts} (${humanAge(lastRestart, now)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsText };
}
