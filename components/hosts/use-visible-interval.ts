"use client";
// Runs `tick` now and then every `everyMs` while `enabled` and the page is visible; a hidden tab asks nothing, and
// becoming visible again asks at once. One tick at a time: a slow answer delays the next instead of piling up.
import { useEffect, useRef } from "react";

export function useVisibleInterval(tick: (signal: AbortSignal) => Promise<void>, everyMs: number, enabled: boolean): void {
  const latest = useRef(tick);
  latest.current = tick;

  useEffect(() => {
    if (!enabled) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
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
        if (!abort.signal.aborted && document.visibilityState === "visible") timer = setTimeout(run, everyMs);
      }
    };
    const onVisibility = () => {
      if (document.visibilityState === "visible") void run();
      else clearTimeout(timer);
    };
    document.addEventListener("visibilitychange", onVisibility);
    void run();
    return () => {
      abort.abort();
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [everyMs, enabled]);
}
