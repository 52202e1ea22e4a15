// Where sign-in lands, in Chromium on the real form: the home page (/), or the page a callbackUrl of this site names
// (a path, or an absolute URL of this origin) — never another site's, nor the sign-in or setup pages again.
import { test, before, after } from "node:test";
import type { Browser } from "playwright-core";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { launchBrowser } from "../support/browser";
import { createUser, setupOwner, signIn } from "../support/session";

let cp: ControlPlane;
let browser: Browser;

before(async () => {
  [cp, browser] = await Promise.all([startControlPlane(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await cp?.destroy();
});

test("sign-in lands on /, or where a callbackUrl of this site says; a foreign one is ignored", async () => {
  const owner = await setupOwner(cp);
  const viewer = await createUser(cp, await signIn(cp, owner.email, owner.password), { role: "viewer" });
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const cases: Array<[string | undefined, string, string]> = [
    [undefined, "/", ""],
    ["/containers?state=running", "/containers", "?state=running"],
    [`${cp.url}/images`, "/images", ""],
    ["https://evil.example/phish", "/", ""],
    ["//evil.example/phish", "/", ""],
    ["/signin", "/", ""],
  ];
  for (const [callbackUrl, pathname, search] of cases) {
    await ctx.clearCookies();
    await page.goto(`${cp.url}/signin${callbackUrl === undefined ? "" : `?callbackUrl=${encodeURIComponent(callbackUrl)}`}`);
    await page.getByLabel("Email").fill(viewer.email);
    await page.getByLabel("Password").fill(viewer.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((u) => u.origin === cp.url && u.pathname === pathname && u.search === search, { timeout: 15_000 });
  }
  // The home page itself, not a redirect through it.
  await page.goto(`${cp.url}/signin`);
  await page.waitForURL((u) => u.pathname === "/");
  await ctx.close();
});
