"use client";
// A moment in the reader's own time zone. The server does not know that zone, so the server's render and the first
// render in the browser say the UTC time (the same text: no hydration mismatch), and the local one follows at once.
import { useEffect, useState } from "react";

const pad = (n: number) => String(n).padStart(2, "0");

/** "2026-11-24 09:05 UTC": the same text wherever it is rendered. */
export function formatUtc(iso: string): string {
  const d = new Date(iso);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

export function LocalTime({ iso, empty = "—" }: { iso: string | null | undefined; empty?: string }) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  if (!iso) return <>{empty}</>;
  return (
    <time dateTime={iso} title={iso}>
      {mounted ? new Date(iso).toLocaleString() : formatUtc(iso)}
    </time>
  );
}
