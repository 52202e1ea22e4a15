// A log record keeps its framing (stream, engine time, line, partial) from the CRI file to every place a user reads
// it. One busybox container writes a 20 KiB line the monitor splits (a 16 KiB partial record, then the rest after a
// pause), with a stderr line written in that pause, then 97 short lines and a last line without a newline. The REST
// logs, the browser's viewer (over the /browser socket, in Chromium) and `gantry logs` each show that line whole —
// with its stream and the engine time of its first piece — with `tail` counting lines (the last 100 start at the
// stderr line, not in the middle of the long one), and the unfinished last line without a newline.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { launchBrowser, signedInPage } from "../support/browser";
import { api } from "../support/session";
import { waitFor } from "../support/agent";
import { gantry } from "../cli/support";

const A = "a".repeat(17 * 1024);
const B = "b".repeat(3 * 1024);
const LONG = A + B;
const NAME = "framing";
// The monitor writes a P record once 16 KiB of the line are in; the rest waits for its newline, 0.6 s later.
const SCRIPT = [
  `a=$(head -c ${A.length} /dev/zero | tr '\\0' a); b=$(head -c ${B.length} /dev/zero | tr '\\0' b)`,
  "echo before-1; echo before-2",
  `printf %s "$a"; sleep 0.3; echo err-between >&2; sleep 0.3; printf '%s\\n' "$b"`,
  'i=1; while [ $i -le 97 ]; do echo "after-$i"; i=$((i+1)); done',
  "printf no-newline",
].join("\n");

interface Line {
  stream: string;
  time: string | null;
  line: string;
  partial?: boolean;
}

let f: FleetHost;
let browser: Browser;
let token: string;
let home: string;

before(async () => {
  [f, browser] = await Promise.all([startFleetHost("glf"), launchBrowser()]);
  token = (await api(f.cp, f.ownerCookie).post("/api/v1/tokens", { name: "framing" })).body.token;
  home = mkdtempSync(join(tmpdir(), "gantry-framing-home-"));
  const r = await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${f.hostId}/containers`, { image: f.image, name: NAME, cmd: ["sh", "-c", SCRIPT], network: "none" });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await waitFor("the container to finish writing", async () => {
    const c = await api(f.cp, f.ownerCookie).get(`/api/v1/hosts/${f.hostId}/containers/${NAME}`);
    return (c.body.State?.Status ?? c.body.state) === "exited" || undefined;
  }, 20_000);
});

after(async () => {
  await browser?.close();
  await f?.destroy();
  if (home) rmSync(home, { recursive: true, force: true });
});

async function restLogs(query: string): Promise<Line[]> {
  const res = await fetch(`${f.cp.url}/api/v1/hosts/${f.hostId}/containers/${NAME}/logs${query}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  const lines = (await res.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l));
  assert.deepEqual(lines.at(-1), { end: true });
  return lines.slice(0, -1);
}

const after97 = Array.from({ length: 97 }, (_, i) => `after-${i + 1}`);

test("REST: whole lines with their stream and engine time, partial only for the unfinished last line; tail counts lines", async () => {
  const all = await restLogs("");
  const stdout = all.filter((l) => l.stream === "stdout");
  assert.deepEqual(stdout.map((l) => l.line), ["before-1", "before-2", LONG, ...after97, "no-newline"]);
  assert.deepEqual(all.filter((l) => l.stream === "stderr").map((l) => l.line), ["err-between"]);
  assert.deepEqual(all.map((l) => l.partial), all.map((l) => l.line === "no-newline"), "only the last line is partial");
  assert.ok(all.every((l) => typeof l.time === "string" && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(l.time)), "each line has the engine's time");
  const long = all.find((l) => l.line === LONG)!;
  const err = all.find((l) => l.stream === "stderr")!;
  // The long line's time is its first piece's (written before the stderr line), not its last's.
  assert.ok(long.time! < err.time!, `${long.time} < ${err.time}`);

  const tail = await restLogs("?tail=100");
  assert.equal(tail.length, 100);
  assert.deepEqual(tail.slice(0, 2).map((l) => [l.stream, l.line.length]), [["stderr", "err-between".length], ["stdout", LONG.length]], "the tail starts at a whole line");
  assert.deepEqual(tail[1], long);
});

test("gantry logs: each stream's bytes as written — the long line whole, no newline added to the last line; -t shows the engine time", async () => {
  const env = { GANTRY_URL: f.cp.url, GANTRY_TOKEN: token };
  const r = await gantry(home, ["logs", `${f.hostId}/${NAME}`], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, ["before-1", "before-2", LONG, ...after97].join("\n") + "\nno-newline");
  assert.equal(r.stderr, "err-between\n");

  const t = await gantry(home, ["logs", "-t", "--tail", "100", `${f.hostId}/${NAME}`], env);
  assert.equal(t.code, 0, t.stderr);
  const long = (await restLogs("")).find((l) => l.line === LONG)!;
  const out = t.stdout.split("\n");
  assert.equal(out[0], `${long.time} ${LONG}`);
  assert.equal(out.length, 99, "the long line, 97 short ones and the last without a newline");
  assert.match(t.stderr, /^\S+Z err-between\n$/);
});

test("the browser's viewer (over the /browser socket): the long line is one row, with its stream and engine time", async () => {
  const long = (await restLogs("")).find((l) => l.line === LONG)!;
  const page = await signedInPage(browser, f.cp.url, f.ownerCookie);
  await page.goto(`${f.cp.url}/logs?c=${f.hostId}:${NAME}`);
  await page.getByText("The log ended").first().waitFor({ timeout: 20_000 });
  // The join of the two pieces ("…ab…") is in one row only, and that row is the whole line.
  await page.getByLabel("Search").fill("ab");
  const rows = () =>
    page.getByTestId("log-line").evaluateAll((els) =>
      els.map((el) => ({
        stream: el.getAttribute("data-stream"),
        time: el.getAttribute("data-time"),
        text: el.querySelector('[data-testid="log-text"]')?.textContent ?? "",
      })),
    );
  const shown = await waitFor("the search's rows", async () => {
    const r = await rows();
    return r.length === 1 || r.every((x) => x.text.includes("ab")) ? r : undefined;
  }, 10_000);
  assert.deepEqual(shown, [{ stream: "stdout", time: long.time, text: LONG }]);
  await page.getByLabel("Search").fill("newline");
  const last = await waitFor("the last line", async () => {
    const r = await rows();
    return r.length && r.every((x) => x.text.includes("newline")) ? r : undefined;
  }, 10_000);
  assert.deepEqual(last.map((x) => x.text), ["no-newline"]);
  await page.context().close();
});
