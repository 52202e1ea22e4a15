"use client";
// Live host changes: a socket.io connection to /browser, subscribed to the "hosts" room (the server checks the
// session and the hosts.read permission). Calls `onEvent` for every change and reports whether the feed is live.
import { useEffect, useRef, useState } from "react";
import { io } from "socket.io-client";
import type { HostEvent } from "@/lib/hosts/publish-host-event";

export type LiveState = "connecting" | "live" | "offline";

export function useHostEvents(onEvent: (e: HostEvent) => void): LiveState {
  const [state, setState] = useState<LiveState>("connecting");
  const handler = useRef(onEvent);
  handler.current = onEvent;

  useEffect(() => {
    const socket = io("/browser", { path: "/socket.io", transports: ["websocket", "polling"] });
    const subscribe = () =>
      socket.emit("subscribe", "hosts", (r: { ok: boolean }) => setState(r?.ok ? "live" : "offline"));
    socket.on("connect", subscribe);
    socket.on("disconnect", () => setState("offline"));
    socket.on("connect_error", () => setState("offline"));
    socket.on("host", (e: HostEvent) => handler.current(e));
    return () => {
      socket.disconnect();
    };
  }, []);
  return state;
}
