// Time and randomness, injected wherever the agent waits or jitters, so back-off and heartbeat logic is testable
// without sleeping.
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A number in [0, 1). */
export type Random = () => number;
