// How long a fleet should take to come back after losing its control plane: each agent reconnects at a random moment
// within this window (agent/backoff.ts), told in the hello reply. It grows with the fleet — a restart then meets
// about 1000 / RECONNECT_MS_PER_HOST reconnections a second, whatever the fleet's size — and stays short for a
// few hosts, so a small fleet is back at once.
import { db } from "@/lib/db";

/** The reconnections a second a control plane is asked to take in after a restart is their inverse (200/s). */
export const RECONNECT_MS_PER_HOST = 5;
export const MIN_RECONNECT_WINDOW_MS = 1_000;
export const MAX_RECONNECT_WINDOW_MS = 5 * 60_000;

export function reconnectWindowFor(hosts: number): number {
  return Math.min(MAX_RECONNECT_WINDOW_MS, Math.max(MIN_RECONNECT_WINDOW_MS, hosts * RECONNECT_MS_PER_HOST));
}

const REFRESH_MS = 30_000;
let counted: { at: number; hosts: number } | null = null;
let counting: Promise<number> | null = null;

/** The window for the fleet as it is (hosts not revoked, counted at most every 30 s; a failed count keeps the last). */
export async function reconnectWindowMs(now = Date.now()): Promise<number> {
  if (!counted || now - counted.at > REFRESH_MS) {
    counting ??= db.host
      .count({ where: { revokedAt: null } })
      .then((hosts) => (counted = { at: Date.now(), hosts }).hosts)
      .catch(() => counted?.hosts ?? 0)
      .finally(() => (counting = null));
    if (!counted) await counting;
  }
  return reconnectWindowFor(counted?.hosts ?? 0);
}
