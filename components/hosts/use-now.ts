"use client";
// The current time, re-read every `everyMs`, for "last seen 12 s ago" that stays true while the page is open.
import { useEffect, useState } from "react";

export function useNow(everyMs = 5_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
