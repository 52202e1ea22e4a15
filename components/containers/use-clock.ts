"use client";
// The current time for "Up 5 min" texts: starts at the instant the server rendered (so hydration sees the same text),
// then follows this browser's clock, re-read every `everyMs`.
import { useEffect, useState } from "react";

export function useClock(renderedAt: number, everyMs = 5_000): number {
  const [now, setNow] = useState(renderedAt);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** False on the server and during hydration, true once mounted: for text that depends on the browser (its time zone). */
export function useMounted(): boolean {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return mounted;
}
