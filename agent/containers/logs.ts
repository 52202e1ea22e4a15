// Reading the monitor's CRI log ("<RFC3339Nano> <stdout|stderr> <F|P> <content>" per line, rotated to LOG.1 … LOG.N):
// every record oldest first across the rotated files, filtered by stream, time and tail, and a follower that keeps
// reading as the monitor appends and rotates, holding the file it reads open so a rotation loses nothing.
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";

export interface LogRecord {
  /** Milliseconds since the epoch (the record's RFC 3339 time, nanoseconds kept in `time`). */
  ms: number;
  time: string;
  stream: "stdout" | "stderr";
  /** The line continues in the next record (no newline at its end). */
  partial: boolean;
  content: Buffer;
}

export function parseRecord(line: Buffer): LogRecord | null {
  const s1 = line.indexOf(0x20);
  const s2 = s1 < 0 ? -1 : line.indexOf(0x20, s1 + 1);
  const s3 = s2 < 0 ? -1 : line.indexOf(0x20, s2 + 1);
  if (s3 < 0) return null;
  const time = line.subarray(0, s1).toString();
  const stream = line.subarray(s1 + 1, s2).toString();
  const tag = line.subarray(s2 + 1, s3).toString();
  if ((stream !== "stdout" && stream !== "stderr") || (tag !== "F" && tag !== "P")) return null;
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return null;
  return { ms, time, stream, partial: tag === "P", content: line.subarray(s3 + 1) };
}

/** The bytes the container wrote for this record (the newline the F tag stands for put back; \r\n on a terminal). */
export function recordBytes(r: LogRecord, tty: boolean): Buffer {
  if (r.partial) return r.content;
  return Buffer.concat([r.content, Buffer.from(tty ? "\r\n" : "\n")]);
}

function splitLines(buf: Buffer, out: LogRecord[]): number {
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) return start;
    const rec = parseRecord(buf.subarray(start, nl));
    if (rec) out.push(rec);
    start = nl + 1;
  }
}

function readWhole(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n <= 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/** Every record in the log and its rotated files, oldest first. */
export function readLog(path: string, maxFiles: number): LogRecord[] {
  return readLogUpTo(path, maxFiles).records;
}

/**
 * Every complete record, and `end`: the offset in the current file just past the last of them — where a follower
 * starts so that nothing written meanwhile (nor a line half-written at the time) falls between the two.
 */
export function readLogUpTo(path: string, maxFiles: number): { records: LogRecord[]; end: number } {
  const records: LogRecord[] = [];
  for (let i = maxFiles; i >= 1; i--) if (existsSync(`${path}.${i}`)) splitLines(readWhole(`${path}.${i}`), records);
  const end = splitLines(readWhole(path), records);
  return { records, end };
}

/**
 * Follows the log from a byte offset of the current file: `onRecords` gets what is appended; a rotation is noticed by
 * the path naming another inode, and the rest of the old file (still open) is read first.
 */
export class LogFollower {
  private fd = -1;
  private ino = 0;
  private offset: number;
  private pending = Buffer.alloc(0);
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly path: string,
    fromOffset: number,
    private readonly onRecords: (records: LogRecord[]) => void,
  ) {
    this.offset = fromOffset;
    this.open();
    try {
      this.watcher = watch(dirname(path), (_ev, name) => {
        if (!name || String(name).startsWith(basename(path))) this.poll();
      });
      this.watcher.on("error", () => {});
    } catch {
      /* polling alone */
    }
    this.timer = setInterval(() => this.poll(), 250);
    this.timer.unref();
    this.poll();
  }

  private open() {
    try {
      this.fd = openSync(this.path, "r");
      this.ino = fstatSync(this.fd).ino;
    } catch {
      this.fd = -1;
    }
  }

  private drain() {
    if (this.fd < 0) return;
    const chunk = Buffer.alloc(64 * 1024);
    const records: LogRecord[] = [];
    for (;;) {
      const n = readSync(this.fd, chunk, 0, chunk.length, this.offset);
      if (n <= 0) break;
      this.offset += n;
      const data = Buffer.concat([this.pending, chunk.subarray(0, n)]);
      const used = splitLines(data, records);
      this.pending = Buffer.from(data.subarray(used));
    }
    if (records.length) this.onRecords(records);
  }

  /** Reads whatever is new now (also called when the container has exited, to take the last lines). */
  poll() {
    if (this.closed) return;
    if (this.fd < 0) {
      this.open();
      if (this.fd < 0) return;
    }
    this.drain();
    let ino = 0;
    try {
      ino = statSync(this.path).ino;
    } catch {
      return;
    }
    if (ino !== this.ino) {
      this.drain();
      closeSync(this.fd);
      this.offset = 0;
      this.pending = Buffer.alloc(0);
      this.open();
      this.drain();
    }
  }

  close() {
    if (this.closed) return;
    this.poll();
    this.closed = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** The current log file's size: where a follower starts to see only what comes next. */
export function logSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
