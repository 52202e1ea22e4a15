// The logs viewer's pure parts: ANSI colours parsed into styled segments (and other escapes dropped, never HTML),
// search by substring or regular expression with highlight ranges, lines of several containers merged by the engine's
// time in a bounded buffer, the `c` parameters, and the downloaded file's text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { applySgr, colour256, parseAnsi, stripAnsi, BASIC_COLOURS } from "../../lib/logs/ansi";
import { compileSearch, markSegments } from "../../lib/logs/search";
import { LogBuffer, parseEngineTime } from "../../lib/logs/log-buffer";
import { parseSources, MAX_SOURCES } from "../../lib/logs/sources";
import { logFileName, logFileText, shortTime } from "../../lib/logs/download";

const ESC = "\x1b";

test("ansi: 16 colours, bright colours, backgrounds, attributes and reset", () => {
  assert.deepEqual(parseAnsi(`a${ESC}[31mred${ESC}[0m b`), [
    { text: "a", style: {} },
    { text: "red", style: { fg: BASIC_COLOURS[1] } },
    { text: " b", style: {} },
  ]);
  assert.deepEqual(parseAnsi(`${ESC}[1;4;3;2;92;104mx`), [{ text: "x", style: { bold: true, underline: true, italic: true, dim: true, fg: BASIC_COLOURS[10], bg: BASIC_COLOURS[12] } }]);
  assert.deepEqual(applySgr({ bold: true, dim: true, italic: true, underline: true, fg: "#000000", bg: "#ffffff" }, "22;23;24;39;49"), {});
  assert.deepEqual(applySgr({ bold: true, fg: "#000000" }, ""), {}, "ESC[m is a reset");
  assert.deepEqual(applySgr({ fg: "#000000" }, "1;;4"), { underline: true }, "an empty parameter is 0 (reset)");
  assert.deepEqual(applySgr({}, "5;7;9"), {}, "blink, reverse and strike are ignored");
});

test("ansi: 256-colour and truecolor, semicolon and colon forms; malformed ones change nothing", () => {
  assert.equal(colour256(1), BASIC_COLOURS[1]);
  assert.equal(colour256(16), "#000000");
  assert.equal(colour256(196), "#ff0000");
  assert.equal(colour256(231), "#ffffff");
  assert.equal(colour256(232), "#080808");
  assert.equal(colour256(255), "#eeeeee");
  assert.deepEqual(applySgr({}, "38;5;208"), { fg: colour256(208) });
  assert.deepEqual(applySgr({}, "48;5;21;1"), { bg: colour256(21), bold: true });
  assert.deepEqual(applySgr({}, "38;2;10;20;30;48;2;255;0;128"), { fg: "#0a141e", bg: "#ff0080" });
  assert.deepEqual(applySgr({}, "38:2::1:2:3"), { fg: "#010203" });
  assert.deepEqual(applySgr({}, "38:2:1:2:3"), { fg: "#010203" });
  assert.deepEqual(applySgr({}, "38:5:9;1"), { fg: BASIC_COLOURS[9], bold: true });
  assert.deepEqual(applySgr({ fg: "#111111" }, "38;5;300"), { fg: "#111111" }, "an index out of range is ignored");
  assert.deepEqual(applySgr({}, "38;2;1;2"), {}, "a truncated truecolor is ignored");
});

test("ansi: other escape sequences and control characters are stripped; markup stays text", () => {
  const line = `${ESC}[2J${ESC}[10;5H${ESC}]0;title${"\x07"}${ESC}]8;;http://x${ESC}\\link${ESC}]8;;${ESC}\\${ESC}(B${ESC}[?25lok\x00\x08\x7f${ESC}[32m<b>&amp;</b>`;
  const segs = parseAnsi(line);
  assert.deepEqual(segs, [
    { text: "linkok", style: {} },
    { text: "<b>&amp;</b>", style: { fg: BASIC_COLOURS[2] } },
  ]);
  assert.equal(stripAnsi(line), "linkok<b>&amp;</b>");
  assert.equal(stripAnsi("plain\ttext"), "plain\ttext", "tabs stay");
  assert.deepEqual(parseAnsi(`x${ESC}`), [{ text: "x", style: {} }], "a lone ESC at the end goes");
  assert.deepEqual(parseAnsi(""), []);
  const plain = "no escapes";
  assert.equal(parseAnsi(plain)[0].text, plain);
});

test("search: case-insensitive substring; regular expressions; a bad one is refused with the reason", () => {
  const s = compileSearch("ERR", { regex: false });
  assert.ok(s.ok);
  assert.equal(s.test("an error here"), true);
  assert.equal(s.test("fine"), false);
  assert.deepEqual(s.ranges("err Err eRR"), [[0, 3], [4, 7], [8, 11]]);
  const lit = compileSearch("a.b(", { regex: false });
  assert.ok(lit.ok && lit.test("xA.B(y") && !lit.test("axb("), "a substring is taken literally");
  const r = compileSearch("^GET /\\d+", { regex: true });
  assert.ok(r.ok);
  assert.equal(r.test("get /42 ok"), true);
  assert.equal(r.test("POST /42"), false);
  assert.deepEqual(r.ranges("GET /1 GET /2"), [[0, 6]]);
  const empty = compileSearch("x*", { regex: true });
  assert.ok(empty.ok);
  assert.deepEqual(empty.ranges("axxb"), [[1, 3]], "empty matches are stepped over");
  const bad = compileSearch("(unclosed", { regex: true });
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.error : "", /^Invalid regular expression: .*(unterminated group|Unterminated group)/);
  const none = compileSearch("", { regex: true });
  assert.ok(none.ok && none.empty && none.test("anything"));
});

test("search: matches are marked across styled segments", () => {
  const segs = parseAnsi(`ab${ESC}[31mcd${ESC}[0mef`);
  const marked = markSegments(segs, [[1, 3], [5, 6]]);
  assert.deepEqual(
    marked.map((m) => [m.text, m.mark, m.style.fg ?? null]),
    [
      ["a", false, null],
      ["b", true, null],
      ["c", true, BASIC_COLOURS[1]],
      ["d", false, BASIC_COLOURS[1]],
      ["e", false, null],
      ["f", true, null],
    ],
  );
  assert.deepEqual(markSegments(segs, []).map((m) => m.text), ["ab", "cd", "ef"]);
});

test("engine times keep nanoseconds beyond the millisecond and any offset", () => {
  assert.equal(parseEngineTime("2026-11-23T21:30:00Z"), Date.UTC(2026, 10, 23, 21, 30, 0));
  const a = parseEngineTime("2026-11-23T21:30:00.123456789Z")!;
  assert.ok(Math.abs(a - (Date.UTC(2026, 10, 23, 21, 30, 0) + 123.456789)) < 1e-3);
  assert.ok(parseEngineTime("2026-11-23T21:30:00.123456790Z")! > a || parseEngineTime("2026-11-23T21:30:00.123457Z")! > a);
  assert.equal(parseEngineTime("2026-11-23T23:30:00.5+02:00"), Date.UTC(2026, 10, 23, 21, 30, 0) + 500);
  assert.equal(parseEngineTime("yesterday"), null);
});

test("buffer: two containers merged by engine time, ties in arrival order, text stripped", () => {
  const b = new LogBuffer(100);
  const T = (s: number) => `2026-11-23T21:30:0${Math.floor(s)}.${String(Math.round((s % 1) * 1e9)).padStart(9, "0")}Z`;
  b.add([
    { source: 0, stream: "stdout", time: T(1), raw: "a1" },
    { source: 0, stream: "stdout", time: T(3), raw: "a3" },
  ]);
  b.add([
    { source: 1, stream: "stderr", time: T(0.5), raw: `${ESC}[31mb0.5` },
    { source: 1, stream: "stdout", time: T(2), raw: "b2" },
    { source: 1, stream: "stdout", time: T(3), raw: "b3" },
    { source: 1, stream: "stdout", time: T(4.000001), raw: "b4" },
  ]);
  b.add([{ source: 0, stream: "stdout", time: T(4), raw: "a4" }]);
  assert.deepEqual(b.lines.map((l) => l.text), ["b0.5", "a1", "b2", "a3", "b3", "a4", "b4"]);
  assert.equal(b.lines[0].raw, `${ESC}[31mb0.5`);
  assert.equal(b.received, 7);
});

test("buffer: bounded — the oldest lines go and are counted", () => {
  const b = new LogBuffer(1000);
  for (let i = 0; i < 25; i++) b.add(Array.from({ length: 100 }, (_, j) => ({ source: 0, stream: "stdout" as const, time: null, raw: `line ${i * 100 + j}` })));
  assert.equal(b.lines.length, 1000);
  assert.equal(b.dropped, 1500);
  assert.equal(b.received, 2500);
  assert.equal(b.lines[0].text, "line 1500");
  assert.equal(b.lines[999].text, "line 2499");
  b.clear();
  assert.equal(b.lines.length + b.dropped + b.received, 0);
  assert.throws(() => new LogBuffer(0), /positive integer/);
});

test("sources: host:container pairs, bad ones named, duplicates once, a limit", () => {
  const { sources, errors } = parseSources(["1:web", "2:0123abcd", "1:web", "x:web", "3:", "3:a/b", "4:-bad"]);
  assert.deepEqual(sources, [
    { hostId: 1, container: "web" },
    { hostId: 2, container: "0123abcd" },
  ]);
  assert.equal(errors.length, 4);
  assert.match(errors[0], /"x:web" is not \{hostId\}:\{container\}/);
  const many = parseSources(Array.from({ length: MAX_SOURCES + 2 }, (_, i) => `1:c${i}`));
  assert.equal(many.sources.length, MAX_SOURCES);
  assert.equal(many.errors.length, 2);
});

test("download: the loaded lines as text, with container names when merged", () => {
  const b = new LogBuffer(10);
  b.add([
    { source: 0, stream: "stdout", time: "2026-11-23T21:30:00.1Z", raw: `${ESC}[1mhello` },
    { source: 1, stream: "stderr", time: "2026-11-23T21:30:00.2Z", raw: "oops" },
  ]);
  assert.equal(logFileText(b.lines, ["web", "db"]), "2026-11-23T21:30:00.1Z web stdout hello\n2026-11-23T21:30:00.2Z db stderr oops\n");
  assert.equal(logFileText(b.lines.slice(0, 1), ["web"]), "2026-11-23T21:30:00.1Z stdout hello\n");
  assert.equal(logFileName(["my web/1"], new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), "my_web_1-2026-01-02T03-04-05-000Z.log");
  assert.equal(logFileName(["a", "b"], new Date(0)), "merged-1970-01-01T00-00-00-000Z.log");
});

test("times shown to the millisecond in UTC", () => {
  assert.equal(shortTime("2026-11-23T21:30:00.123456789Z"), "2026-11-23 21:30:00.123");
  assert.equal(shortTime("2026-11-23T21:30:00Z"), "2026-11-23 21:30:00.000");
  assert.equal(shortTime("2026-11-23T23:30:00.5+02:00"), "2026-11-23 21:30:00.500");
  assert.equal(shortTime("soon"), "soon");
  assert.equal(shortTime(null), "");
});
