// The setup, sign-in and users pages in a real browser (Debian's Chromium): first-run setup with a too-short password
// then a good one, the users page (create dialog with a server-side error, role change, disable), sign-out, sign-in
// errors, what a viewer sees, and changing one's own password.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import pg from "pg";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { launchBrowser } from "../support/browser";
import { strongPassword, uniqueEmail } from "../support/session";

/** Sign-in's one answer to every failure (lib/users/verify-credentials.ts), as the form shows it. */
const WRONG = "Wrong email or password, or too many attempts: check them, or wait a few minutes.";

let cp: ControlPlane;
let browser: Browser;

before(async () => {
  [cp, browser] = await Promise.all([startControlPlane(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await cp?.destroy();
});

async function signInAs(page: Page, email: string, password: string) {
  await page.goto(`${cp.url}/signin`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("setup → users page → sign-out → sign-in, as a person would", { timeout: 180_000 }, async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const ownerEmail = uniqueEmail("owner");
  const ownerPassword = strongPassword();

  // Any signed-in page sends a fresh install to /setup.
  await page.goto(`${cp.url}/users`);
  assert.equal(new URL(page.url()).pathname, "/setup");
  await page.getByLabel("Name").fill("Ada Owner");
  await page.getByLabel("Email").fill(ownerEmail);
  await page.getByLabel("Password", { exact: true }).fill("too-short");
  await page.getByLabel("Password again").fill("too-short");
  await page.getByRole("button", { name: "Create owner account" }).click();
  await page.getByText("Use at least 12 characters.").waitFor();

  await page.getByLabel("Password", { exact: true }).fill(ownerPassword);
  await page.getByLabel("Password again").fill(ownerPassword + "x");
  await page.getByRole("button", { name: "Create owner account" }).click();
  await page.getByText("The two passwords differ.").waitFor();

  await page.getByLabel("Password again").fill(ownerPassword);
  await page.getByRole("button", { name: "Create owner account" }).click();
  await page.waitForURL((u) => u.pathname === "/hosts");

  // Signed in: the shell shows who and the Users link.
  await page.goto(`${cp.url}/users`);
  await page.getByRole("heading", { name: "Users" }).waitFor();
  assert.equal(await page.getByTestId("current-user").textContent(), "Ada Owner");
  assert.equal(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).getAttribute("aria-current"), "page");
  await page.getByRole("cell", { name: ownerEmail }).waitFor();

  // Create a user: first with a taken email (the server's message is shown in the dialog), then for real.
  await page.getByRole("button", { name: "Add user" }).click();
  const dialog = page.getByRole("dialog", { name: "Add user" });
  await dialog.getByLabel("Name").fill("Vic Viewer");
  await dialog.getByLabel("Email").fill(ownerEmail);
  await dialog.getByLabel("Initial password").fill("short");
  await dialog.getByRole("button", { name: "Create user" }).click();
  await dialog.getByText("password must be at least 12 characters").waitFor();
  await dialog.getByText("Check the highlighted fields.").waitFor();
  assert.equal(await dialog.getByLabel("Initial password").getAttribute("aria-invalid"), "true");
  const viewerPassword = strongPassword();
  await dialog.getByLabel("Initial password").fill(viewerPassword);
  await dialog.getByRole("button", { name: "Create user" }).click();
  await dialog.getByRole("alert").getByText(/already exists/).waitFor();
  const viewerEmail = uniqueEmail("viewer");
  await dialog.getByLabel("Email").fill(viewerEmail);
  await dialog.getByLabel("Role").selectOption("viewer");
  await dialog.getByRole("button", { name: "Create user" }).click();
  await page.getByRole("cell", { name: viewerEmail }).waitFor();
  assert.equal(await dialog.isVisible(), false, "the dialog closes");

  // Change the role, then disable and enable.
  const row = page.getByRole("row").filter({ hasText: viewerEmail });
  const saved = page.waitForResponse((r) => r.request().method() === "PATCH" && r.status() === 200);
  await row.getByLabel("Role of Vic Viewer").selectOption("operator");
  await saved;
  await page.reload();
  assert.equal(await row.getByLabel("Role of Vic Viewer").inputValue(), "operator", "the role change was saved");
  // Disabling asks first (it signs the user out everywhere): Cancel leaves the account active and sends nothing.
  let patches = 0;
  page.on("request", (r) => void (r.method() === "PATCH" && patches++));
  await row.getByRole("button", { name: "Disable Vic Viewer" }).click();
  const confirmDisable = page.getByRole("dialog", { name: "Disable Vic Viewer?" });
  await confirmDisable.getByText(`${viewerEmail} is signed out everywhere at once`).waitFor();
  await confirmDisable.getByRole("button", { name: "Cancel" }).click();
  await confirmDisable.waitFor({ state: "hidden" });
  assert.equal(patches, 0, "nothing was sent");
  await row.getByText("active", { exact: true }).waitFor();
  await row.getByRole("button", { name: "Disable Vic Viewer" }).click();
  await confirmDisable.getByRole("button", { name: "Disable user" }).click();
  await row.getByText("disabled", { exact: true }).waitFor();
  await confirmDisable.waitFor({ state: "hidden" });
  await row.getByRole("button", { name: "Enable Vic Viewer" }).click();
  await row.getByText("active", { exact: true }).waitFor();
  const savedBack = page.waitForResponse((r) => r.request().method() === "PATCH" && r.status() === 200);
  await row.getByLabel("Role of Vic Viewer").selectOption("viewer");
  await savedBack;

  // A new password for Vic, set from the row.
  await row.getByRole("button", { name: "Set a new password for Vic Viewer" }).click();
  const reset = page.getByRole("dialog", { name: "Set a new password" });
  await reset.getByLabel("New password").fill("short");
  await reset.getByRole("button", { name: "Set password" }).click();
  await reset.getByText("password must be at least 12 characters").waitFor();
  const vicPassword = strongPassword();
  await reset.getByLabel("New password").fill(vicPassword);
  await reset.getByRole("button", { name: "Set password" }).click();
  await reset.waitFor({ state: "hidden" });

  // The owner renames themselves from the header.
  await page.getByTestId("current-user").click();
  const account = page.getByRole("dialog", { name: "Your account" });
  await account.getByLabel("Name").fill("Ada Lovelace");
  await account.getByRole("button", { name: "Save" }).click();
  await page.getByTestId("current-user").getByText("Ada Lovelace").waitFor();

  // The owner's own row offers no controls.
  const mine = page.getByRole("row").filter({ hasText: ownerEmail });
  assert.equal(await mine.getByRole("button").count(), 0);

  // Sign out → /signin; pages send a signed-out visitor back there.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL((u) => u.pathname === "/signin");
  await page.goto(`${cp.url}/users`);
  assert.equal(new URL(page.url()).pathname, "/signin");

  // A wrong password says so; the viewer signs in and sees no Users link, and the page explains.
  await signInAs(page, viewerEmail, "not-the-right-password");
  await page.getByRole("alert").getByText(WRONG).waitFor();
  await signInAs(page, viewerEmail, viewerPassword);
  await page.getByRole("alert").getByText(WRONG).waitFor();
  await signInAs(page, viewerEmail, vicPassword);
  await page.waitForURL((u) => u.pathname === "/");
  await page.goto(`${cp.url}/users`);
  await page.getByTestId("not-allowed").getByText("The list of users needs the users.read right, which your role (viewer) does not have.").waitFor();
  assert.equal(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).count(), 0);
  assert.equal(await page.getByRole("button", { name: "Add user" }).count(), 0);

  // The viewer changes their own password from the header: the current one is checked (and a wrong one counted).
  await page.getByTestId("current-user").click();
  const ownAccount = page.getByRole("dialog", { name: "Your account" });
  await ownAccount.getByLabel("Current password").fill("not-my-password");
  await ownAccount.getByLabel("New password").fill("short");
  await ownAccount.getByRole("button", { name: "Save" }).click();
  await ownAccount.getByText("password must be at least 12 characters").waitFor();
  const newPassword = strongPassword();
  await ownAccount.getByLabel("New password").fill(newPassword);
  await ownAccount.getByRole("button", { name: "Save" }).click();
  await ownAccount.getByRole("alert").getByText("the current password is wrong").waitFor();
  const db = new pg.Client({ connectionString: cp.databaseUrl });
  await db.connect();
  // Counted as a failed password from this address (lib/auth/lockout.ts).
  const failed = await db.query(`SELECT failures FROM "SignInThrottle" WHERE account = encode(sha256(convert_to(lower($1), 'UTF8')), 'hex')`, [viewerEmail]);
  await db.end();
  assert.equal(failed.rows[0].failures, 1);
  await ownAccount.getByLabel("Current password").fill(vicPassword);
  await ownAccount.getByRole("button", { name: "Save" }).click();
  await ownAccount.waitFor({ state: "hidden" });
  // Still signed in (the page signed in again with the new password), and the new password is the one that works.
  await page.reload();
  await page.getByTestId("not-allowed").getByText("The list of users needs the users.read right, which your role (viewer) does not have.").waitFor();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL((u) => u.pathname === "/signin");
  await signInAs(page, viewerEmail, vicPassword);
  await page.getByRole("alert").getByText(WRONG).waitFor();
  await signInAs(page, viewerEmail, newPassword);
  await page.waitForURL((u) => u.pathname === "/");
  await ctx.close();
});

