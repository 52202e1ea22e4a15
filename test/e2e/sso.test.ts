// Single sign-on through OpenID Connect (issue 17 item 4) against a real provider (test/support/oidc-provider.ts, the
// `oidc-provider` package) in Debian's Chromium: "Sign in with <provider>" on the sign-in page → the provider's own
// login and consent pages → back signed in; the user is made at the first sign-in (no fleet-wide role), the groups
// claim maps to teams, a second sign-in with other groups moves the memberships; a forged callback (wrong state) and
// a provider whose discovery names another issuer are refused with a sentence saying so. One control plane takes its
// provider from the environment, a second from the dashboard (the client secret sealed at rest). The session a
// sign-in makes is listed as an OIDC session. Before this change there was no OIDC provider at all: every step fails.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import type { Browser, Page } from "playwright-core";
import { startControlPlane, freePort, type ControlPlane } from "../support/control-plane";
import { launchBrowser } from "../support/browser";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider";
import { api, setupOwner, signIn, uniqueEmail } from "../support/session";

let idp: TestOidcProvider;
let cp: ControlPlane;
let cp2: ControlPlane;
let db: pg.Client;
let browser: Browser;
let ownerCookie: string;

before(async () => {
  const [port, port2] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const url2 = `http://127.0.0.1:${port2}`;
  idp = await startOidcProvider({ redirectUris: [`${url}/api/auth/callback/oidc`, `${url2}/api/auth/callback/oidc`] });
  const [a, b] = await Promise.all([
    startControlPlane({
      port,
      env: {
        NEXTAUTH_URL: url,
        GANTRY_OIDC_ISSUER: idp.issuer,
        GANTRY_OIDC_CLIENT_ID: idp.clientId,
        GANTRY_OIDC_CLIENT_SECRET: idp.clientSecret,
        GANTRY_OIDC_NAME: "Test IdP",
        GANTRY_OIDC_SCOPES: "openid email profile groups",
      },
    }),
    startControlPlane({ port: port2, env: { NEXTAUTH_URL: url2 } }),
  ]);
  cp = a;
  cp2 = b;
  const owner = await setupOwner(cp);
  ownerCookie = await signIn(cp, owner.email, owner.password);
  db = new pg.Client({ connectionString: cp.databaseUrl });
  await db.connect();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await db?.end();
  await Promise.all([cp?.destroy(), cp2?.destroy()]);
  await idp?.close();
});

/** Signs in through the provider's pages in a fresh browser context; returns the page where it lands. */
async function ssoSignIn(base: string, login: string, buttonName = "Sign in with Test IdP"): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${base}/signin`);
  await page.getByRole("button", { name: buttonName }).click();
  // The provider's own login page, then its consent page.
  await page.waitForURL((u) => u.origin === idp.issuer && u.pathname.startsWith("/interaction/"));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password: the test provider's login page takes any");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL((u) => u.origin === base && !u.pathname.startsWith("/api/auth"));
  return page;
}

async function teamsOf(userId: string): Promise<string[]> {
  const { rows } = await db.query(`SELECT t.name FROM "TeamMember" m JOIN "Team" t ON t.id = m."teamId" WHERE m."userId" = $1 ORDER BY t.name`, [userId]);
  return rows.map((r) => r.name);
}

async function makeTeam(name: string): Promise<string> {
  const { rows } = await db.query(`INSERT INTO "Team" (id, name) VALUES ($1, $2) RETURNING id`, [`team-${name}`, name]);
  return rows[0].id;
}

test("first sign-in makes the user and maps groups to teams; the next sign-in with other groups moves them", async () => {
  const payments = await makeTeam(`payments-${process.pid}`);
  const search = await makeTeam(`search-${process.pid}`);
  const handMade = await makeTeam(`hand-${process.pid}`);
  const put = await api(cp, ownerCookie).put("/api/v1/sso/group-mappings", {
    mappings: [
      { group: "payments-devs", teamId: payments },
      { group: "search-devs", teamId: search },
    ],
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal((await api(cp, ownerCookie).put("/api/v1/sso/group-mappings", { mappings: [{ group: "x", teamId: "no-such-team" }] })).status, 422);

  const email = uniqueEmail("alice");
  idp.accounts.set("alice", { email, name: "Alice Example", groups: ["payments-devs", "unmapped-group"] });
  const page = await ssoSignIn(cp.url, "alice");
  assert.equal(new URL(page.url()).pathname, "/", `landed on ${page.url()}`);
  const me = await page.request.get(`${cp.url}/api/v1/me`);
  assert.equal(me.status(), 200);
  const user = (await me.json()).user;
  assert.equal(user.email, email);
  assert.equal(user.name, "Alice Example");
  assert.equal(user.role, "none", "no fleet-wide role by default");
  assert.deepEqual(await teamsOf(user.id), [`payments-${process.pid}`]);

  // A membership given by hand to a team no group maps to is left alone by the sync.
  await db.query(`INSERT INTO "TeamMember" ("teamId", "userId") VALUES ($1, $2)`, [handMade, user.id]);
  // The session this made is an OIDC one.
  const sessions = await page.request.get(`${cp.url}/api/v1/sessions`);
  const list = (await sessions.json()).sessions;
  assert.equal(list.length, 1);
  assert.equal(list[0].method, "oidc");
  assert.equal(list[0].current, true);

  // The provider moves Alice from payments to search: her next sign-in moves her too.
  idp.accounts.get("alice")!.groups = ["search-devs"];
  const again = await ssoSignIn(cp.url, "alice");
  const me2 = await (await again.request.get(`${cp.url}/api/v1/me`)).json();
  assert.equal(me2.user.id, user.id, "the same account, found by the provider's subject");
  assert.deepEqual(await teamsOf(user.id), [`hand-${process.pid}`, `search-${process.pid}`].sort());
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM "User" WHERE email = $1`, [email]);
  assert.equal(rows[0].n, 1);

  // Both sign-ins are in the activity record.
  const { rows: acts } = await db.query(`SELECT outcome, details FROM "ActivityRecord" WHERE action = 'auth.sign-in' AND "userId" = $1`, [user.id]);
  assert.equal(acts.length, 2);
  assert.ok(acts.every((a) => a.outcome === "ok" && a.details.method === "oidc"));

  // The sessions page lists both sign-ins; revoking the first one there signs it out.
  await again.goto(`${cp.url}/account/sessions`);
  const first = list[0].id as string;
  await again.getByTestId(`session-row-${first}`).waitFor();
  assert.equal(await again.locator('[data-testid^="session-row-"]').count(), 2);
  await again.getByRole("button", { name: `Revoke session ${first}` }).click();
  await again.getByRole("button", { name: "Revoke session", exact: true }).click();
  await again.getByText("Revoked: that session is signed out now.").waitFor();
  assert.equal((await page.request.get(`${cp.url}/api/v1/me`)).status(), 401, "the revoked session is signed out");
  assert.equal((await again.request.get(`${cp.url}/api/v1/me`)).status(), 200, "this one goes on");

  // Local accounts keep working beside single sign-on (break-glass).
  const signinPage = await (await browser.newContext()).newPage();
  await signinPage.goto(`${cp.url}/signin`);
  assert.ok(await signinPage.getByRole("button", { name: "Sign in with Test IdP" }).isVisible());
  assert.ok(await signinPage.getByLabel("Email").isVisible());
});

test("a forged callback (state not from this browser's sign-in) is refused with a sentence, and nobody is signed in", async () => {
  idp.accounts.set("mallory", { email: uniqueEmail("mallory"), name: "Mallory", groups: [] });
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${cp.url}/signin`);
  await page.getByRole("button", { name: "Sign in with Test IdP" }).click();
  await page.waitForURL((u) => u.origin === idp.issuer);
  // Instead of finishing at the provider, a link someone else made lands on the callback.
  await page.goto(`${cp.url}/api/auth/callback/oidc?code=stolen-code&state=forged-state&iss=${encodeURIComponent(idp.issuer)}`);
  await page.waitForURL((u) => u.pathname === "/signin");
  await page.getByText("did not belong to a sign-in started in this browser").waitFor();
  assert.equal((await page.request.get(`${cp.url}/api/v1/me`)).status(), 401);
});

test("from the dashboard: a wrong issuer is refused naming it, the secret is sealed, and a provider naming another issuer stops sign-in with a sentence", async () => {
  const owner2 = await setupOwner(cp2);
  const cookie2 = await signIn(cp2, owner2.email, owner2.password);
  const wrongIssuer = idp.issuer.replace("127.0.0.1", "localhost");
  const body = { name: "Dashboard IdP", issuer: wrongIssuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: "openid email profile groups", defaultRole: "viewer" };
  const bad = await api(cp2, cookie2).put("/api/v1/sso", body);
  assert.equal(bad.status, 422);
  assert.match(bad.body.error.message, /issuer: .*names its issuer "http:\/\/127\.0\.0\.1:\d+"/);

  const good = await api(cp2, cookie2).put("/api/v1/sso", { ...body, issuer: idp.issuer });
  assert.equal(good.status, 200, JSON.stringify(good.body));
  assert.equal(good.body.source, "dashboard");
  assert.equal(good.body.settings.clientSecretReadable, true);
  assert.equal(good.body.redirectUri, `${cp2.url}/api/auth/callback/oidc`);
  assert.ok(!JSON.stringify(good.body).includes(idp.clientSecret), "the secret is never sent back");
  const db2 = new pg.Client({ connectionString: cp2.databaseUrl });
  await db2.connect();
  try {
    const { rows } = await db2.query(`SELECT "clientSecretSealed" FROM "OidcConfig"`);
    assert.match(rows[0].clientSecretSealed, /^v1:/);
    assert.ok(!rows[0].clientSecretSealed.includes(idp.clientSecret), "sealed at rest");

    // A sign-in through the dashboard's provider works, with its default role.
    idp.accounts.set("bob", { email: uniqueEmail("bob"), name: "Bob", groups: [] });
    const page = await ssoSignIn(cp2.url, "bob", "Sign in with Dashboard IdP");
    assert.equal((await (await page.request.get(`${cp2.url}/api/v1/me`)).json()).user.role, "viewer");

    // The provider now answers discovery under another name than the configured issuer: sign-in stops, saying why.
    await db2.query(`UPDATE "OidcConfig" SET issuer = $1`, [wrongIssuer]);
    const refused = await (await browser.newContext()).newPage();
    await refused.goto(`${cp2.url}/signin`);
    await refused.getByRole("button", { name: "Sign in with Dashboard IdP" }).click();
    await refused.waitForURL((u) => u.pathname === "/signin" && u.searchParams.get("error") === "OIDCDiscovery");
    await refused.getByText(`Single sign-on is unavailable: the identity provider at ${wrongIssuer} names its issuer "${idp.issuer}"`).waitFor();
  } finally {
    await db2.end();
  }
});
