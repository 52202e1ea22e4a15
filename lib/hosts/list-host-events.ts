// What happened on one host, newest first: its containers' lifecycle as the inventory records it (created, started,
// exited — the latest of each per container, since the inventory keeps state, not history), and for those allowed
// activity.read, the activity records aimed at the host (runs, stops, removals, exec sessions, pulls, renames).
import { db } from "@/lib/db";
import { can, type Actor } from "@/lib/auth/policy";
import { getHostOrThrow } from "./get-host-or-throw";
import type { HostEventView, HostEventsQuery, HostEventsView } from "./host-events-schemas";
import { describeActivity } from "@/lib/activity/describe-activity";
import { loadActivityNames } from "@/lib/activity/activity-names";

/** Containers read per call: a host with more still gets correct counts, and events from its busiest 1,000. */
const MAX_CONTAINERS = 1000;
/** Activity records this recent: bounds the scan of a long record (its `at` is indexed) for a quiet host. */
const ACTIVITY_DAYS = 30;

export async function listHostEvents(actor: Actor, hostId: number, q: HostEventsQuery): Promise<HostEventsView> {
  await getHostOrThrow(hostId);
  const withActivity = can(actor, "activity.read");
  const [states, containers, activity] = await db.$transaction(
    [
      db.container.groupBy({ by: ["state"], where: { hostId }, _count: { _all: true }, orderBy: { state: "asc" } }),
      db.container.findMany({
        where: { hostId },
        select: { containerId: true, name: true, image: true, state: true, exitCode: true, createdAt: true, startedAt: true, finishedAt: true },
        orderBy: { updatedAt: "desc" },
        take: MAX_CONTAINERS,
      }),
      db.activityRecord.findMany({
        where: {
          at: { gte: new Date(Date.now() - ACTIVITY_DAYS * 86_400_000) },
          // An outcome row is its intent's, which shows it.
          completes: null,
          OR: [{ target: `hosts/${hostId}` }, { target: { startsWith: `hosts/${hostId}/` } }],
        },
        orderBy: { id: "desc" },
        // Read only by those allowed: nothing is fetched for the others.
        take: withActivity ? q.limit : 0,
      }),
    ],
    { isolationLevel: "RepeatableRead" },
  );

  const byState: Record<string, number> = {};
  for (const s of states) byState[s.state] = (s._count as { _all: number })._all;

  const events: HostEventView[] = [];
  const base = { target: null, actor: null, outcome: null, source: "inventory" as const };
  for (const c of containers) {
    const who = { containerId: c.containerId, containerName: c.name, image: c.image };
    events.push({ ...base, ...who, at: c.createdAt.toISOString(), event: "created", exitCode: null, text: `${c.name} created from ${c.image}` });
    if (c.startedAt) events.push({ ...base, ...who, at: c.startedAt.toISOString(), event: "started", exitCode: null, text: `${c.name} started` });
    if (c.finishedAt) {
      // The agent gives an exit code only while the container is stopped, so it belongs to this, its last, exit. A
      // command that exits at once can be seen finished a moment before it was marked started: never before its start.
      const stopped = c.exitCode !== null;
      const at = stopped && c.startedAt && c.startedAt > c.finishedAt ? c.startedAt : c.finishedAt;
      const code = c.exitCode === null ? "" : ` with code ${c.exitCode}`;
      events.push({ ...base, ...who, at: at.toISOString(), event: "exited", exitCode: c.exitCode, text: `${c.name} exited${code}` });
    }
  }
  const names = await loadActivityNames(activity);
  for (const a of activity) {
    const cid = /^hosts\/\d+\/containers\/([^/]+)/.exec(a.target ?? "")?.[1] ?? null;
    const details = (a.details ?? {}) as ActivityDetails;
    const container = cid ? safeDecode(cid) : null;
    events.push({
      source: "activity",
      at: a.at.toISOString(),
      event: a.action,
      containerId: container,
      containerName: null,
      image: null,
      exitCode: typeof details.exitCode === "number" ? details.exitCode : null,
      target: a.target,
      actor: a.userEmail,
      outcome: a.outcome,
      text: describeActivity(a, names),
    });
  }
  // Newest first; at the same instant a container's later step first (exited, started, created).
  const step = (e: HostEventView) => (e.source === "inventory" ? ["created", "started", "exited"].indexOf(e.event) : 3);
  events.sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : step(y) - step(x)));
  const total = Object.values(byState).reduce((a, b) => a + b, 0);
  return { containers: { total, byState }, events: events.slice(0, q.limit), activityIncluded: withActivity };
}

interface ActivityDetails {
  exitCode?: number;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
