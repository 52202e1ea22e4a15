// TLS out of the box, as a user gets it: a control plane started with nothing about TLS configured makes its own
// certificate and serves https on PORT; the join command (Add host, POST /api/v1/join-tokens) carries the certificate's
// SHA-256 fingerprint, which the agent pins before it sends its token, keeps beside its credential and checks on every
// reconnection of its link (socket.io over wss); Chromium signs in and sees the host arrive live. An operator's own
// certificate wins over the generated one; GANTRY_TLS=off keeps plain http (every other test runs that way).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { X509Certificate, createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, setupOwner, signIn } from "../support/session";
import { mintJoinToken, startAgent, waitFor, type AgentProcess } from "../support/agent";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../support/browser";
import { REPO_ROOT } from "../support/bundle";
import { loadConfig as loadServerConfig } from "@/server/config";
import { loadAgentConfig } from "@/agent/config";

const systemFetch = globalThis.fetch;
let cp: ControlPlane;
let email: string;
let password: string;
let cookie: string;
const agents: AgentProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

/** The last test's control plane: its own, restarted there with the operator's certificate (started beside `cp`). */
let own: ControlPlane;
/** The browser of the Add host test: it trusts exactly `cp`'s certificate's key (its SPKI hash), not every certificate. */
let browser: Browser;

before(async () => {
  // The three start at once: none needs another (the browser only `cp`'s certificate, which exists once it answers).
  const ownStarted = startControlPlane({ tls: true, env: { GANTRY_HEARTBEAT_STALE_MS: "1500", GANTRY_HEARTBEAT_OFFLINE_MS: "3000" } });
  ownStarted.catch(() => {}); // (its failure is the Promise.all's below, once `cp` is up)
  cleanups.push(async () => (await ownStarted.catch(() => null))?.destroy());
  cp = await startControlPlane({ tls: true });
  const spki = createHash("sha256").update(new X509Certificate(cp.tls!.certificate).publicKey.export({ type: "spki", format: "der" })).digest("base64");
  [own, browser] = await Promise.all([ownStarted, launchBrowser([`--ignore-certificate-errors-spki-list=${spki}`])]);
  cleanups.push(() => browser.close());
  // Session helpers use the global fetch: this one trusts the control plane's certificate (and checks its names).
  globalThis.fetch = cp.fetch;
  const owner = await setupOwner(cp);
  ({ email, password } = owner);
  cookie = await signIn(cp, email, password);
});

after(async () => {
  await Promise.all(agents.map((a) => a.destroy()));
  for (const c of cleanups.reverse()) await c();
  await cp?.destroy();
  globalThis.fetch = systemFetch;
});

function agent(opts: Parameters<typeof startAgent>[0]) {
  const a = startAgent(opts);
  agents.push(a);
  return a;
}

/** A fingerprint that differs from `fp` in its last hex digit. */
function otherFingerprint(fp: string) {
  return fp.slice(0, -1) + (fp.endsWith("0") ? "1" : "0");
}

function count(text: string, needle: string) {
  return text.split(needle).length - 1;
}

test("configuration: TLS is on by default with a certificate under GANTRY_DATA/tls; the operator's wins; GANTRY_TLS=off is plain http; the agent's fingerprint", () => {
  const data = mkdtempSync(join(tmpdir(), "gantry-tls-config-"));
  const loadConfig = (env: Record<string, string>) => loadServerConfig(env as NodeJS.ProcessEnv);
  try {
    const on = loadConfig({ GANTRY_DATA: data, PORT: "3100" });
    assert.deepEqual(on.tls, { certPath: join(data, "tls/cert.pem"), keyPath: join(data, "tls/key.pem"), provided: false });
    assert.equal(on.publicUrl, `https://${hostname()}:3100`);
    const own = loadConfig({ GANTRY_DATA: data, GANTRY_TLS_CERT: "/etc/ssl/gantry.pem", GANTRY_TLS_KEY: "/etc/ssl/gantry.key" });
    assert.deepEqual(own.tls, { certPath: "/etc/ssl/gantry.pem", keyPath: "/etc/ssl/gantry.key", provided: true });
    const off = loadConfig({ GANTRY_DATA: data, PORT: "3100", GANTRY_TLS: "off" });
    assert.equal(off.tls, null);
    assert.equal(off.publicUrl, `http://${hostname()}:3100`);
    // Behind a proxy that terminates TLS, the public URL is https while the control plane speaks http.
    assert.equal(loadConfig({ GANTRY_DATA: data, GANTRY_TLS: "off", GANTRY_PUBLIC_URL: "https://gantry.example.test/" }).publicUrl, "https://gantry.example.test");
    assert.throws(() => loadConfig({ GANTRY_DATA: data, GANTRY_TLS: "maybe" }), /GANTRY_TLS must be "on" \(the default\) or "off", got "maybe"/);
    assert.throws(() => loadConfig({ GANTRY_DATA: data, GANTRY_TLS_CERT: "/x.pem" }), /GANTRY_TLS_CERT and GANTRY_TLS_KEY go together/);
    assert.throws(() => loadConfig({ GANTRY_DATA: data, GANTRY_PUBLIC_URL: "http://gantry.example.test:3000" }), /GANTRY_PUBLIC_URL is http:\/\/gantry\.example\.test:3000, but the control plane serves https/);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
  // The agent takes a fingerprint as openssl, Node or a user spells it, and only for an https control plane.
  const fp = "AB:".repeat(31) + "AB";
  for (const given of [fp, fp.toLowerCase().replace(/:/g, ""), `sha256 Fingerprint=${fp}`]) {
    assert.equal(loadAgentConfig(["--server", "https://gantry.example.test", "--fingerprint", given], {}).fingerprint, fp);
  }
  assert.equal(loadAgentConfig([], { GANTRY_SERVER_URL: "https://gantry.example.test", GANTRY_SERVER_FINGERPRINT: fp }).fingerprint, fp);
  assert.throws(() => loadAgentConfig(["--server", "https://g.example.test", "--fingerprint", "AB:CD"], {}), /"AB:CD" is not a SHA-256 fingerprint/);
  assert.throws(() => loadAgentConfig(["--server", "http://g.example.test", "--fingerprint", fp], {}), /pins an https control plane, but the server URL is http:\/\/g\.example\.test/);
});

test("first start makes a self-signed certificate (key 0600) and serves https on PORT; plain http there is redirected; the CLI trusts it through NODE_EXTRA_CA_CERTS", async () => {
  const certPath = join(cp.dataDir, "tls/cert.pem");
  assert.equal(cp.tls?.certPath, certPath);
  assert.equal(statSync(join(cp.dataDir, "tls/key.pem")).mode & 0o777, 0o600);
  const x509 = new X509Certificate(readFileSync(certPath));
  assert.ok(x509.issuer === x509.subject && x509.verify(x509.publicKey), "self-signed");
  assert.match(x509.subjectAltName ?? "", /IP Address:127\.0\.0\.1/);
  assert.match(x509.subjectAltName ?? "", /DNS:localhost/);
  assert.match(cp.output(), new RegExp(`TLS certificate ${certPath} \\(SHA-256 ${x509.fingerprint256}, pinned by agents\\)`));

  // Health over https, with the certificate's names checked; without trusting it a client refuses it.
  const health = await cp.fetch(`${cp.url}/api/health`);
  assert.equal(health.status, 200);
  assert.equal((await health.json()).status, "ok");
  await assert.rejects(systemFetch(`${cp.url}/api/health`), (e: Error & { cause?: { code?: string } }) => /SELF_SIGNED/.test(e.cause?.code ?? ""));

  // The same port answers plain http with a redirect to https (nothing is served in clear text).
  const plain = await new Promise<{ status: number; location?: string }>((resolve, reject) =>
    httpGet(`http://127.0.0.1:${cp.port}/api/health?x=1`, (res) => {
      res.resume();
      resolve({ status: res.statusCode!, location: res.headers.location });
    }).on("error", reject),
  );
  assert.deepEqual(plain, { status: 308, location: `https://127.0.0.1:${cp.port}/api/health?x=1` });

  // The gantry CLI with an API token, trusting the certificate the way the README says.
  const created = await api(cp, cookie).post("/api/v1/tokens", { name: "tls cli" });
  assert.equal(created.status, 201);
  const cli = spawnSync(process.execPath, [join(REPO_ROOT, "bin/gantry.mjs"), "hosts", "--json"], {
    env: { ...process.env, GANTRY_URL: cp.url, GANTRY_TOKEN: created.body.token, NODE_EXTRA_CA_CERTS: certPath },
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(cli.status, 0, cli.stderr);
  assert.ok(Array.isArray(JSON.parse(cli.stdout)), cli.stdout);
});

test("Add host in Chromium over https: the join command pins the certificate; the agent joins over wss and appears live; it reconnects pinned", async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${cp.url}/signin?callbackUrl=%2Fhosts`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/hosts");
  assert.equal(new URL(page.url()).protocol, "https:");
  const marker = await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = Math.random()));

  await page.getByRole("button", { name: "Add host" }).click();
  const command = (await page.getByTestId("join-command").textContent())!.trim();
  assert.equal((await page.getByTestId("join-fingerprint").textContent())!.trim(), cp.tls!.fingerprint);
  await page.keyboard.press("Escape");
  const [program, ...args] = command.split(/\s+/);
  assert.equal(program, "gantry-agent");
  assert.deepEqual(args.slice(0, 4), ["--server", cp.url, "--fingerprint", cp.tls!.fingerprint], command);
  assert.equal(args[4], "--token");

  // The agent runs the command's own flags.
  const root = mkdtempSync(join(tmpdir(), "gantry-agent-tls-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  let a = agent({ root, args });
  await a.waitForOutput("connected to");
  assert.match(a.output(), new RegExp(`pinned the control plane's certificate \\(SHA-256 ${cp.tls!.fingerprint}\\)`));
  const hostId = Number(/joined \S+ as host (\d+)/.exec(a.output())![1]);
  await page.getByTestId(`host-row-${hostId}`).locator('[data-status="online"]').waitFor({ timeout: 30_000 });
  assert.equal(await page.evaluate(() => (window as unknown as { __noReload: number }).__noReload), marker, "the host arrived live, without a reload");

  // The pin is kept with the credential: started again with only the server URL, it reconnects to the same certificate.
  const stored = JSON.parse(readFileSync(join(root, "agent/server.json"), "utf8"));
  assert.deepEqual(stored, { serverUrl: cp.url, hostId, fingerprint: cp.tls!.fingerprint });
  assert.equal(new X509Certificate(readFileSync(join(root, "agent/server.pem"))).fingerprint256, cp.tls!.fingerprint);
  await a.stop();
  a = agent({ root, serverUrl: cp.url });
  await a.waitForOutput("connected to");
  assert.doesNotMatch(a.output(), /joined|pinned/);
  await a.stop();
});

test("a wrong fingerprint is refused before the token is sent: exit 2 naming both certificates, and the token still works", async () => {
  const minted = await mintJoinToken(cp.url, cookie, cp.fetch);
  assert.equal(minted.fingerprint, cp.tls!.fingerprint);
  assert.ok(minted.command.includes(`--fingerprint ${cp.tls!.fingerprint}`), minted.command);
  assert.equal(minted.serviceCommand, `gantry join ${cp.url} ${minted.token} --fingerprint ${cp.tls!.fingerprint}`);

  const wrong = otherFingerprint(cp.tls!.fingerprint);
  const refused = agent({ serverUrl: cp.url, token: minted.token, fingerprint: wrong });
  assert.equal(await refused.exited, 2, refused.output());
  assert.match(refused.output(), new RegExp(`not joining ${cp.url}: the control plane's certificate \\(SHA-256 ${cp.tls!.fingerprint}\\) is not the one this agent pins \\(SHA-256 ${wrong}\\)`));

  // The token was never sent: it still joins an agent that pins the right certificate.
  const joined = agent({ serverUrl: cp.url, token: minted.token, fingerprint: cp.tls!.fingerprint.replace(/:/g, "").toLowerCase() });
  await joined.waitForOutput("connected to");
  await joined.stop();
});

test("the operator's certificate wins: pinned agents refuse the changed certificate; a CA-issued one needs no fingerprint; a new fingerprint re-pins", async () => {
  // A control plane of its own (started in before()), first with its generated certificate, and an agent pinned to it.
  let current = own;
  cleanups.push(() => current.destroy());
  const fallback = globalThis.fetch;
  globalThis.fetch = own.fetch;
  cleanups.push(() => void (globalThis.fetch = fallback));
  const owner = await setupOwner(own);
  const ownCookie = await signIn(own, owner.email, owner.password);
  const first = await mintJoinToken(own.url, ownCookie, own.fetch);
  const root = mkdtempSync(join(tmpdir(), "gantry-agent-tls-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  let pinned = agent({ root, serverUrl: own.url, token: first.token, fingerprint: first.fingerprint! });
  await pinned.waitForOutput("connected to");
  const pinnedHost = Number(/joined \S+ as host (\d+)/.exec(pinned.output())![1]);

  // The operator's certificate, issued by a CA of theirs for 127.0.0.1.
  const pki = mkdtempSync(join(tmpdir(), "gantry-pki-"));
  cleanups.push(() => rmSync(pki, { recursive: true, force: true }));
  const ossl = (...args: string[]) => execFileSync("openssl", args, { cwd: pki, stdio: "pipe" });
  ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test CA");
  ossl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=gantry");
  writeFileSync(join(pki, "ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  ossl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext");

  await own.stop();
  const connectedBefore = count(pinned.output(), "connected to");
  current = await startControlPlane({
    dataDir: own.dataDir,
    port: own.port,
    tls: true,
    env: { GANTRY_TLS_CERT: join(pki, "server.pem"), GANTRY_TLS_KEY: join(pki, "server.key") },
  });
  globalThis.fetch = current.fetch;
  const served = new X509Certificate(readFileSync(join(pki, "server.pem")));
  assert.equal(current.tls!.fingerprint, served.fingerprint256);
  assert.match(current.output(), new RegExp(`TLS certificate ${join(pki, "server.pem")} \\(SHA-256 ${served.fingerprint256}\\)`));

  // The pinned agent refuses the new certificate, says why, and keeps trying without connecting (or sending its credential).
  await pinned.waitForOutput(/certificate[^\n]*reconnecting in/i, 30_000);
  assert.equal(count(pinned.output(), "connected to"), connectedBefore, pinned.output());

  // A CA vouches for this certificate: the join command carries no fingerprint; an agent trusting the CA joins.
  const second = await mintJoinToken(current.url, ownCookie, current.fetch);
  assert.equal(second.fingerprint, null);
  assert.equal(second.command, `gantry-agent --server ${current.url} --token ${second.token}`);
  const trusting = agent({ serverUrl: current.url, token: second.token, env: { NODE_EXTRA_CA_CERTS: join(pki, "ca.pem") } });
  await trusting.waitForOutput("connected to");
  assert.doesNotMatch(trusting.output(), /pinned/);
  await trusting.stop();

  // The operator vouches for the new certificate with its fingerprint: the old agent re-pins and connects again.
  await pinned.stop();
  pinned = agent({ root, serverUrl: current.url, fingerprint: served.fingerprint256 });
  await pinned.waitForOutput("connected to");
  assert.match(pinned.output(), new RegExp(`pinned the control plane's certificate \\(SHA-256 ${served.fingerprint256}\\)`));
  assert.equal(JSON.parse(readFileSync(join(root, "agent/server.json"), "utf8")).fingerprint, served.fingerprint256);
  await waitFor("the re-pinned host online", async () => (await api(current, ownCookie).get(`/api/v1/hosts/${pinnedHost}`)).body.status === "online");
  await pinned.stop();
});
