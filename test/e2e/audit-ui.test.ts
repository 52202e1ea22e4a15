// The audit page in Chromium against a real control plane: the filters (who, area, outcome, time) narrow the rows and
// live in the URL; a failed sign-in made while the page is open appears without a reload (the live tail); the export
// links carry the filters and give the same rows; "Verify the record" says the chain is intact.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { launchBrowser, signedInPage } from "../support/browser";
import { api, setupOwner, signIn, trySignIn, userSession, type TestUser } from "../support/session";
import { waitFor } from "../support/agent";

let cp: ControlPlane;
let browser: Browser;
let ownerCookie: string;
let operator: TestUser;

before(async () => {
  [cp, browser] = await Promise.all([startControlPlane(), launchBrowser()]);
  const owner = await setupOwner(cp);
  ownerCookie = await signIn(cp, owner.email, owner.password);
  operator = (await userSession(cp, ownerCookie, "operator")).user;
  assert.equal((await trySignIn(cp, operator.email, "wrong-password-1")).ok, false);
  assert.equal((await api(cp, ownerCookie).post("/api/v1/tokens", { name: "audit-ui" })).status, 201);
});

after(async () => {
  await browser?.close();
  await cp?.destroy();
});

test("the audit page's filters, live tail, export and verify", async () => {
  const errors: string[] = [];
  const page = await signedInPage(browser, cp.url, ownerCookie, { errors });
  await page.goto(`${cp.url}/activity`);
  const texts = () => page.getByTestId("activity-text").allTextContents();
  await page.getByTestId("activity-live").and(page.locator('[data-state="live"]')).waitFor();

  // Who: the operator's rows only — their account's creation is the owner's, so it is not among them.
  await page.getByLabel("Who").fill(operator.email);
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL((u) => u.searchParams.get("who") === operator.email);
  const mine = await waitFor("the operator's rows", async () => {
    const t = await texts();
    return t.length >= 2 && t.every((x) => x.startsWith(operator.email)) ? t : undefined;
  });
  assert.ok(mine.some((t) => t.includes("tried to sign in to Gantry (password) — failed (wrong_password)")), JSON.stringify(mine));
  assert.ok(mine.some((t) => t.includes("signed in to Gantry")), JSON.stringify(mine));

  // Area and outcome on top.
  await page.getByLabel("Show").selectOption("auth.");
  await page.waitForURL((u) => u.searchParams.get("action") === "auth." && u.searchParams.get("who") === operator.email);
  await page.getByLabel("Outcome").fill("wrong_password");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL((u) => u.searchParams.get("outcome") === "wrong_password");
  await waitFor("one failed sign-in", async () => ((await texts()).length === 1 ? true : undefined));

  // Live: another failed sign-in appears without a reload.
  await page.getByTestId("activity-live").and(page.locator('[data-state="live"]')).waitFor();
  assert.equal((await trySignIn(cp, operator.email, "wrong-password-2")).ok, false);
  await waitFor("the new failed sign-in on the open page", async () => ((await texts()).length === 2 ? true : undefined), 10_000);
  await page.getByText("(+1 new)").waitFor();

  // The export carries the filters.
  const href = await page.getByRole("link", { name: "Export JSON" }).getAttribute("href");
  const exported = new URL(href!, cp.url);
  assert.equal(exported.searchParams.get("who"), operator.email);
  assert.equal(exported.searchParams.get("outcome"), "wrong_password");
  const rows = (await (await page.request.get(exported.toString())).json()) as Array<{ action: string; outcome: string; userEmail: string }>;
  assert.equal(rows.length, 2);
  assert.ok(rows.every((r) => r.action === "auth.sign-in" && r.outcome === "wrong_password" && r.userEmail === operator.email));

  // A time range that ends before anything was written.
  await page.getByLabel("Until").fill("2001-01-01T00:00");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL((u) => (u.searchParams.get("to") ?? "").startsWith("2001-01-01") || (u.searchParams.get("to") ?? "").startsWith("2000-12-31"));
  await page.getByText("Nothing recorded that matches.").waitFor();

  await page.getByRole("button", { name: "Verify the record" }).click();
  await page.getByTestId("audit-verify").getByText(/^Intact: \d+ records checked\.$/).waitFor();
  assert.deepEqual(errors, []);
  await page.context().close();
});
