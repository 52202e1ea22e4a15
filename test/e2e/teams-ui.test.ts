// The Teams page in Debian's Chromium against a real control plane: the owner creates a team, adds a member by email
// and gives the team a role on a namespace, each through the page; the member (no fleet-wide role) sees their team and
// none of the controls, and /hosts (where sign-in lands) lists no host rather than failing; a viewer has no Teams in
// the menu. No page error on the way.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { launchBrowser, signedInPage } from "../support/browser";
import { api, createUser, setupOwner, signIn, userSession, type TestUser } from "../support/session";

let cp: ControlPlane;
let browser: Browser;
let ownerCookie: string;
let member: TestUser;
const errors: string[] = [];

before(async () => {
  [cp, browser] = await Promise.all([startControlPlane(), launchBrowser()]);
  const owner = await setupOwner(cp);
  ownerCookie = await signIn(cp, owner.email, owner.password);
  member = await createUser(cp, ownerCookie, { role: "none", name: "Mona Member" });
});

after(async () => {
  await browser?.close();
  await cp?.destroy();
});

test("the owner makes a team, adds a member and gives the team a role on a namespace from /teams; the member sees it without controls, a viewer not at all", async () => {
  const page = await signedInPage(browser, cp.url, ownerCookie, { errors });
  await page.goto(`${cp.url}/hosts`);
  await page.getByRole("link", { name: "Teams" }).click();
  await page.waitForURL(/\/teams$/);
  await page.getByLabel("New team name").fill("payments");
  await page.getByRole("button", { name: "Create team" }).click();
  const team = page.getByRole("article", { name: "Team payments" });
  await team.waitFor();

  await team.getByLabel("Email of a new member of payments").fill(member.email);
  await team.getByRole("button", { name: "Add member" }).click();
  await team.getByRole("cell", { name: member.email, exact: true }).waitFor();

  await team.getByLabel("Role for payments").selectOption({ label: "operator" });
  await team.getByLabel("Scope for payments").selectOption("namespace");
  await team.getByLabel("Namespace for payments").fill("pay");
  await team.getByRole("button", { name: "Give role" }).click();
  await team.getByRole("button", { name: "Remove operator on namespace pay from payments" }).waitFor();

  // What the page did is what the API holds.
  const teams = (await api(cp, ownerCookie).get("/api/v1/teams")).body.teams;
  assert.deepEqual(teams.map((t: { name: string; members: { email: string }[] }) => [t.name, t.members.map((m) => m.email)]), [["payments", [member.email]]]);
  const bindings = (await api(cp, ownerCookie).get(`/api/v1/role-bindings?teamId=${teams[0].id}`)).body.roleBindings;
  assert.deepEqual(bindings.map((b: { role: { name: string }; scope: { kind: string; name: string } }) => [b.role.name, b.scope.kind, b.scope.name]), [["operator", "namespace", "pay"]]);
  await page.context().close();

  // The member sees their team without its controls; a viewer has no Teams in the menu.
  const mine = await signedInPage(browser, cp.url, await signIn(cp, member.email, member.password), { errors });
  await mine.goto(`${cp.url}/teams`);
  await mine.getByRole("article", { name: "Team payments" }).waitFor();
  assert.equal(await mine.getByRole("button", { name: "Create team" }).count(), 0);
  assert.equal(await mine.getByRole("button", { name: "Add member" }).count(), 0);
  assert.equal(await mine.getByRole("link", { name: "Teams" }).count(), 0);
  // Where she lands after signing in: no host is hers, and the page says so rather than failing.
  assert.equal((await mine.goto(`${cp.url}/hosts`))?.status(), 200);
  await mine.getByText(/0 hosts: 0 online/).waitFor();
  await mine.context().close();

  const viewer = await signedInPage(browser, cp.url, (await userSession(cp, ownerCookie, "viewer")).cookie, { errors });
  await viewer.goto(`${cp.url}/hosts`);
  await viewer.getByRole("link", { name: "Hosts" }).first().waitFor();
  assert.equal(await viewer.getByRole("link", { name: "Teams" }).count(), 0);
  await viewer.context().close();
  assert.deepEqual(errors, []);
});
