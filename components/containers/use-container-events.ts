"use client";
// Live container changes: the page's shared /browser socket subscribed to the "containers" room (the server checks
// containers.read). Calls `onEvent` for each host whose inventory changed, and re-subscribes after a reconnect — when
// it also calls `onEvent` with no host, since changes may have been missed while away.
import { useEffect, useRef, useState } from "react";
import { borrowBrowserSocket } from "@/components/fleet/browser-socket";
import type { LiveState } from "@/components/hosts/use-host-events";
import { CONTAINER_EVENT, type ContainerEvent } from "@/lib/containers/container-event";

export function useContainerEvents(onEvent: (e: ContainerEvent | null) => void): LiveState {
  const [state, setState] = useState<LiveState>("connecting");
  const handler = useRef(onEvent);
  handler.current = onEvent;

  useEffect(() => {
    const { socket, release } = borrowBrowserSocket();
    let subscribedBefore = false;
    const subscribe = () =>
      socket.emit("subscribe", "containers", (r: { ok: boolean }) => {
        setState(r?.ok ? "live" : "offline");
        if (r?.ok && subscribedBefore) handler.current(null);
        subscribedBefore ||= r?.ok ?? false;
      });
    const onDisconnect = () => setState("offline");
    const onChange = (e: ContainerEvent) => handler.current(e);
    socket.on("connect", subscribe);
    socket.on("disconnect", onDisconnect);
    socket.on("connect_error", onDisconnect);
    socket.on(CONTAINER_EVENT, onChange);
    if (socket.connected) subscribe();
    return () => {
      socket.off("connect", subscribe);
      socket.off("disconnect", onDisconnect);
      socket.off("connect_error", onDisconnect);
      socket.off(CONTAINER_EVENT, onChange);
      release();
    };
  }, []);
  return state;
}
