// What a pod's container is doing, in words (pure): its state, its last termination, and its probes' settings — as
// `kubectl describe pod` writes them.
import type { ContainerState, ContainerStatus, Probe } from "@/lib/k8s/kinds/pod-types";

export interface StateText {
  /** running | waiting | terminated | unknown */
  kind: "running" | "waiting" | "terminated" | "unknown";
  /** "Running", "Waiting: CrashLoopBackOff", "Terminated: Error (exit code 1)". */
  label: string;
  /** The reason's message or the time the state began, if any. */
  detail: string | null;
}

function terminatedLabel(t: NonNullable<ContainerState["terminated"]>): string {
  const signal = t.signal ? `, signal ${t.signal}` : "";
  return `Terminated: ${t.reason ?? (t.exitCode === 0 ? "Completed" : "Error")} (exit code ${t.exitCode}${signal})`;
}

/** The current state of a container status (absent: not created yet). */
export function containerStateText(status: ContainerStatus | undefined): StateText {
  const s = status?.state;
  if (s?.running) return { kind: "running", label: "Running", detail: s.running.startedAt ? `since ${s.running.startedAt}` : null };
  if (s?.terminated) return { kind: "terminated", label: terminatedLabel(s.terminated), detail: s.terminated.message ?? (s.terminated.finishedAt ? `at ${s.terminated.finishedAt}` : null) };
  if (s?.waiting) return { kind: "waiting", label: `Waiting: ${s.waiting.reason ?? "ContainerCreating"}`, detail: s.waiting.message ?? null };
  return { kind: "unknown", label: status ? "Unknown" : "Not created yet", detail: null };
}

/** The last termination (`lastState.terminated`): "Error (exit code 137) at …", or null when it never ended. */
export function lastTerminationText(status: ContainerStatus | undefined): string | null {
  const t = status?.lastState?.terminated;
  if (!t) return null;
  const signal = t.signal ? `, signal ${t.signal}` : "";
  return `${t.reason ?? (t.exitCode === 0 ? "Completed" : "Error")} (exit code ${t.exitCode}${signal})${t.finishedAt ? ` at ${t.finishedAt}` : ""}`;
}

/** A probe as `kubectl describe` prints it: "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3". */
export function probeText(p: Probe | undefined): string | null {
  if (!p) return null;
  let how = "unknown";
  const port = (v: unknown) => (v === undefined ? "" : String(v));
  if (p.httpGet) {
    const h = p.httpGet as { scheme?: string; host?: string; port?: unknown; path?: string };
    how = `http-get ${(h.scheme ?? "HTTP").toLowerCase()}://${h.host ?? ""}:${port(h.port)}${h.path ?? "/"}`;
  } else if (p.tcpSocket) {
    const t = p.tcpSocket as { host?: string; port?: unknown };
    how = `tcp-socket ${t.host ?? ""}:${port(t.port)}`;
  } else if (p.exec) {
    how = `exec [${((p.exec as { command?: string[] }).command ?? []).join(" ")}]`;
  } else if (p.grpc) {
    how = `grpc <pod>:${port((p.grpc as { port?: unknown }).port)}`;
  }
  return `${how} delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s #success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
}
