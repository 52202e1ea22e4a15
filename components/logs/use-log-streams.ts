"use client";
// The logs of several containers followed at once over the page's shared socket, into one bounded buffer merged by
// the engine's time. Each container's stream reports its own state (following, ended, failed and why). Changing the
// tail, or reopen(), opens every stream again into a clean buffer; so does changing the containers — unless
// `incremental` (a workload's replicas, which come and go during a rollout): then a container that joins gets a stream
// of its own and one that leaves has its stream closed, and the lines already received stay. Each stream has a slot
// (its index in `slots`, which the lines' `source` names) that it keeps while the buffer lives.
import { useCallback, useEffect, useRef, useState } from "react";
import { borrowBrowserSocket, openBrowserStream } from "@/components/fleet/browser-socket";
import { LineJoiner } from "@/lib/protocol/logs";
import { LogBuffer, type IncomingLine, type LogEntry } from "@/lib/logs/log-buffer";
import { sourceKey, type LogSource } from "@/lib/logs/sources";

/** A container to follow, optionally with the label its lines are shown under (a workload's "pod/container"). */
export interface LabelledSource extends LogSource {
  label?: string;
}

/** A stream opened since the buffer was cleared: its lines carry its index. */
export interface Slot {
  key: string;
  source: LogSource;
  label: string | null;
}

/** The most lines a viewer keeps; older ones are dropped (and counted). */
export const MAX_LINES = 10_000;

export type Tail = 100 | 1000 | "all";

/** The shortest time between two redraws of the lines (~15 a second: smooth enough to read, cheap enough to keep up). */
const RENDER_EVERY_MS = 66;

export interface StreamState {
  /** following: asked for (a refusal or failure turns it into failed at once); ended: the container stopped. */
  state: "following" | "ended" | "failed";
  message: string;
}

/**
 * A page hook for measurements (bench/log-latency.ts): when a page defines `window.__gantryLogProbe`, it is called with
 * every batch of lines as they are received, before rendering (which only draws what is visible).
 */
type Probe = (lines: ReadonlyArray<Pick<LogEntry, "source" | "stream" | "time" | "raw">>) => void;

export function useLogStreams(sources: LabelledSource[], tail: Tail, opts: { incremental?: boolean } = {}) {
  const bufferRef = useRef<LogBuffer>(null);
  if (!bufferRef.current) bufferRef.current = new LogBuffer(MAX_LINES);
  const buffer = bufferRef.current;
  const [version, setVersion] = useState(0);
  const [states, setStates] = useState<Record<string, StreamState>>({});
  const [slots, setSlots] = useState<Slot[]>([]);
  // Bumped by reopen(): the same containers and tail, opened afresh.
  const [generation, setGeneration] = useState(0);
  const key = sources.map(sourceKey).join(",");
  const incremental = !!opts.incremental;
  // What clears the buffer and opens every stream again.
  const resetKey = `${incremental ? "" : key}|${tail}|${generation}`;
  const labels = useRef(new Map<string, string>());
  labels.current = new Map(sources.filter((s) => s.label).map((s) => [sourceKey(s), s.label!]));
  const session = useRef<{ open(k: string): void; close(k: string): void; opened: Map<string, () => void> } | null>(null);

  useEffect(() => {
    buffer.clear();
    setVersion(buffer.version);
    setStates({});
    setSlots([]);

    // However many batches arrive, the view updates at most once a frame and at most RENDER_EVERY_MS apart: drawing
    // a screenful of new text each frame would keep the page's one thread too busy to take in lines (measured by
    // bench/log-latency.ts: at 1,000 lines/s, redrawing every frame held each line ~35 ms longer before it was read).
    let frame = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastRender = 0;
    const draw = () => {
      timer = undefined;
      frame = requestAnimationFrame(() => {
        frame = 0;
        lastRender = performance.now();
        setVersion(buffer.version);
      });
    };
    const render = () => {
      if (frame || timer) return;
      const wait = lastRender + RENDER_EVERY_MS - performance.now();
      if (wait > 0) timer = setTimeout(draw, wait);
      else draw();
    };
    const setState = (k: string, s: StreamState) => setStates((prev) => ({ ...prev, [k]: s }));
    const add = (lines: IncomingLine[]) => {
      if (!lines.length) return;
      buffer.add(lines);
      (window as { __gantryLogProbe?: Probe }).__gantryLogProbe?.(lines);
      render();
    };

    const { socket, release } = borrowBrowserSocket();
    const all: Slot[] = [];
    const opened = new Map<string, () => void>();
    const open = (k: string) => {
      const src = { hostId: Number(k.slice(0, k.indexOf(":"))), container: k.slice(k.indexOf(":") + 1) };
      const source = all.length;
      all.push({ key: k, source: src, label: labels.current.get(k) ?? null });
      setSlots(all.slice());
      setState(k, { state: "following", message: "Following" });
      // Records in, whole lines out: a line split into partial records is joined before it is shown.
      const joiner = new LineJoiner();
      opened.set(
        k,
        openBrowserStream(
          socket,
          src.hostId,
          { kind: "logs", id: src.container, follow: true, tail, timestamps: true },
          {
            onChunks(chunks) {
              const lines: IncomingLine[] = [];
              for (const c of chunks) for (const l of joiner.chunk(c)) lines.push({ source, stream: l.stream, time: l.time, raw: l.line });
              add(lines);
            },
            onEnd({ error }) {
              add(joiner.flush().map((l) => ({ source, stream: l.stream, time: l.time, raw: l.line })));
              setState(
                k,
                error
                  ? { state: "failed", message: `The log stopped: ${error}` }
                  : { state: "ended", message: "The log ended: the container is not running." },
              );
            },
          },
        ),
      );
    };
    const close = (k: string) => {
      opened.get(k)?.();
      opened.delete(k);
    };
    session.current = { open, close, opened };
    return () => {
      session.current = null;
      if (frame) cancelAnimationFrame(frame);
      clearTimeout(timer);
      for (const c of opened.values()) c();
      release();
    };
  }, [resetKey, tail, buffer]);

  // After the effect above (declared first, so it runs first in the same commit): the streams follow the containers.
  useEffect(() => {
    const s = session.current;
    if (!s) return;
    const wanted = key ? key.split(",") : [];
    for (const k of wanted) if (!s.opened.has(k)) s.open(k);
    for (const k of [...s.opened.keys()]) if (!wanted.includes(k)) s.close(k);
  }, [key, resetKey]);

  const reopen = useCallback(() => setGeneration((g) => g + 1), []);
  return { buffer, version, states, slots, reopen };
}
