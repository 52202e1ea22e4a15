// The log reader every `docker logs` and control-plane log stream goes through: the history across rotated files, its
// tail (counted in lines among the records since/until keep — a line split into P records is read whole), a follower that waits while paused — holding no records — and,
// resumed after the monitor rotated twice meanwhile, reads every file in order without losing a line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogReader, type LogReadOptions, type LogRecord } from "../../agent/containers/logs";

const line = (sec: number, text: string, stream = "stdout") => `2026-01-01T00:00:${String(sec).padStart(2, "0")}Z ${stream} F ${text}\n`;
const tick = () => new Promise((r) => setImmediate(r));

function read(log: string, opts: Partial<LogReadOptions>): Promise<string[]> {
  return new Promise((resolve) => {
    const got: string[] = [];
    new LogReader(log, { maxFiles: 3, start: "all", follow: false, ...opts }, (rs) => got.push(...rs.map((r) => r.content.toString())), () => resolve(got));
  });
}

test("history: rotated files oldest first, a tail across them, since/until, a line still being written left out", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-logreader-"));
  try {
    const log = join(dir, "container.log");
    writeFileSync(`${log}.2`, line(1, "a") + line(2, "b"));
    writeFileSync(`${log}.1`, line(3, "c") + "not a record\n" + line(4, "d"));
    writeFileSync(log, line(5, "e") + line(6, "f", "stderr") + "2026-01-01T00:00:07Z stdout F unfinis");
    assert.deepEqual(await read(log, {}), ["a", "b", "c", "d", "e", "f"]);
    assert.deepEqual(await read(log, { start: { tail: 3 } }), ["d", "e", "f"]);
    assert.deepEqual(await read(log, { start: { tail: 5 } }), ["b", "c", "d", "e", "f"], "the unparseable line is not counted");
    assert.deepEqual(await read(log, { start: { tail: 100 } }), ["a", "b", "c", "d", "e", "f"]);
    assert.deepEqual(await read(log, { start: { tail: 0 } }), []);
    const since = Date.parse("2026-01-01T00:00:03Z") / 1000;
    const until = Date.parse("2026-01-01T00:00:05Z") / 1000;
    assert.deepEqual(await read(log, { since, until }), ["c", "d", "e"]);
    assert.deepEqual(await read(log, { since, until, start: { tail: 2 } }), ["d", "e"], "the tail of what the times keep");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a tail counts lines, not records: a line split into P records is read whole, across files and with the other stream between", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-logreader-"));
  const rec = (sec: number, stream: string, tag: "F" | "P", text: string) => `2026-01-01T00:00:${String(sec).padStart(2, "0")}Z ${stream} ${tag} ${text}\n`;
  try {
    const log = join(dir, "container.log");
    // stdout: "x1x2x3" in three records (the first in the rotated file), stderr's "e1" and "e2" between them.
    writeFileSync(`${log}.1`, rec(1, "stdout", "F", "o0") + rec(2, "stdout", "P", "x1"));
    writeFileSync(log, rec(3, "stderr", "F", "e1") + rec(4, "stdout", "P", "x2") + rec(5, "stderr", "F", "e2") + rec(6, "stdout", "F", "x3") + rec(7, "stdout", "P", "tail"));
    // The last 2 lines: stdout's unfinished "tail" and "x1x2x3" — from its first piece, which takes e1 and e2 along.
    assert.deepEqual(await read(log, { start: { tail: 2 } }), ["x1", "e1", "x2", "e2", "x3", "tail"]);
    assert.deepEqual(await read(log, { start: { tail: 1 } }), ["tail"]);
    assert.deepEqual(await read(log, { start: { tail: 3 } }), ["x1", "e1", "x2", "e2", "x3", "tail"], "e2 is the third line; x3's line started before it");
    assert.deepEqual(await read(log, { start: { tail: 5 } }), ["o0", "x1", "e1", "x2", "e2", "x3", "tail"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a paused follower reads nothing, holds no records, and resumed after two rotations loses no line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-logreader-"));
  try {
    const log = join(dir, "container.log");
    writeFileSync(log, line(1, "first"));
    const got: LogRecord[] = [];
    let ended = false;
    let calls = 0;
    const r = new LogReader(log, { maxFiles: 3, start: "all", follow: true }, (rs) => (calls++, got.push(...rs)), () => (ended = true));
    await tick();
    assert.deepEqual(got.map((g) => g.content.toString()), ["first"]);
    r.pause();
    // 1,000 lines, then the monitor's rotation (LOG → LOG.1), more, another rotation, more.
    appendFileSync(log, Array.from({ length: 1000 }, (_, i) => line(2, `x${i}`)).join(""));
    renameSync(log, `${log}.1`);
    writeFileSync(log, line(3, "second-file"));
    renameSync(`${log}.1`, `${log}.2`);
    renameSync(log, `${log}.1`);
    writeFileSync(log, line(4, "third-file"));
    r.poll();
    await new Promise((res) => setTimeout(res, 300)); // the follower's timer comes by meanwhile
    assert.equal(got.length, 1, "nothing read while paused");
    r.resume();
    const texts = got.map((g) => g.content.toString());
    assert.deepEqual(texts, ["first", ...Array.from({ length: 1000 }, (_, i) => `x${i}`), "second-file", "third-file"]);
    assert.ok(calls > 1000 / 128, "handed over a batch at a time");
    assert.equal(ended, false);
    appendFileSync(log, line(5, "last"));
    r.writerDone();
    assert.equal(got.at(-1)!.content.toString(), "last");
    assert.equal(ended, true, "the writer done and everything read: the end");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a reader paused in the middle of a read ends only once resumed and drained", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-logreader-"));
  try {
    const log = join(dir, "container.log");
    writeFileSync(log, Array.from({ length: 500 }, (_, i) => line(1, `l${i}`)).join(""));
    let n = 0;
    let ended = false;
    const r: LogReader = new LogReader(log, { maxFiles: 3, start: "all", follow: true }, (rs) => {
      n += rs.length;
      r.pause();
    }, () => (ended = true));
    await tick();
    assert.equal(n, 128, "one batch, then paused");
    r.writerDone();
    assert.equal(ended, false);
    while (!ended) r.resume();
    assert.equal(n, 500);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
