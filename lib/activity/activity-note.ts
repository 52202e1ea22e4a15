// What a request did, in words a person reads in the activity record: the use case that acts (or the route, when the
// use case belongs to another area) notes the verb and the names it acted on — "stop" "container colors" "on host
// web-1" — and withAuth stores the note with the request's activity row (details.summary). Names are written as they
// were at the time, so the record still reads right after a rename. Outside a request (scripts, sockets, tests that
// call lib directly) noting does nothing.
import { AsyncLocalStorage } from "node:async_hooks";
import type { ActivitySummary } from "./describe-activity";

const store = new AsyncLocalStorage<{ summary?: ActivitySummary }>();

/** A place for one request's note: run the handler inside it, then read what was noted. */
export function activityScope() {
  const box: { summary?: ActivitySummary } = {};
  return {
    run: <T>(fn: () => Promise<T>): Promise<T> => store.run(box, fn),
    summary: (): ActivitySummary | undefined => box.summary,
  };
}

/** Says what the current request does (the last note wins: a use case may refine it once it knows the outcome). */
export function noteActivity(summary: ActivitySummary): void {
  const box = store.getStore();
  if (box) box.summary = summary;
}
