"use client";
// Pushed news that a host's containers changed: the "containers" room of the /browser socket (its inventory was just
// recorded). Calls `onChange(hostId)` for each, and says whether the push is live — when it is not (an older control
// plane without the room, a dropped connection) the caller keeps to its own schedule.
import { useEffect, useRef, useState } from "react";
import { borrowBrowserSocket } from "@/components/fleet/browser-socket";

/** The room and event names of lib/containers/container-event.ts. */
const ROOM = "containers";
const EVENT = "containers";

export function useContainerChanges(onChange: (hostId: number) => void): boolean {
  const [live, setLive] = useState(false);
  const handler = useRef(onChange);
  handler.current = onChange;

  useEffect(() => {
    const { socket, release } = borrowBrowserSocket();
    let gone = false;
    const subscribe = () => socket.emit("subscribe", ROOM, (r: { ok?: boolean } | undefined) => !gone && setLive(!!r?.ok));
    const onEvent = (e: { hostId?: unknown } | undefined) => {
      if (typeof e?.hostId === "number") handler.current(e.hostId);
    };
    const onDown = () => setLive(false);
    socket.on("connect", subscribe);
    socket.on("disconnect", onDown);
    socket.on(EVENT, onEvent);
    if (socket.connected) subscribe();
    return () => {
      gone = true;
      socket.off("connect", subscribe);
      socket.off("disconnect", onDown);
      socket.off(EVENT, onEvent);
      release();
    };
  }, []);
  return live;
}
