"use client";
// An interactive terminal in a container (`exec -it`): xterm.js, loaded in the browser only, fitted to its box and
// resized with it, wired to an exec session on the page's /browser socket. The command is /bin/sh unless another is
// typed; when the session ends the exit code is shown with a Reconnect button; refusals are shown as the server says them.
import "@xterm/xterm/css/xterm.css";
import Link from "next/link";
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import type { Terminal } from "@xterm/xterm";
import type { Socket } from "socket.io-client";
import { Button, FormAlert, Input, Label } from "@/components/ui";
import { borrowBrowserSocket } from "@/components/fleet/browser-socket";
import { CommandLineError, splitCommandLine } from "@/lib/run-form/split-command";
import { startExecSession, type ExecSession } from "./exec-session";
import { containerHref } from "@/lib/containers/container-href";

export const DEFAULT_SHELL = "/bin/sh";

type Status =
  | { kind: "loading" }
  | { kind: "connecting"; command: string }
  | { kind: "running"; command: string }
  | { kind: "ended"; exitCode?: number; error?: string }
  | { kind: "failed"; error: string };

function statusText(s: Status): string {
  switch (s.kind) {
    case "loading":
      return "Loading the terminal…";
    case "connecting":
      return `Connecting: ${s.command}…`;
    case "running":
      return `Connected: ${s.command}`;
    case "ended":
      if (s.error) return `Session ended: ${s.error}`;
      return s.exitCode === undefined ? "Session ended" : `Session ended (exit code ${s.exitCode})`;
    case "failed":
      return "Not connected";
  }
}

/** The server's reasons, said for this page: what went wrong and, where it helps, what to do. */
function explain(message: string): string {
  if (/^forbidden/.test(message)) return `You may not open a terminal here: ${message.replace(/^forbidden:\s*/, "")}.`;
  if (/is not running/.test(message)) return `The container is not running: start it first. (${message})`;
  return `Could not open the terminal: ${message}`;
}

/** `embedded`: part of another page (a pod's), which gives its own heading and links. */
export function TerminalView({ hostId, hostName, container, embedded = false }: { hostId: number; hostName: string; container: string; embedded?: boolean }) {
  const boxRef = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const socketRef = useRef<Socket | null>(null);
  const sessionRef = useRef<ExecSession | null>(null);
  /** Bumped on every connect: handlers of an older attempt change nothing. */
  const attemptRef = useRef(0);
  const [status, setStatus] = useState<Status>({ kind: "loading" });
  const [command, setCommand] = useState(DEFAULT_SHELL);
  const [commandError, setCommandError] = useState<string | null>(null);

  const connect = useCallback(
    async (line: string) => {
      const term = termRef.current;
      const socket = socketRef.current;
      if (!term || !socket) return;
      let cmd: string[];
      try {
        cmd = splitCommandLine(line);
      } catch (e) {
        setCommandError(e instanceof CommandLineError ? e.message : String(e));
        return;
      }
      if (cmd.length === 0) {
        setCommandError("type a command, for example /bin/sh");
        return;
      }
      setCommandError(null);
      sessionRef.current?.close();
      sessionRef.current = null;
      const attempt = ++attemptRef.current;
      let ended = false;
      term.reset();
      setStatus({ kind: "connecting", command: line.trim() });
      try {
        const session = await startExecSession(
          socket,
          { hostId, container, cmd, cols: term.cols, rows: term.rows },
          {
            onData: (data, done) => {
              if (attempt === attemptRef.current) term.write(data, done);
              else done();
            },
            onEnd: (end) => {
              ended = true;
              if (attempt !== attemptRef.current) return;
              sessionRef.current = null;
              setStatus({ kind: "ended", ...end });
              term.write(`\r\n\x1b[2m[${statusText({ kind: "ended", ...end }).toLowerCase()}]\x1b[0m\r\n`);
            },
          },
        );
        if (attempt !== attemptRef.current) return session.close();
        if (ended) return;
        sessionRef.current = session;
        setStatus({ kind: "running", command: line.trim() });
        // The size may have changed while the session started.
        session.resize(term.cols, term.rows);
        term.focus();
      } catch (e) {
        if (attempt !== attemptRef.current) return;
        setStatus({ kind: "failed", error: explain(e instanceof Error ? e.message : String(e)) });
      }
    },
    [hostId, container],
  );

  // xterm.js touches the DOM when it loads: imported here, in the browser, never during server rendering.
  useEffect(() => {
    let disposed = false;
    const { socket, release } = borrowBrowserSocket();
    socketRef.current = socket;
    let cleanupTerm = () => {};
    void (async () => {
      const [{ Terminal }, { FitAddon }] = await Promise.all([import("@xterm/xterm"), import("@xterm/addon-fit")]);
      const box = boxRef.current;
      if (disposed || !box) return;
      const term = new Terminal({
        cursorBlink: true,
        fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
        fontSize: 14,
        scrollback: 5000,
        theme: { background: "#0b1020", foreground: "#e2e8f0" },
      });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(box);
      fit.fit();
      termRef.current = term;
      const input = term.onData((d) => sessionRef.current?.input(d));
      const resized = term.onResize(({ cols, rows }) => sessionRef.current?.resize(cols, rows));
      // Fitted to its box whenever the box changes size (window resize, layout), once per frame at most.
      let frame = 0;
      const observer = new ResizeObserver(() => {
        cancelAnimationFrame(frame);
        frame = requestAnimationFrame(() => {
          if (box.clientWidth > 0 && box.clientHeight > 0) fit.fit();
        });
      });
      observer.observe(box);
      cleanupTerm = () => {
        cancelAnimationFrame(frame);
        observer.disconnect();
        input.dispose();
        resized.dispose();
        term.dispose();
        termRef.current = null;
      };
      void connect(DEFAULT_SHELL);
    })().catch((e) => {
      if (!disposed) setStatus({ kind: "failed", error: `The terminal could not be loaded: ${e instanceof Error ? e.message : String(e)}` });
    });
    return () => {
      disposed = true;
      attemptRef.current++;
      sessionRef.current?.close();
      sessionRef.current = null;
      cleanupTerm();
      socketRef.current = null;
      release();
    };
  }, [connect]);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    void connect(command);
  }

  function disconnect() {
    attemptRef.current++;
    sessionRef.current?.close();
    sessionRef.current = null;
    setStatus({ kind: "ended", error: "closed by you" });
    termRef.current?.write("\r\n\x1b[2m[session closed]\x1b[0m\r\n");
  }

  const busy = status.kind === "connecting" || status.kind === "loading";
  const over = status.kind === "ended" || status.kind === "failed";

  return (
    <section aria-labelledby={embedded ? undefined : "terminal-title"} aria-label={embedded ? `Terminal on ${hostName}` : undefined} className="space-y-4">
      {!embedded && (
        <>
          <div className="flex flex-wrap gap-x-4 text-sm">
            <Link href={containerHref(hostId, container) ?? `/containers?host=${hostId}`} className="break-all text-indigo-700 hover:underline dark:text-indigo-400">
              ← Container {container}
            </Link>
            <Link href={`/hosts/${hostId}`} className="text-indigo-700 hover:underline dark:text-indigo-400">
              Host {hostName}
            </Link>
          </div>
          <h1 id="terminal-title" className="break-all text-xl font-semibold">
            Terminal: {container} on {hostName}
          </h1>
        </>
      )}

      <form onSubmit={submit} className="flex flex-wrap items-end gap-2" aria-label="Session">
        <div className="min-w-64 flex-1 space-y-1">
          <Label htmlFor="terminal-command">Command</Label>
          <Input
            id="terminal-command"
            value={command}
            onChange={(e) => setCommand(e.target.value)}
            invalid={!!commandError}
            aria-describedby={commandError ? "terminal-command-error" : undefined}
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
          />
        </div>
        <Button type="submit" variant="secondary" disabled={busy}>
          Start session
        </Button>
        {status.kind === "running" && (
          <Button variant="ghost" onClick={disconnect}>
            Disconnect
          </Button>
        )}
      </form>
      {commandError && (
        <p id="terminal-command-error" className="text-xs text-red-600 dark:text-red-400">
          {commandError}
        </p>
      )}

      <div className="flex flex-wrap items-center gap-3">
        <p role="status" aria-live="polite" data-testid="terminal-status" data-state={status.kind} className="text-sm text-slate-700 dark:text-slate-300">
          {statusText(status)}
        </p>
        {over && (
          <Button size="sm" onClick={() => void connect(command)}>
            Reconnect
          </Button>
        )}
      </div>
      <FormAlert message={status.kind === "failed" ? status.error : null} />

      <div
        data-testid="terminal"
        className="h-[60vh] min-h-48 w-full overflow-hidden rounded-lg bg-[#0b1020] p-2"
        onClick={() => termRef.current?.focus()}
      >
        <div ref={boxRef} className="h-full w-full" />
      </div>
    </section>
  );
}
