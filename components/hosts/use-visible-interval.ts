"use client";
// Runs `tick` now and then every `everyMs` while `enabled` and the page is visible; a hidden tab asks nothing, and
// becoming visible again asks at once. One tick at a time: a slow answer delays the next instead of piling up.
// Returns a function that asks now (after a pushed change), outside the schedule.
import { useCallback, useEffect, useRef } from "react";

export function useVisibleInterval(tick: (signal: AbortSignal) => Promise<void>, everyMs: number, enabled: boolean): () => void {
  const latest = useRef(tick);
  latest.current = tick;
  const runNow = useRef<() => void>(() => {});

  useEffect(() => {
    if (!enabled) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    // Asked while a tick runs: once more right after it.
    let again = false;
    const run = async () => {
      clearTimeout(timer);
      if (running || abort.signal.aborted || document.visibilityState !== "visible") return;
      running = true;
      try {
        await latest.current(abort.signal);
      } catch {
        // The tick reports its own errors; a failed one only waits for the next.
      } finally {
        running = false;
        if (!abort.signal.aborted && document.visibilityState === "visible") timer = setTimeout(run, again ? 0 : everyMs);
        again = false;
      }
    };
    const onVisibility = () => {
      if (document.visibilityState === "visible") void run();
      else clearTimeout(timer);
    };
    document.addEventListener("visibilitychange", onVisibility);
    runNow.current = () => {
      if (running) again = true;
      else void run();
    };
    void run();
    return () => {
      runNow.current = () => {};
      abort.abort();
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [everyMs, enabled]);
  return useCallback(() => runNow.current(), []);
}
