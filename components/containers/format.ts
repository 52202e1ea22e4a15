// How a container's state, age and ports read on the list and the container page.
import type { BadgeTone } from "@/components/ui";
import { formatAgo } from "@/components/hosts/format";

export const CONTAINER_STATES = ["running", "paused", "restarting", "created", "exited", "dead", "removing"] as const;

export function stateTone(state: string, exitCode?: number | null): BadgeTone {
  switch (state) {
    case "running":
      return "success";
    case "paused":
    case "restarting":
      return "warning";
    case "created":
      return "info";
    case "exited":
      return exitCode ? "danger" : "neutral";
    case "dead":
      return "danger";
    default:
      return "neutral";
  }
}

/** "3 s", "5 min", "2 h", "4 d": how long since `iso`. */
export function formatDuration(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/** Like `docker ps`'s STATUS: "Up 5 min", "Up 2 h (paused)", "Exited (137) 3 min ago", "Created just now". */
export function statusText(c: { state: string; startedAt: string | null; finishedAt: string | null; createdAt: string; exitCode: number | null }, now: number): string {
  const started = c.startedAt && !c.startedAt.startsWith("0001-") ? c.startedAt : null;
  const finished = c.finishedAt && !c.finishedAt.startsWith("0001-") ? c.finishedAt : null;
  switch (c.state) {
    case "running":
      return started ? `Up ${formatDuration(started, now)}` : "Up";
    case "paused":
      return started ? `Up ${formatDuration(started, now)} (paused)` : "Paused";
    case "restarting":
      return `Restarting (${c.exitCode ?? 0}) ${formatAgo(finished, now)}`;
    case "exited":
      return `Exited (${c.exitCode ?? 0}) ${finished ? formatAgo(finished, now) : ""}`.trim();
    case "created":
      return `Created ${formatAgo(c.createdAt, now)}`;
    default:
      return c.state;
  }
}

export interface PortView {
  container: number;
  protocol: string;
  host: number | null;
  hostIp: string | null;
}

/** "0.0.0.0:8080→80/tcp", or "80/tcp" for a port exposed but not published. */
export function portText(p: PortView): string {
  return p.host ? `${p.hostIp || "0.0.0.0"}:${p.host}→${p.container}/${p.protocol}` : `${p.container}/${p.protocol}`;
}

/** The inventory's ports column (JSON) as a list, tolerating anything unexpected in it. */
export function portsOf(raw: unknown): PortView[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter((p): p is PortView => typeof p === "object" && p !== null && typeof (p as PortView).container === "number");
}

/** A container's CPU use: two decimals below 1 % (an idle container's 0.03 % is not "0.0 %"), one below 10 %, then whole. */
export function formatCpuPercent(v: number): string {
  return `${v < 1 ? v.toFixed(2) : v < 10 ? v.toFixed(1) : Math.round(v)} %`;
}
