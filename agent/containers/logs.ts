// Reading the monitor's CRI log ("<RFC3339Nano> <stdout|stderr> <F|P> <content>" per line, rotated to LOG.1 … LOG.N):
// every record oldest first across the rotated files, filtered by stream, time and tail, and a reader that keeps
// reading as the monitor appends and rotates, holding the files it reads open so a rotation loses nothing — and reads
// only as fast as its consumer takes the records, so a consumer that stalls costs what one read holds, not the log.
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

/** How much of a file a reader takes at once, and how many records it hands over at once. */
const READ_BYTES = 64 * 1024;
const BATCH_RECORDS = 128;

export interface LogReadOptions {
  /** The rotated files kept beside the log (LOG.1 … LOG.N), read first when starting from the history. */
  maxFiles: number;
  /**
   * Where to start: the whole history ("all": the rotated files, oldest first, then the log), its last `tail`
   * records, or a byte offset of the current log (from readLogUpTo's `end`, or its size to see only what comes next).
   */
  start: "all" | { tail: number } | { offset: number };
  /** Go on reading what is appended (across rotations) until `writerDone()`; else end at the end of the log. */
  follow: boolean;
  /** Only records at or after / at or before these times (seconds since the epoch). */
  since?: number;
  until?: number;
}

interface OpenFile {
  fd: number;
  ino: number;
}

function openLog(path: string): OpenFile | null {
  try {
    const fd = openSync(path, "r");
    return { fd, ino: fstatSync(fd).ino };
  } catch {
    return null;
  }
}

/**
 * Reads a container's log as its consumer takes it. Records are handed over a few at a time, and `pause()` stops the
 * reading: what a paused reader holds is the part of one read it has not handed over yet (raw bytes, at most
 * READ_BYTES and a line), never records — the file is the buffer. Every file it will read is held open from the
 * moment it knows of it, so a rotation meanwhile loses nothing: once the log names another file, the rest of the one
 * held is read, then the files that came after it (found among LOG.1 … LOG.N by inode), then the new log.
 */
export class LogReader {
  /** Files still to read, the one being read first. */
  private files: OpenFile[] = [];
  private offset = 0;
  /** Bytes read and not handed over yet: buf[pos..]. */
  private buf = Buffer.alloc(0);
  private pos = 0;
  private paused = false;
  private closed = false;
  private writing: boolean;
  private pumping = false;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly path: string,
    private readonly opts: LogReadOptions,
    private readonly onRecords: (records: LogRecord[]) => void,
    private readonly onEnd: () => void = () => {},
  ) {
    this.writing = opts.follow;
    const start = opts.start;
    if (start === "all" || "tail" in start) {
      for (let i = opts.maxFiles; i >= 1; i--) {
        const f = openLog(`${path}.${i}`);
        if (f) this.files.push(f);
      }
    }
    const current = openLog(path);
    if (current) this.files.push(current);
    if (start !== "all" && "offset" in start) this.offset = start.offset;
    else if (start !== "all") this.seekTail(start.tail);
    if (opts.follow) {
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
    }
    // The first records go out once the caller holds the reader (it may pause at the first of them).
    setImmediate(() => this.poll());
  }

  pause() {
    this.paused = true;
  }

  resume() {
    if (!this.paused) return;
    this.paused = false;
    this.poll();
  }

  /** The writer finished (the container stopped): read what is left (as the consumer takes it), then end. */
  writerDone() {
    this.writing = false;
    this.poll();
  }

  /** Stops without ending (the consumer went away). */
  close() {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    for (const f of this.files) closeSync(f.fd);
    this.files = [];
    this.buf = Buffer.alloc(0);
    this.pos = 0;
  }

  private end() {
    if (this.closed) return;
    this.close();
    this.onEnd();
  }

  private keep(r: LogRecord): boolean {
    if (this.opts.since !== undefined && r.ms / 1000 < this.opts.since) return false;
    if (this.opts.until !== undefined && r.ms / 1000 > this.opts.until) return false;
    return true;
  }

  /**
   * Positions the reader at the last `tail` lines (counted among the records the time filter keeps): a line is a
   * stream's run of P records up to its F record, or a stream's P records at the end (a line still being written).
   * The start is put where no stream is inside a line, so the first line read is whole — a line split into P records
   * is never cut to its last piece (a line of another stream finished in between is read too).
   */
  private seekTail(tail: number) {
    const at = (file: number, offset: number) => {
      for (const f of this.files.splice(0, file)) closeSync(f.fd);
      this.offset = offset;
    };
    if (tail <= 0) {
      if (!this.files.length) return at(0, 0);
      const last = this.files.length - 1;
      return at(last, this.lastLineEnd(this.files[last]!.fd, fstatSync(this.files[last]!.fd).size));
    }
    let need = tail;
    /** Streams whose earlier records were seen (so a P record of theirs is a continuation, not a line's end). */
    const later = { stdout: false, stderr: false };
    /** Once counted: the start of the region, and per stream whether its record before the start is known to end a line. */
    let start: { file: number; offset: number } | null = null;
    let decided = { stdout: false, stderr: false };
    for (const { file, offset, rec } of this.recordsBackward()) {
      if (!rec || !this.keep(rec)) continue;
      if (start === null) {
        if (!rec.partial || !later[rec.stream]) need--;
        later[rec.stream] = true;
        if (need === 0) start = { file, offset };
        continue;
      }
      // Counted: is a stream inside a line at `start`? Its nearest record before it says (a P record: yes).
      if (decided[rec.stream]) continue;
      if (rec.partial) {
        // Its line goes on after `start`: the start moves to it, and the question is asked again there.
        start = { file, offset };
        decided = { stdout: false, stderr: false };
        continue;
      }
      decided[rec.stream] = true;
      if (decided.stdout && decided.stderr) break;
    }
    if (start) at(start.file, start.offset);
    else at(0, 0);
  }

  /** The records of the files, newest first, each with its file's index and its offset in it (null: not a record). */
  private *recordsBackward(): Generator<{ file: number; offset: number; rec: LogRecord | null }> {
    for (let f = this.files.length - 1; f >= 0; f--) {
      const fd = this.files[f]!.fd;
      let pos = fstatSync(fd).size;
      // Lines end in "\n"; what follows the last one (a line still being written) is not a record yet.
      let end = -1; // just past the newline of the line being looked at; -1 until the file's last newline
      let carry = Buffer.alloc(0); // the bytes [pos, end): a line whose start is in an earlier block
      while (pos > 0) {
        const start = Math.max(0, pos - READ_BYTES);
        const block = Buffer.alloc(pos - start);
        readSync(fd, block, 0, block.length, start);
        const buf = carry.length ? Buffer.concat([block, carry]) : block;
        for (let i = buf.length; ; ) {
          const nl = i > 0 ? buf.lastIndexOf(0x0a, i - 1) : -1;
          if (nl < 0) break;
          if (end >= 0) yield { file: f, offset: start + nl + 1, rec: parseRecord(buf.subarray(nl + 1, end - start - 1)) };
          end = start + nl + 1;
          i = nl;
        }
        carry = end >= 0 ? buf.subarray(0, end - start) : Buffer.alloc(0);
        pos = start;
      }
      // The file's first line.
      if (end > 0) yield { file: f, offset: 0, rec: parseRecord(carry.subarray(0, end - 1)) };
    }
  }

  /** The offset just past the last newline of the first `size` bytes of FD. */
  private lastLineEnd(fd: number, size: number): number {
    for (let pos = size; pos > 0; ) {
      const start = Math.max(0, pos - READ_BYTES);
      const block = Buffer.alloc(pos - start);
      readSync(fd, block, 0, block.length, start);
      const nl = block.lastIndexOf(0x0a);
      if (nl >= 0) return start + nl + 1;
      pos = start;
    }
    return 0;
  }

  /** Reads and hands over what there is, as long as the consumer is not paused. */
  poll() {
    if (this.closed || this.paused || this.pumping) return;
    this.pumping = true;
    try {
      this.pump();
    } finally {
      this.pumping = false;
    }
  }

  private pump() {
    while (!this.closed && !this.paused) {
      // What is already read goes first, a batch at a time.
      const records: LogRecord[] = [];
      while (records.length < BATCH_RECORDS) {
        const nl = this.buf.indexOf(0x0a, this.pos);
        if (nl < 0) break;
        const r = parseRecord(this.buf.subarray(this.pos, nl));
        this.pos = nl + 1;
        if (r && this.keep(r)) records.push(r);
      }
      if (records.length) {
        this.onRecords(records);
        continue;
      }
      if (this.buf.indexOf(0x0a, this.pos) >= 0) continue; // only filtered-out records so far
      if (!this.files.length) {
        // The log does not exist yet (a container that never ran).
        const f = this.opts.follow && this.writing ? openLog(this.path) : null;
        if (!f) return this.opts.follow && this.writing ? undefined : this.end();
        this.files.push(f);
        this.offset = 0;
      }
      const cur = this.files[0]!;
      const chunk = Buffer.allocUnsafe(READ_BYTES);
      const n = readSync(cur.fd, chunk, 0, chunk.length, this.offset);
      if (n > 0) {
        this.offset += n;
        const rest = this.buf.subarray(this.pos);
        this.buf = rest.length ? Buffer.concat([rest, chunk.subarray(0, n)]) : chunk.subarray(0, n);
        this.pos = 0;
        continue;
      }
      // The end of this file: on to the next one, if there is one (a record never spans two files).
      if (this.files.length > 1) {
        closeSync(this.files.shift()!.fd);
        this.offset = 0;
        this.buf = Buffer.alloc(0);
        this.pos = 0;
        continue;
      }
      if (!this.opts.follow || !this.writing) return this.end();
      if (this.rotated()) continue; // what was written to the old file meanwhile is read first
      return; // more later: the watcher and the timer call poll()
    }
  }

  /** Whether the log now names another file than the one held; if so, the files after it are queued. */
  private rotated(): boolean {
    const cur = this.files[0]!;
    let ino: number;
    try {
      ino = statSync(this.path).ino;
    } catch {
      return false;
    }
    if (ino === cur.ino) return false;
    // Where did the held file go? LOG.k: then LOG.(k-1) … LOG.1 came after it. Gone (rotated out): all that is left did.
    let k = this.opts.maxFiles + 1;
    for (let i = 1; i <= this.opts.maxFiles; i++) {
      try {
        if (statSync(`${this.path}.${i}`).ino === cur.ino) {
          k = i;
          break;
        }
      } catch {
        // not there
      }
    }
    for (let i = Math.min(k, this.opts.maxFiles + 1) - 1; i >= 1; i--) {
      const f = openLog(`${this.path}.${i}`);
      if (f) this.files.push(f);
    }
    const f = openLog(this.path);
    if (f) this.files.push(f);
    return true;
  }
}

/**
 * Follows the log from a byte offset of the current file: `onRecords` gets what is appended, across rotations.
 * `poll()` reads what is new now (also called when the container has exited, to take the last lines).
 */
export class LogFollower {
  private readonly reader: LogReader;

  constructor(path: string, fromOffset: number, onRecords: (records: LogRecord[]) => void, maxFiles = 0) {
    this.reader = new LogReader(path, { maxFiles, start: { offset: fromOffset }, follow: true }, onRecords);
  }

  poll() {
    this.reader.poll();
  }

  close() {
    this.reader.poll();
    this.reader.close();
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
