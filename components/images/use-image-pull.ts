"use client";
// Pulls an image on a host over the page's /browser socket (stream kind "image.pull"), folding the agent's
// Docker-style progress events into one bar per layer. `pull` resolves when the stream ends: {ok} or the error.
import { useCallback, useEffect, useRef, useState } from "react";
import { borrowBrowserSocket, openBrowserStream } from "@/components/fleet/browser-socket";
import { applyPullEvent, emptyPullProgress, type PullProgress } from "@/lib/run-form/pull-progress";

export interface ImagePull {
  /** The pull running or last run; null before the first. */
  ref: string | null;
  progress: PullProgress;
  running: boolean;
  error: string | null;
  pull(hostId: number, ref: string): Promise<{ ok: boolean; error?: string }>;
  reset(): void;
}

function parseEvent(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return { message: data };
  }
}

export function useImagePull(): ImagePull {
  const [ref, setRef] = useState<string | null>(null);
  const [progress, setProgress] = useState<PullProgress>(emptyPullProgress);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const active = useRef<{ close: () => void; release: () => void } | null>(null);

  const stop = useCallback(() => {
    active.current?.close();
    active.current?.release();
    active.current = null;
  }, []);
  useEffect(() => stop, [stop]);

  const pull = useCallback(
    (hostId: number, image: string) => {
      stop();
      setRef(image);
      setProgress(emptyPullProgress());
      setError(null);
      setRunning(true);
      return new Promise<{ ok: boolean; error?: string }>((resolve) => {
        const { socket, release } = borrowBrowserSocket();
        const close = openBrowserStream(socket, hostId, { kind: "image.pull", ref: image }, {
          onChunks: (chunks) =>
            setProgress((p) => {
              let next = p;
              for (const c of chunks) for (const line of c.data.split("\n")) if (line.trim()) next = applyPullEvent(next, parseEvent(line));
              return next;
            }),
          onEnd: ({ exitCode, error: err }) => {
            active.current = null;
            release();
            setRunning(false);
            if (err || exitCode !== 0) {
              const message = err ?? `the pull ended with code ${exitCode}`;
              setError(message);
              resolve({ ok: false, error: message });
            } else resolve({ ok: true });
          },
        });
        active.current = { close, release };
      });
    },
    [stop],
  );

  const reset = useCallback(() => {
    stop();
    setRef(null);
    setProgress(emptyPullProgress());
    setRunning(false);
    setError(null);
  }, [stop]);

  return { ref, progress, running, error, pull, reset };
}
