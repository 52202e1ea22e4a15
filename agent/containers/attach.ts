// Reading a container's output: `docker logs` (the CRI log file, its history and what follows), attach (output from
// the log or, with a terminal, from the monitor's socket; input to its stdin through the socket, with the detach-key
// scanner of detach-keys.ts) and the terminal's size.
import { conflict } from "../../lib/errors";
import type { MonitorClient } from "../runtime/monitor";
import type { MonitorSocket } from "../runtime/monitor-socket";
import { DetachKeyMatcher } from "./detach-keys";
import type { ExitWatch } from "./exit-watch";
import { rotatedFiles } from "./log-config";
import { LogFollower, LogReader, logSize, readLog, recordBytes, type LogRecord } from "./logs";
import type { ContainerStore } from "./records";

/** Output of an attach: what the container writes (stream 1/2), then the end. */
export interface AttachSink {
  write(stream: 1 | 2, data: Buffer): void;
  end(): void;
}

export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Replay the log first. */
  logs: boolean;
  stream: boolean;
  /** Bytes that detach (default ctrl-p ctrl-q). */
  detachKeys: Buffer;
}

export interface AttachHandle {
  input(data: Buffer): void;
  inputEnd(): void;
  close(): void;
}

export interface LogReadHandle {
  pause(): void;
  resume(): void;
  stop(): void;
}

export class ContainerStreams {
  constructor(
    private readonly store: ContainerStore,
    private readonly watch: ExitWatch,
    private readonly monitor: MonitorClient,
  ) {}

  /**
   * Reads the log as `docker logs` asks (the history, its tail, since/until), and with `follow` what is written next
   * until the container stops; records go to `onRecords` a batch at a time, `onEnd` once all are read. The handle's
   * pause() stops the reading (the consumer is behind: nothing piles up meanwhile), resume() goes on, stop() ends it
   * without onEnd.
   */
  read(
    ref: string,
    o: { since?: number; until?: number; tail?: number; follow: boolean },
    onRecords: (r: LogRecord[]) => void,
    onEnd: () => void,
  ): LogReadHandle {
    const rec = this.store.get(ref);
    // An `until` bounds the read: nothing to follow.
    const follow = o.follow && !o.until;
    let unlisten = () => {};
    const reader = new LogReader(
      this.store.logPath(rec.Id),
      {
        maxFiles: rotatedFiles(rec.HostConfig.LogConfig),
        start: o.tail !== undefined && o.tail >= 0 ? { tail: o.tail } : "all",
        follow,
        ...(o.since ? { since: o.since } : {}),
        ...(o.until ? { until: o.until } : {}),
      },
      onRecords,
      () => {
        unlisten();
        onEnd();
      },
    );
    if (follow) {
      const stop = this.watch.onExit(rec.Id, () => reader.writerDone());
      unlisten = () => {
        stop();
        unlisten = () => {};
      };
      if (!rec.State.Running && !rec.State.Restarting) reader.writerDone();
    }
    return {
      pause: () => reader.pause(),
      resume: () => reader.resume(),
      stop: () => {
        unlisten();
        reader.close();
      },
    };
  }

  isTty(ref: string) {
    return this.store.get(ref).Config.Tty;
  }

  /**
   * Attaches to the container: output from now on (the whole log first with `logs`), input to its stdin through the
   * monitor. Attaching before `start` is how `docker run` works: the output is then taken from the first byte.
   */
  attach(ref: string, o: AttachOptions, sink: AttachSink): AttachHandle {
    const rec = this.store.get(ref);
    const id = rec.Id;
    const tty = rec.Config.Tty;
    let ended = false;
    let sock: MonitorSocket | null = null;
    let follower: LogFollower | null = null;
    const queued: Buffer[] = [];
    let inputEnded = false;
    let stopStarts = () => {};
    let stopExits = () => {};
    const detach = tty ? new DetachKeyMatcher(o.detachKeys) : null;
    const want = (s: 1 | 2) => (s === 1 ? o.stdout : o.stderr);
    const end = () => {
      if (ended) return;
      ended = true;
      follower?.close();
      sock?.close();
      stopStarts();
      stopExits();
      sink.end();
    };
    if (o.logs) {
      for (const r of readLog(this.store.logPath(id), rotatedFiles(rec.HostConfig.LogConfig))) {
        const s = r.stream === "stdout" ? 1 : 2;
        if (want(s)) sink.write(s, recordBytes(r, tty));
      }
    }
    if (!o.stream) {
      queueMicrotask(end);
      return { input() {}, inputEnd() {}, close: end };
    }
    // Without a terminal the output comes from the log (complete from the first byte); with one, or when no log is
    // kept (the none driver), from the socket.
    const fromLog = !tty && rec.HostConfig.LogConfig?.Type !== "none";
    const connect = () => {
      if (fromLog && (o.stdout || o.stderr)) {
        follower?.close();
        follower = new LogFollower(this.store.logPath(id), logSize(this.store.logPath(id)), (recs) => {
          for (const r of recs) {
            const s = r.stream === "stdout" ? 1 : 2;
            if (want(s)) sink.write(s, recordBytes(r, false));
          }
        }, rotatedFiles(rec.HostConfig.LogConfig));
      }
      if (fromLog && !o.stdin) return;
      const path = this.store.attachSocketPath(id);
      const deadline = Date.now() + 10_000;
      const tryConnect = () => {
        if (ended) return;
        this.monitor.connect(path, {
          onOutput: (s, data) => {
            if (!fromLog && want(s)) sink.write(s, data);
          },
        }).then(
          (s) => {
            if (ended) return s.close();
            sock = s;
            for (const q of queued.splice(0)) s.stdin(q);
            if (inputEnded) s.closeStdin();
          },
          () => {
            if (Date.now() < deadline) setTimeout(tryConnect, 2);
          },
        );
      };
      tryConnect();
    };
    const onStart = () => connect();
    const onExit = () => {
      // The monitor wrote the log completely before the exit file: read the rest, then end.
      follower?.poll();
      setTimeout(end, fromLog ? 0 : 50);
    };
    stopStarts = this.watch.onStart(id, onStart);
    stopExits = this.watch.onExit(id, onExit);
    if (rec.State.Running) {
      stopStarts();
      connect();
    }
    return {
      input: (data: Buffer) => {
        if (!o.stdin || ended) return;
        // With a TTY, detach keys (ctrl-p ctrl-q by default) end the attach without reaching the container.
        const { pass, detached } = detach ? detach.feed(data) : { pass: data, detached: false };
        if (pass.length) (sock ? sock.stdin(pass) : queued.push(Buffer.from(pass)));
        if (detached) {
          this.store.emit(rec, "detach");
          end();
        }
      },
      inputEnd: () => {
        if (!o.stdin || !rec.Config.StdinOnce) return;
        inputEnded = true;
        sock?.closeStdin();
      },
      close: end,
    };
  }

  async resize(ref: string, rows: number, cols: number) {
    const rec = this.store.get(ref);
    if (!rec.State.Running) throw conflict(`Container ${rec.Id} is not running`);
    if (!rec.Config.Tty) return;
    const s = await this.monitor.connect(this.store.attachSocketPath(rec.Id), {});
    s.resize(rows, cols);
    setTimeout(() => s.close(), 50);
  }
}
