// Adding a host over SSH end to end: the real control plane (listening where the target's namespace reaches it), Debian's
// sshd in its own network and mount namespaces (test/support/sshd.ts) as the target, the real agent bundle and
// install.sh. Through the API: an unknown host key pauses the job with the fingerprint ssh-keygen -lf prints, a wrong
// confirmation is refused, the right one resumes it, and the host comes online with its key pinned; running it again
// repairs the same host; a changed host key is refused naming both; a preflight failure names the check and leaves
// nothing; a cancel mid-upload leaves nothing; a target behind a jump host is reached through it. The CLI (`gantry
// host add`) and the hosts page (Chromium, by password, the steps live) add hosts of their own. No join token appears
// in any step's output or on any command line of the target.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startSshd, type TestSshd } from "../support/sshd";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, setupOwner, signIn } from "../support/session";
import { waitFor } from "../support/agent";
import { networkingEnv, testNetworking } from "../support/docker-cli";
import type { InstallJobView } from "@/lib/hosts/install-job-schemas";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gantry } from "../cli/support";
import { launchBrowser, signedInPage } from "../support/browser";
import { startRegistry } from "../support/registry";
import { fullBusyboxEntries } from "../support/docker-cli";
import { makeImage, makeLayer, pushImage, skopeo } from "../support/images";

let sshd: TestSshd & { linkPrefix: string };
let cp: ControlPlane;
let c: ReturnType<typeof api>;
let serverUrl: string;
let cookie: string;

before(async () => {
  sshd = await startSshd();
  const env = networkingEnv(testNetworking("gij"));
  cp = await startControlPlane({
    // The target's namespace reaches this machine at its bridge's address, not at loopback.
    env: { HOST: "0.0.0.0", GANTRY_SSH_AGENT_ENV: Object.entries(env).map(([k, v]) => `${k}=${v}`).join(" ") },
  });
  serverUrl = `http://${sshd.linkPrefix}.1:${cp.port}`;
  const owner = await setupOwner(cp);
  cookie = await signIn(cp, owner.email, owner.password);
  c = api(cp, cookie);
});

/** What an installed agent made outside the target's namespaces (its containers' cgroups) goes with install.sh uninstall. */
function uninstallOn(server: TestSshd) {
  server.exec("sh", ["-c", "[ ! -f /opt/gantry/current/install.sh ] || sh /opt/gantry/current/install.sh uninstall"]);
}

after(async () => {
  if (sshd) uninstallOn(sshd);
  sshd?.stop(); // every process of its mount namespace: the installed agent too
  await cp?.destroy();
});

const body = (over: Record<string, unknown> = {}) => ({ address: sshd.host, port: 22, user: "root", privateKey: sshd.keys.plain, serverUrl, ...over });

async function job(id: string): Promise<InstallJobView> {
  const r = await c.get(`/api/v1/host-install-jobs/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.job;
}

async function finished(id: string, ms = 180_000): Promise<InstallJobView> {
  return waitFor(`install job ${id} to finish`, async () => {
    const j = await job(id);
    return ["succeeded", "failed", "cancelled"].includes(j.state) && j;
  }, ms, 200);
}

/** Nothing of the job or an agent on the target: no temp dir, nothing under /opt, /etc/gantry, /var/lib/gantry, no agent process. */
function assertNothingInstalled(j: InstallJobView) {
  assertTempDirGone(j);
  for (const dir of ["/opt", "/etc/gantry", "/var/lib/gantry"]) assert.equal(sshd.exec("ls", ["-A", dir]).stdout.trim(), "", `${dir} is empty`);
  assert.equal(sshd.exec("sh", ["-c", "pgrep -f 'agent[.]mjs' || true"]).stdout.trim(), "", "no agent runs");
}

/** The job's temp dir (named in its upload step; /tmp is this machine's, shared with other runs) is gone. */
function assertTempDirGone(j: InstallJobView) {
  const dir = /^uploading into (\/tmp\/gantry-install\.\w+) on the target$/m.exec(j.steps.find((s) => s.name === "upload")!.output.join("\n"))?.[1];
  assert.ok(dir, "the upload step names its temp dir");
  assert.equal(sshd.exec("test", ["-e", dir]).code, 1, `${dir} is gone`);
}

function assertNoToken(j: InstallJobView) {
  assert.doesNotMatch(JSON.stringify(j), /gjt_/, "no join token in the job's steps");
}

test("bad input is a 422 naming the field", async () => {
  const r = await c.post("/api/v1/hosts/ssh", body({ port: 70000, privateKey: undefined }));
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.match(JSON.stringify(r.body), /port/);
  const noCred = await c.post("/api/v1/hosts/ssh", body({ privateKey: undefined }));
  assert.equal(noCred.status, 422);
  assert.match(JSON.stringify(noCred.body), /privateKey or a password/);
});

test("a preflight failure fails the job naming the check, and leaves nothing on the target", async () => {
  // The state disk is a 16 MiB file system on this target.
  assert.equal(sshd.exec("mount", ["-t", "tmpfs", "-o", "size=16m", "gantry-small", "/var/lib/gantry"]).code, 0);
  try {
    const r = await c.post("/api/v1/hosts/ssh", body({ user: "gsudo", hostKeyFingerprint: sshd.fingerprint }));
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const j = await finished(r.body.job.id);
    assert.equal(j.state, "failed", JSON.stringify(j));
    assert.match(j.reason!, /^preflight failed: disk \(16 MiB free under \/var\/lib\/gantry, 1024 MiB needed\)$/);
    const pre = j.steps.find((s) => s.name === "preflight")!;
    assert.equal(pre.state, "failed");
    assert.ok(pre.output.some((l) => /^gantry-install: preflight: kernel: ok: /.test(l)), "each check is a line of the step");
    assert.deepEqual(j.steps.map((s) => `${s.name}:${s.state}`), ["connect:succeeded", "upload:succeeded", "preflight:failed", "cleanup:succeeded"]);
    assert.match(j.steps[0]!.output.join("\n"), /logged in to gsudo@.*; commands run as root through sudo -n/);
    assertNothingInstalled(j);
  } finally {
    sshd.exec("umount", ["/var/lib/gantry"]);
  }
});

test("through a jump host: the target's unknown key is confirmed, the job runs on it through the bastion, and a preflight failure there leaves nothing", async () => {
  const inner = await startSshd({ behind: sshd });
  try {
    assert.equal(inner.exec("mount", ["-t", "tmpfs", "-o", "size=16m", "gantry-small", "/var/lib/gantry"]).code, 0);
    const r = await c.post("/api/v1/hosts/ssh", {
      address: inner.host,
      user: "gsudo",
      privateKey: inner.keys.plain,
      serverUrl,
      jump: { address: sshd.host, user: "gsudo", privateKey: sshd.keys.plain, hostKeyFingerprint: sshd.fingerprint },
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.job.jump, `gsudo@${sshd.host}`);
    const id = r.body.job.id;
    const waiting = await waitFor("the target's host key to be asked", async () => {
      const j = await job(id);
      return j.state === "awaiting-host-key" && j;
    }, 30_000);
    assert.equal(waiting.presentedHostKey, inner.fingerprint, "the target's key, not the bastion's");
    assert.equal((await c.post(`/api/v1/host-install-jobs/${id}/confirm-host-key`, { fingerprint: inner.fingerprint })).status, 200);
    const j = await finished(id);
    assert.equal(j.state, "failed", JSON.stringify(j));
    assert.match(j.reason!, /^preflight failed: disk \(16 MiB free/);
    assert.match(j.steps[0]!.output.join("\n"), new RegExp(`logged in to gsudo@${esc(inner.host)}:22 via gsudo@${esc(sshd.host)}`));
    assert.equal(j.steps.at(-1)!.name, "cleanup");
    assert.equal(j.steps.at(-1)!.state, "succeeded");
    for (const dir of ["/opt", "/etc/gantry"]) assert.equal(inner.exec("ls", ["-A", dir]).stdout.trim(), "", `${dir} is empty on the target`);
  } finally {
    inner.stop();
  }
});

test("cancelled during the upload, the job ends cancelled and leaves nothing", async () => {
  const r = await c.post("/api/v1/hosts/ssh", body({ hostKeyFingerprint: sshd.fingerprint, serverUrl: undefined }));
  assert.equal(r.status, 202);
  assert.equal(r.body.job.serverUrl, cp.url, "without serverUrl: the URL the request was addressed to");
  const id = r.body.job.id;
  await waitFor("the upload to begin", async () => (await job(id)).steps.some((s) => s.name === "upload" && s.state === "running" && / of /.test(s.detail ?? "")), 120_000, 10);
  const cancel = await c.post(`/api/v1/host-install-jobs/${id}/cancel`, {});
  assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
  const j = await finished(id);
  assert.equal(j.state, "cancelled");
  assert.equal(j.reason, "cancelled");
  const upload = j.steps.find((s) => s.name === "upload")!;
  assert.equal(upload.state, "cancelled", JSON.stringify(j.steps));
  assert.equal(j.steps.at(-1)!.name, "cleanup");
  assertNothingInstalled(j);
  const again = await c.post(`/api/v1/host-install-jobs/${id}/cancel`, {});
  assert.equal(again.status, 409);
});

let hostId: number;

test("added by key: the unknown host key waits for confirmation, the host comes online with the key pinned", async () => {
  const r = await c.post("/api/v1/hosts/ssh", body({ name: "over-ssh" }));
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const id = r.body.job.id;
  const waiting = await waitFor("the job to wait for the host key", async () => {
    const j = await job(id);
    return j.state === "awaiting-host-key" && j;
  }, 30_000);
  assert.equal(waiting.presentedHostKey, sshd.fingerprint, "the fingerprint ssh-keygen -lf prints");
  const wrong = await c.post(`/api/v1/host-install-jobs/${id}/confirm-host-key`, { fingerprint: `SHA256:${"A".repeat(43)}` });
  assert.equal(wrong.status, 409);
  assert.match(wrong.body.error.message ?? JSON.stringify(wrong.body), /presented/);
  const ok = await c.post(`/api/v1/host-install-jobs/${id}/confirm-host-key`, { fingerprint: sshd.fingerprint });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const j = await finished(id);
  assert.equal(j.state, "succeeded", JSON.stringify(j, null, 1));
  assert.deepEqual(j.steps.map((s) => s.name), ["connect", "upload", "preflight", "install", "online"]);
  assert.ok(j.steps.find((s) => s.name === "install")!.output.some((l) => /^gantry-install: install: the agent is up/.test(l)));
  assert.equal(j.hostKey, sshd.fingerprint);
  assertNoToken(j);
  assert.doesNotMatch(sshd.log(), /gjt_/);
  hostId = j.hostId!;
  const host = (await c.get(`/api/v1/hosts/${hostId}`)).body;
  assert.equal(host.status, "online");
  assert.equal(host.name, "over-ssh");
  assert.match(sshd.exec("cat", ["/etc/gantry/agent.env"]).stdout, /^GANTRY_BRIDGE=gij/m, "the agent got its own bridge");
  assertTempDirGone(j);

  // A container on it: an image loaded into the installed agent (its Docker API socket in the target's /run), run
  // through the control plane's API.
  const registry = await startRegistry("open");
  const work = mkdtempSync(join(tmpdir(), "gantry-ij-image-"));
  try {
    await pushImage(registry.host, "busybox", "latest", makeImage([await makeLayer(fullBusyboxEntries())], { cmd: ["sh"] }));
    const archive = join(work, "busybox.tar");
    await skopeo(["copy", `docker://${registry.host}/busybox:latest`, `oci-archive:${archive}:example.com/ssh/busybox:1`]);
    const loaded = sshd.exec("/usr/local/bin/docker", ["-H", "unix:///run/gantry/docker.sock", "load", "-i", archive]);
    assert.equal(loaded.code, 0, loaded.stderr);
    const run = await c.post(`/api/v1/hosts/${hostId}/containers`, { image: "example.com/ssh/busybox:1", name: "over-ssh", cmd: ["sleep", "300"], network: "none" });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    assert.equal(run.body.container.state, "running");
  } finally {
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
});

test("run again on the installed target, the job repairs the same host with the pinned key", async () => {
  assert.ok(hostId);
  const r = await c.post("/api/v1/hosts/ssh", body());
  assert.equal(r.status, 202);
  assert.equal(r.body.job.hostKey, sshd.fingerprint, "the host's pinned key is used");
  // While it runs, no command line on the target carries the join token (it is read from a 0600 file).
  let sawInstall = false;
  const end = Date.now() + 120_000;
  while (Date.now() < end && !["succeeded", "failed"].includes((await job(r.body.job.id)).state)) {
    const commands = sshd.exec("ps", ["-eo", "args"]).stdout.split("\n").filter((l) => /install\.sh install/.test(l));
    if (commands.length) sawInstall = true;
    for (const cmd of commands) assert.doesNotMatch(cmd, /gjt_/, cmd);
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.ok(sawInstall, "install.sh install was seen running");
  const j = await finished(r.body.job.id);
  assert.equal(j.state, "succeeded", JSON.stringify(j, null, 1));
  assert.equal(j.hostId, hostId);
  assert.match(j.steps.find((s) => s.name === "preflight")!.detail!, /install repairs it/);
  const tokens = (await c.get("/api/v1/join-tokens")).body.joinTokens as unknown[];
  assert.deepEqual(tokens, [], "the repair's unused join token was revoked, not left outstanding");
  assertNoToken(j);
});

test("a changed host key is refused, naming the key shown and the key pinned; nothing is sent", async () => {
  const pinned = sshd.fingerprint;
  await sshd.rotateHostKey();
  const r = await c.post("/api/v1/hosts/ssh", body());
  const j = await finished(r.body.job.id, 30_000);
  assert.equal(j.state, "failed");
  assert.match(j.reason!, new RegExp(`has changed: it presents ${esc(sshd.fingerprint)}, but ${esc(pinned)} is pinned`));
  assert.deepEqual(j.steps.map((s) => `${s.name}:${s.state}`), ["connect:failed"]);
});

const esc = (s: string) => s.replace(/[+/.]/g, "\\$&");

test("gantry host add: an unconfirmed host key is printed with the flag to pass (exit 1, nothing installed); with it, the steps print and the host comes online (exit 0)", async () => {
  // A second target of its own, never added before (no key pinned for it).
  const other = await startSshd();
  const home = mkdtempSync(join(tmpdir(), "gantry-host-add-"));
  try {
    const token = (await c.post("/api/v1/tokens", { name: "cli" })).body.token as string;
    const env = { GANTRY_URL: cp.url, GANTRY_TOKEN: token };
    const identity = join(home, "id_ed25519");
    writeFileSync(identity, other.keys.plain, { mode: 0o600 });
    const url = `http://${other.linkPrefix}.1:${cp.port}`;
    const args = ["host", "add", "--ssh", `root@${other.host}:22`, "--identity", identity, "--server-url", url, "--name", "by-cli"];
    const asked = await gantry(home, args, env, 60_000);
    assert.equal(asked.code, 1, asked.stdout + asked.stderr);
    assert.match(asked.stderr, new RegExp(`presents the host key ${esc(other.fingerprint)}, which is not confirmed: .* run again with --accept-host-key ${esc(other.fingerprint)}`));
    assert.equal(other.exec("ls", ["-A", "/opt"]).stdout.trim(), "", "nothing was uploaded or installed");

    const added = await gantry(home, [...args, "--accept-host-key", other.fingerprint], env, 180_000);
    assert.equal(added.code, 0, added.stdout + added.stderr);
    for (const step of ["connect", "upload", "preflight", "install", "online"]) assert.match(added.stdout, new RegExp(`^==> ${step}$[\\s\\S]*^<== ${step}: succeeded`, "m"), step);
    assert.match(added.stdout, /^    gantry-install: preflight: overlayfs: ok: available$/m);
    const id = Number(/^host (\d+) is online$/m.exec(added.stdout)?.[1]);
    assert.ok(id > 0, added.stdout);
    const host = (await c.get(`/api/v1/hosts/${id}`)).body;
    assert.equal(host.name, "by-cli");
    assert.equal(host.status, "online");
    assert.doesNotMatch(added.stdout + added.stderr, /gjt_/, "no join token printed");
  } finally {
    uninstallOn(other);
    other.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

test("added by password in the browser: the steps arrive live, the host key is confirmed on the page, and it links to the new host", async () => {
  const other = await startSshd();
  const browser = await launchBrowser();
  try {
    const errors: string[] = [];
    const page = await signedInPage(browser, cp.url, cookie, { errors });
    await page.goto(`${cp.url}/hosts`);
    await page.getByRole("button", { name: "Add host" }).click();
    const dialog = page.getByRole("dialog", { name: "Add a host" });
    await dialog.getByRole("tab", { name: "Over SSH" }).click();
    await dialog.getByLabel("Address").fill(other.host);
    await dialog.getByLabel("User").fill("gsudo");
    await dialog.getByLabel("Password", { exact: true }).check();
    await dialog.locator("#ssh-password").fill(other.password);
    await dialog.getByLabel("Host name (optional)").fill("by-browser");
    await dialog.getByLabel(/This server's URL/).fill(`http://${other.linkPrefix}.1:${cp.port}`);
    await dialog.getByRole("button", { name: "Install over SSH" }).click();

    await dialog.getByTestId("presented-host-key").waitFor({ timeout: 30_000 });
    assert.equal(await dialog.getByTestId("presented-host-key").textContent(), other.fingerprint);
    await dialog.getByRole("button", { name: "Confirm host key" }).click();
    // Seen while the job still runs: the steps come to the page as they happen (the page reads the job once, when it
    // joins the job's room; everything after arrives over the socket).
    const seen = new Set<string>();
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const state = await dialog.getByTestId("install-job-state").textContent();
      for (const step of await dialog.locator("[data-testid^=install-step-]").all()) seen.add(`${await step.getAttribute("data-testid")}:${await step.getAttribute("data-state")}:${state}`);
      if (state === "succeeded" || state === "failed" || state === "cancelled") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await dialog.getByTestId("install-job-state").textContent(), "succeeded", await dialog.textContent() ?? "");
    assert.ok([...seen].some((s) => /^install-step-(upload|preflight|install):running:running$/.test(s)), `a step was shown running while the job ran: ${[...seen].join(", ")}`);
    assert.match((await dialog.getByTestId("install-step-preflight").textContent())!, /gantry-install: preflight: kernel: ok/);
    assert.doesNotMatch((await dialog.textContent())!, /gjt_/);
    await dialog.getByTestId("new-host-link").click();
    await page.waitForURL(/\/hosts\/\d+$/);
    const id = Number(/\/hosts\/(\d+)$/.exec(page.url())![1]);
    const host = (await c.get(`/api/v1/hosts/${id}`)).body;
    assert.equal(host.name, "by-browser");
    assert.equal(host.status, "online");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    uninstallOn(other);
    other.stop();
  }
});
