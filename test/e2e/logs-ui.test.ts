// The live logs viewer as a user meets it, in Debian's Chromium against a real control plane, agent and busybox
// containers: lines a running container writes arrive without a reload, stdout and stderr told apart and an ANSI red
// drawn red; search (text and regular expression, a bad one refused in words) filters and marks them; stdout/stderr can
// each be hidden; pause holds the view while new lines are counted and resume shows them; two containers (the second
// added from the picker) are merged by the engine's time; download gives the loaded lines; tail 100 vs all; a stopped
// container's log says it ended and can be reopened, a missing one says why; a viewer is refused in words.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { launchBrowser } from "../support/browser";
import { api, userSession } from "../support/session";
import { waitFor } from "../support/agent";
import { parseEngineTime } from "../../lib/logs/log-buffer";

let f: FleetHost;
let browser: Browser;
let viewerCookie: string;

before(async () => {
  [f, browser] = await Promise.all([startFleetHost("glg"), launchBrowser()]);
  viewerCookie = (await userSession(f.cp, f.ownerCookie, "viewer")).cookie;
});

after(async () => {
  await browser?.close();
  await f?.destroy();
});

async function signedInPage(cookie: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  await context.addCookies(
    cookie.split(/;\s*/).filter(Boolean).map((c) => {
      const eq = c.indexOf("=");
      return { name: c.slice(0, eq), value: c.slice(eq + 1), url: f.cp.url };
    }),
  );
  return context.newPage();
}

async function run(name: string, script: string, more: Record<string, unknown> = {}): Promise<string> {
  const r = await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${f.hostId}/containers`, { image: f.image, name, cmd: ["sh", "-c", script], network: "none", ...more });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}

interface Row {
  stream: string;
  container: string;
  time: string;
  text: string;
}

/** The rows drawn now (the list is virtualized: those in view). */
async function rows(page: Page): Promise<Row[]> {
  return page.getByTestId("log-line").evaluateAll((els) =>
    els
      .map((el) => ({
        top: parseFloat((el as HTMLElement).style.top),
        stream: el.getAttribute("data-stream") ?? "",
        container: el.getAttribute("data-container") ?? "",
        time: el.getAttribute("data-time") ?? "",
        text: el.querySelector('[data-testid="log-text"]')?.textContent ?? "",
      }))
      .sort((a, b) => a.top - b.top)
      .map(({ top: _top, ...r }) => r),
  );
}

const lastNumber = (rs: Row[], re: RegExp) => Math.max(-1, ...rs.map((r) => Number(re.exec(r.text)?.[1] ?? -1)));

test("live lines: stdout and stderr told apart, ANSI red drawn red, search and regex, stream filters, pause and resume", async () => {
  await run("logs-a", `i=0; while [ $i -lt 2000 ]; do i=$((i+1)); echo "out $i"; printf '\\033[31mred\\033[0m err %s\\n' $i >&2; sleep 0.1; done`);
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/logs?c=${f.hostId}:logs-a`);
  await page.getByRole("heading", { name: /^Logs: logs-a on / }).waitFor();
  const base = lastNumber(await rows(page), /^out (\d+)$/);
  // New lines arrive while the page stays open.
  await waitFor("lines written after the page opened", async () => lastNumber(await rows(page), /^out (\d+)$/) >= base + 5 || undefined, 20_000);
  const rs = await rows(page);
  const out = rs.find((r) => /^out \d+$/.test(r.text))!;
  const err = rs.find((r) => /^red err \d+$/.test(r.text))!;
  assert.equal(out.stream, "stdout");
  assert.equal(err.stream, "stderr", "the escape sequences are gone and the stream is stderr");
  assert.ok(rs.every((r) => !r.text.includes("\x1b") && !r.text.includes("[31m")));
  // Read in one go: rows come and go as lines arrive.
  const look = await waitFor("a stderr and a stdout row", () =>
    page.evaluate(() => {
      // (No named functions in here: tsx would wrap them in a helper the page does not have.)
      const all = [...document.querySelectorAll('[data-testid="log-line"]')].map((r) => [r, r.querySelector('[data-testid="log-text"]')?.textContent ?? ""] as const);
      const e = all.find((x) => /^red err \d+$/.test(x[1]))?.[0];
      const o = all.find((x) => /^out \d+$/.test(x[1]))?.[0];
      if (!e || !o) return undefined;
      return {
        errMarker: e.querySelector('[data-testid="log-stream"]')?.textContent,
        outMarker: o.querySelector('[data-testid="log-stream"]')?.textContent,
        spans: [...e.querySelectorAll('[data-testid="log-text"] > span')].map((s) => ({ text: s.textContent, color: getComputedStyle(s).color, style: s.getAttribute("style") })),
      };
    }),
  );
  assert.equal(look.errMarker, "err");
  assert.equal(look.outMarker, "out");
  assert.equal(look.spans.length, 2, JSON.stringify(look.spans));
  assert.deepEqual([look.spans[0]!.text, look.spans[0]!.color], ["red", "rgb(205, 0, 0)"], "ANSI red is drawn red");
  assert.match(look.spans[1]!.text!, /^ err \d+$/);
  assert.equal(look.spans[1]!.style, null, "the reset ends it");
  assert.match((await page.getByTestId("log-time").first().textContent())!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
  await page.getByLabel("Timestamps").uncheck();
  assert.equal(await page.getByTestId("log-time").count(), 0);
  await page.getByLabel("Timestamps").check();

  // Search: a substring in any case; every line shown has it, marked.
  await page.getByLabel("Search").fill("ERR 1");
  await waitFor("only matching lines", async () => {
    const r = await rows(page);
    return r.length > 0 && r.every((x) => /err 1/i.test(x.text)) ? r : undefined;
  });
  assert.match((await page.getByTestId("logs-count").textContent())!, /^Showing [\d,]+ of [\d,]+ lines$/);
  assert.equal(await page.getByTestId("log-line").first().locator("mark").first().textContent(), "err 1");
  // A regular expression, and a bad one refused with the reason.
  await page.getByLabel("Regular expression").check();
  await page.getByLabel("Search").fill("out (");
  await page.getByRole("alert").getByText(/^Invalid regular expression: .*/).waitFor();
  await page.getByLabel("Search").fill("^out [0-9]*5$");
  await waitFor("regex matches only", async () => {
    const r = await rows(page);
    return r.length > 0 && r.every((x) => /^out \d*5$/.test(x.text)) ? r : undefined;
  });
  assert.equal(await page.getByText(/^Invalid regular expression/).count(), 0);
  await page.getByLabel("Search").fill("");
  await page.getByLabel("Regular expression").uncheck();

  // stderr hidden, then stdout hidden.
  await page.getByLabel("stderr", { exact: true }).uncheck();
  await waitFor("no stderr rows", async () => (await rows(page)).every((r) => r.stream === "stdout") || undefined);
  await page.getByLabel("stderr", { exact: true }).check();
  await page.getByLabel("stdout", { exact: true }).uncheck();
  await waitFor("no stdout rows", async () => (await rows(page)).every((r) => r.stream === "stderr") || undefined);
  await page.getByLabel("stdout", { exact: true }).check();

  // Pause: the view holds still while lines keep arriving and are counted; resume shows them.
  await page.getByRole("button", { name: "Pause" }).click();
  const held = await rows(page);
  const heldLast = lastNumber(held, /^out (\d+)$/);
  await waitFor("new lines counted while paused", async () => {
    const m = /^(\d+) new lines?$/.exec((await page.getByTestId("logs-new-lines").textContent()) ?? "");
    return m && Number(m[1]) >= 6 ? m : undefined;
  });
  assert.deepEqual(await rows(page), held, "the paused view did not move");
  await page.getByRole("button", { name: "Resume" }).click();
  await waitFor("the newer lines shown", async () => lastNumber(await rows(page), /^out (\d+)$/) >= heldLast + 3 || undefined);
  assert.equal(await page.getByTestId("logs-new-lines").count(), 0);
  assert.equal(await page.getByTestId("logs-follow").getAttribute("data-state"), "following");
  await page.context().close();
});

test("two containers merged by the engine's time (the second added from the picker), then downloaded", async () => {
  // Both start writing at the same moment, once the page follows them both — the test says when, by a file in a volume
  // they share, after the page shows each one's "ready" (the agent is known to lose a line written in the instant a
  // follower opens, so the lines' completeness is checked on lines written after that). (They waited for a second 8 s
  // ahead before.)
  const until = "while [ ! -e /go/start ]; do sleep 0.05; done";
  const go = { volumes: [{ source: "logs-go", target: "/go" }] };
  await run("logs-b", `echo ready; ${until}; i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo "b $i"; sleep 0.05; done; sleep 600`, go);
  await run("logs-c", `echo ready >&2; ${until}; i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo "c $i" >&2; sleep 0.07; done; sleep 600`, go);
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/logs?c=${f.hostId}:logs-b`);
  await page.getByRole("heading", { name: /^Logs: logs-b on / }).waitFor();
  await waitFor("the picker lists logs-c", async () => (await page.getByLabel("Add container").locator("option", { hasText: "logs-c" }).count()) === 1 || undefined);
  await page.getByLabel("Add container").selectOption(`${f.hostId}:logs-c`);
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await page.getByRole("heading", { name: "Logs", exact: true }).waitFor();
  assert.equal(new URL(page.url()).searchParams.getAll("c").join(","), `${f.hostId}:logs-b,${f.hostId}:logs-c`);
  await waitFor("both followed (each one's ready shown)", async () => {
    const r = await rows(page);
    return r.some((x) => x.container === "logs-b" && x.text === "ready") && r.some((x) => x.container === "logs-c" && x.text === "ready") ? r : undefined;
  }, 20_000);
  await f.docker(["exec", "logs-b", "touch", "/go/start"]);
  await waitFor("lines of both, named", async () => {
    const r = await rows(page);
    return r.some((x) => x.container === "logs-b" && /^b \d+$/.test(x.text)) && r.some((x) => x.container === "logs-c" && /^c 2\d$/.test(x.text)) ? r : undefined;
  }, 20_000);
  const r = await rows(page);
  const times = r.map((x) => parseEngineTime(x.time)!);
  assert.deepEqual([...times].sort((a, b) => a - b), times, "the rows in view are in time order");
  const colours = await page.getByTestId("log-container").evaluateAll((els) => [...new Set(els.map((e) => `${e.textContent}=${getComputedStyle(e).color}`))].sort());
  assert.equal(colours.length, 2, `each container its own colour: ${colours}`);
  assert.notEqual(colours[0].split("=")[1], colours[1].split("=")[1]);
  assert.equal(await page.getByTestId("logs-source").count(), 2);

  // Download: what is loaded, in the same order, with names, streams and times.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download" }).click()]);
  assert.match(download.suggestedFilename(), /^merged-.*\.log$/);
  const text = readFileSync((await download.path())!, "utf8");
  const lines = text.trimEnd().split("\n");
  const parsed = lines.filter((l) => !/ ready$/.test(l)).map((l) => /^(\S+) (logs-b|logs-c) (stdout|stderr) (.*)$/.exec(l));
  assert.ok(parsed.every(Boolean), `every line is "time name stream text": ${lines.find((_, i) => !parsed[i])}`);
  assert.ok(parsed.some((m) => m![2] === "logs-b" && m![3] === "stdout" && /^b \d+$/.test(m![4])));
  assert.ok(parsed.some((m) => m![2] === "logs-c" && m![3] === "stderr" && /^c \d+$/.test(m![4])));
  const fileTimes = parsed.map((m) => parseEngineTime(m![1])!);
  assert.deepEqual([...fileTimes].sort((a, b) => a - b), fileTimes, "the file is in time order");
  for (const name of ["b", "c"]) {
    const ns = parsed.filter((m) => m![4].startsWith(`${name} `)).map((m) => Number(m![4].slice(2)));
    assert.deepEqual(ns, ns.map((_, i) => i + 1), `${name}'s lines all there, in order`);
  }
  // Removing one leaves the other.
  await page.getByRole("button", { name: "Remove logs-b" }).click();
  await page.getByRole("heading", { name: /^Logs: logs-c on / }).waitFor();
  await page.context().close();
});

test("tail 100 or all; a stopped container's log ends and says so; a missing one says why", async () => {
  await run("logs-d", `i=0; while [ $i -lt 150 ]; do i=$((i+1)); echo "d $i"; done; sleep 3`);
  const page = await signedInPage(f.ownerCookie);
  await page.goto(`${f.cp.url}/logs?c=${f.hostId}:logs-d`);
  await page.getByTestId("logs-count").getByText("100 lines", { exact: true }).waitFor();
  await page.getByLabel("Tail").selectOption("all");
  await page.getByTestId("logs-count").getByText("150 lines", { exact: true }).waitFor();
  assert.deepEqual((await rows(page)).at(-1)?.text, "d 150");
  await page.locator('[data-testid="logs-source-status"][data-state="ended"]').getByText("The log ended: the container is not running.").waitFor({ timeout: 20_000 });
  // Reopen reads the log again: all of it, and the end again.
  await page.getByRole("button", { name: "Reopen" }).click();
  await page.getByTestId("logs-count").getByText("150 lines", { exact: true }).waitFor();
  await page.locator('[data-testid="logs-source-status"][data-state="ended"]').waitFor();
  await page.context().close();

  const missing = await signedInPage(f.ownerCookie);
  await missing.goto(`${f.cp.url}/logs?c=${f.hostId}:no-such-box&c=bogus`);
  await missing.getByRole("alert").getByText(/Some containers in the address were not understood: "bogus" is not \{hostId\}:\{container\}/).waitFor();
  await missing.locator('[data-testid="logs-source-status"][data-state="failed"]').getByText(/^The log stopped: .*no-such-box/).waitFor();
  await missing.context().close();
});

test("a viewer is refused in words and gets no Logs link", async () => {
  const page = await signedInPage(viewerCookie);
  await page.goto(`${f.cp.url}/logs?c=${f.hostId}:logs-a`);
  await page.getByTestId("not-allowed").getByText("Reading logs needs the containers.logs right, which your role (viewer) does not have.").waitFor();
  assert.equal(await page.getByRole("log").count(), 0);
  assert.equal(await page.getByRole("link", { name: "Logs" }).count(), 0);
  await page.context().close();
});
