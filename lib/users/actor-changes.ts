// "An actor changed": a user's role, disabled flag or sessions changed, or one of their API tokens was revoked. What
// was allowed when a stream opened may not be any more, so whoever holds live connections re-checks them at once.
// lib only announces; the control-plane process sets the one listener at start (server/browser-gateway.ts), which
// re-reads the actor of every open browser socket concerned. Kept on globalThis: Next's route handlers (where users
// and tokens change) are separate module instances of this file. Without a listener (scripts, lib tests) a no-op.
export type ActorChange =
  /** The user's role, disabled flag, password or session epoch changed. */
  | { userId: string; tokenId?: undefined }
  /** One API token of the user was revoked (or changed). */
  | { userId: string; tokenId: string };

export type ActorChangeListener = (change: ActorChange) => void;

const KEY = Symbol.for("gantry.actor-change-listener");
const store = globalThis as unknown as { [KEY]?: ActorChangeListener | null };

/** The control plane's one listener; null removes it. */
export function setActorChangeListener(listener: ActorChangeListener | null): void {
  store[KEY] = listener;
}

/** Announces a change; the listener runs synchronously and must not throw into the caller. */
export function actorChanged(change: ActorChange): void {
  try {
    store[KEY]?.(change);
  } catch (e) {
    console.error(`[gantry] actor change listener failed: ${(e as Error).message}`);
  }
}
