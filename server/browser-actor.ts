// The actor behind one browser socket, kept current for as long as the socket lives: read at the handshake, read again
// at each stream open, when lib says this user or one of their tokens changed (lib/users/actor-changes: role change,
// disabled, sessions ended, token revoked) and every RECHECK_MS while the socket has streams open (a change made by
// another control plane, an expiring token). The stream handlers authorize each event against it without a database
// round trip; while a re-read runs, events wait for it in order, so nothing typed after a demotion reaches a container.
import { authorizeHost, can, type Action, type Actor } from "@/lib/auth/policy";
import { GantryError } from "@/lib/errors";

export const RECHECK_MS = 30_000;

/** Something holding streams on this socket: told each time the actor was read, it ends what is no longer allowed. */
export interface ActorWatcher {
  /** Streams open now (the periodic re-check runs only while some are). */
  active(): boolean;
  changed(actor: Actor | null): void;
}

export class LiveActor {
  private actor: Actor | null;
  private reading: Promise<Actor | null> | null = null;
  /** A read asked for while one runs: it starts after, so it sees every change committed before it was asked for. */
  private queued: Promise<Actor | null> | null = null;
  private readonly watchers = new Set<ActorWatcher>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    initial: Actor,
    private readonly read: () => Promise<Actor | null>,
  ) {
    this.actor = initial;
  }

  /** The actor as last read (null: the session or token is no longer valid). */
  current(): Actor | null {
    return this.actor;
  }

  /** Reads the actor again and tells the watchers; calls made while a read runs share one read that starts after it. */
  refresh(): Promise<Actor | null> {
    if (this.queued) return this.queued;
    const after = this.reading ?? Promise.resolve(null);
    const next: Promise<Actor | null> = after
      .catch(() => null)
      .then(async () => {
        this.queued = null;
        this.reading = next;
        let actor: Actor | null;
        try {
          actor = await this.read();
        } catch {
          actor = null; // the database could not say who this is: nothing more runs until it can
        }
        this.actor = actor;
        if (this.reading === next) this.reading = null;
        for (const w of [...this.watchers]) w.changed(actor);
        return actor;
      });
    this.queued = next;
    return next;
  }

  /** Runs `f` with the current actor once no read is pending (now, when none is). Calls keep their order. */
  whenSettled(f: (actor: Actor | null) => void): void {
    const pending = this.queued ?? this.reading;
    if (!pending) return f(this.actor);
    void pending.then(() => this.whenSettled(f));
  }

  /** Whether the actor as now known may do `action` (for events that must not wait). */
  can(action: Action): boolean {
    return can(this.actor, action);
  }

  watch(w: ActorWatcher): () => void {
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  /** Re-reads every RECHECK_MS while some watcher has streams open. */
  start(everyMs = RECHECK_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if ([...this.watchers].some((w) => w.active())) void this.refresh();
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watchers.clear();
  }
}

/** A socket event's refusal: its reply, in the words the REST routes answer with. */
export interface Refusal {
  ok: false;
  error: string;
  code: string;
}

/**
 * The policy's answer for `action` on one host, as a socket event replies it (null: allowed) — the same as a REST
 * route's under /api/v1/hosts/{id}: a host outside the actor's scopes does not exist for them ("host 7 not found",
 * the answer for a host nobody has), a refusal says whose rights refuse it (lib/auth/policy.ts authorizeHost).
 */
export function hostRefusal(actor: Actor | null, action: Action, hostId: number): Refusal | null {
  try {
    authorizeHost(actor, action, hostId);
    return null;
  } catch (e) {
    if (!(e instanceof GantryError)) throw e;
    return { ok: false, error: e.code === "not_found" ? e.message : `${e.code}: ${e.message}`, code: e.code };
  }
}
