"use client";
// The current time, for "last seen 12 s ago" that stays true while the page is open. It starts at the instant the
// server rendered (`renderedAt`, a prop from the page), so the browser's first render — hydration — writes the same
// text the server did; then it follows this browser's clock, re-read every `everyMs`. (Starting from the browser's
// Date.now() made the text differ whenever a second boundary fell between the two renders: React error #418.)
import { useEffect, useState } from "react";

/** How often an open hosts page re-reads its hosts for their last heartbeat (an agent beats every 10 s by default). */
export const HOSTS_REFRESH_MS = 10_000;

export function useNow(renderedAt: number, everyMs = 5_000): number {
  const [now, setNow] = useState(renderedAt);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
