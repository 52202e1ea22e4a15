// A heartbeat: the host was seen now. Heartbeats are written together: those that arrive within FLUSH_MS of each
// other are one statement for all their hosts (a fleet of 5,000 beating every 10 s is 500 beats a second, which one
// statement a second per host would spend the database on). Only a change of status is pushed to browsers (a fleet
// of a thousand hosts beating every 10 s would otherwise flood every open page).
import { db } from "@/lib/db";
import { HOST_VIEW_SELECT, toHostView } from "./host-view";
import { publishHostEvent } from "./publish-host-event";

/** How long a heartbeat waits for others to be written with (the agent waits 10 s for its answer). */
const FLUSH_MS = 250;

let pending = new Map<number, Array<{ resolve: (alive: boolean) => void; reject: (e: unknown) => void }>>();
let timer: ReturnType<typeof setTimeout> | null = null;

/** Resolves false when the host is gone or revoked (the caller then cuts the connection). */
export function recordHeartbeat(hostId: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const waiting = pending.get(hostId);
    if (waiting) waiting.push({ resolve, reject });
    else pending.set(hostId, [{ resolve, reject }]);
    timer ??= setTimeout(() => void flush(), FLUSH_MS);
  });
}

async function flush() {
  timer = null;
  const batch = pending;
  pending = new Map();
  const ids = [...batch.keys()].sort((a, b) => a - b);
  let alive: Set<number>;
  try {
    alive = await write(ids);
  } catch {
    try {
      alive = await write(ids); // once more: a deadlock with another multi-row write is ended by Postgres, not repeated
    } catch (e) {
      for (const waiting of batch.values()) for (const w of waiting) w.reject(e);
      return;
    }
  }
  for (const [id, waiting] of batch) for (const w of waiting) w.resolve(alive.has(id));
}

async function write(ids: number[]): Promise<Set<number>> {
  const now = new Date();
  // A host heard from again after going stale or offline is online (and browsers are told); the others are seen now.
  const revived = await db.host.updateManyAndReturn({
    where: { id: { in: ids }, revokedAt: null, status: { not: "online" } },
    data: { status: "online", statusChangedAt: now, lastSeenAt: now },
    select: HOST_VIEW_SELECT,
  });
  for (const h of revived) publishHostEvent("status", toHostView(h));
  const seen = await db.host.updateManyAndReturn({ where: { id: { in: ids }, revokedAt: null }, data: { lastSeenAt: now }, select: { id: true } });
  return new Set([...revived.map((h) => h.id), ...seen.map((h) => h.id)]);
}
