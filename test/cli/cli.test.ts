// The `gantry` CLI against a real control plane with a real agent joined: login stores the URL and token (0600),
// hosts, run, ps, stop, rm and images as tables or as JSON, and mistakes end with a clear message and a distinct exit code.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { api, userSession } from "../support/session";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { gantry } from "./support";

let f: FleetHost;
let cp: FleetHost["cp"];
let ownerCookie: string;
let home: string;
let token: string;

before(async () => {
  f = await startFleetHost("gcl");
  cp = f.cp;
  ownerCookie = f.ownerCookie;
  const { cookie } = await userSession(cp, ownerCookie, "operator");
  const r = await api(cp, cookie).post("/api/v1/tokens", { name: "cli" });
  token = r.body.token;
  home = mkdtempSync(join(tmpdir(), "gantry-cli-home-"));
});

after(async () => {
  await f?.destroy();
  if (home) rmSync(home, { recursive: true, force: true });
});

test("login checks the token and stores url + token readable by the owner only", async () => {
  // (Commands that change nothing run side by side: each is a process of its own.)
  const [bad, notUrl] = await Promise.all([gantry(home, ["login", cp.url, "--token", "gat_" + "x".repeat(43)]), gantry(home, ["login", "nowhere", "--token", token])]);
  assert.equal(bad.code, 3, bad.stderr);
  assert.match(bad.stderr, /API token is unknown, expired or revoked/);

  assert.equal(notUrl.code, 2);
  assert.match(notUrl.stderr, /not a URL/);

  const ok = await gantry(home, ["login", cp.url, "--token", token]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /logged in to http:\/\/127\.0\.0\.1:\d+ as operator-.* \(operator\)/);
  const path = join(home, ".config/gantry/config.json");
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), { url: cp.url, token });
});

test("hosts prints a table, or JSON with --json", async () => {
  const [t, j] = await Promise.all([gantry(home, ["hosts"]), gantry(home, ["hosts", "--json"])]);
  assert.equal(t.code, 0, t.stderr);
  const lines = t.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, /^ID\s+NAME\s+STATUS\s+LAST SEEN\s+AGENT$/);
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /^1\s+\S+\s+online\s+/);

  assert.equal(j.code, 0, j.stderr);
  const hosts = JSON.parse(j.stdout) as Array<{ id: number; status: string }>;
  assert.equal(hosts.length, 1);
  assert.equal(hosts[0]!.status, "online");
});

test("without a login, or with a revoked token, commands say what to do and exit 3", async () => {
  const fresh = mkdtempSync(join(tmpdir(), "gantry-cli-home-"));
  try {
    const [r, unknown] = await Promise.all([gantry(fresh, ["hosts"]), gantry(fresh, ["hosts", "--bogus"])]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /not logged in: run `gantry login/);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown flag --bogus/);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
  const t = await api(cp, ownerCookie).post("/api/v1/tokens", { name: "short-lived" });
  const other = mkdtempSync(join(tmpdir(), "gantry-cli-home-"));
  try {
    assert.equal((await gantry(other, ["login", cp.url, "--token", t.body.token])).code, 0);
    await api(cp, ownerCookie).delete(`/api/v1/tokens/${t.body.apiToken.id}`);
    const r = await gantry(other, ["hosts"]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /revoked.*gantry login/);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});

test("run, ps, stop and rm a container; images of the host", async () => {
  const run = await gantry(home, ["run", "--host", String(f.hostId), "--name", "cli-one", "--network", "none", "-e", "GREETING=hi", "--label", "team=cli", f.image, "sleep", "300"]);
  assert.equal(run.code, 0, run.stderr);
  const id = run.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);

  const [table, json, filteredOut, otherOut, badFilter] = await Promise.all([
    gantry(home, ["ps"]),
    gantry(home, ["ps", "--host", String(f.hostId), "--json"]),
    gantry(home, ["ps", "--filter", "label=team=cli", "-f", "name=cli-o", "--json"]),
    gantry(home, ["ps", "--filter", "label=team=other", "--json"]),
    gantry(home, ["ps", "--filter", "colour=red"]),
  ]);
  assert.equal(table.code, 0, table.stderr);
  const [header, ...rows] = table.stdout.trimEnd().split("\n");
  assert.match(header!, /^HOST\s+CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
  const row = rows.find((r) => r.includes(id.slice(0, 12)));
  assert.ok(row, table.stdout);
  assert.match(row!, new RegExp(`^${f.hostId}\\s+${id.slice(0, 12)}\\s+\\S+busybox:latest\\s+"sleep 300"\\s+.*running\\s+-\\s+cli-one$`));

  const listed = JSON.parse(json.stdout) as Array<{ id: string; name: string; state: string; hostId: number; labels: Record<string, string> }>;
  const mine = listed.find((c) => c.id === id);
  assert.equal(mine?.state, "running");
  assert.equal(mine?.labels.team, "cli");
  const filtered = JSON.parse(filteredOut.stdout) as Array<{ id: string }>;
  assert.deepEqual(filtered.map((c) => c.id), [id]);
  assert.deepEqual(JSON.parse(otherOut.stdout), []);
  assert.equal(badFilter.code, 2);
  assert.match(badFilter.stderr, /--filter colour=red: write name=/);

  const stop = await gantry(home, ["stop", "-t", "1", `${f.hostId}/cli-one`]);
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal(stop.stdout.trim(), `${f.hostId}/cli-one`);
  const [all, running] = await Promise.all([gantry(home, ["ps", "-a", "--json"]), gantry(home, ["ps", "--json"])]);
  const after = JSON.parse(all.stdout) as Array<{ id: string; state: string }>;
  assert.equal(after.find((c) => c.id === id)?.state, "exited");
  assert.equal(JSON.parse(running.stdout).some((c: { id: string }) => c.id === id), false);

  const rm = await gantry(home, ["rm", "--host", String(f.hostId), "cli-one", "--json"]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(JSON.parse(rm.stdout)[0].id, id);
  const gone = await gantry(home, ["rm", `${f.hostId}/cli-one`]);
  assert.equal(gone.code, 4);
  assert.match(gone.stderr, /cli-one/);

  const [images, noHost, badPort] = await Promise.all([
    gantry(home, ["images", "--host", String(f.hostId)]),
    gantry(home, ["run", f.image]),
    gantry(home, ["run", "--host", "1", "-p", "http", f.image]),
  ]);
  assert.equal(images.code, 0, images.stderr);
  assert.match(images.stdout.split("\n")[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
  assert.match(images.stdout, new RegExp(`${f.registry.host.replace(/[.]/g, "\\.")}/busybox\\s+latest\\s+[0-9a-f]{12}`));

  assert.equal(noHost.code, 2);
  assert.match(noHost.stderr, /needs --host/);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /-p http/);
});

test("logs -f follows a container's output; exec runs a command and passes its exit code; pull shows progress", async () => {
  const run = await gantry(home, ["run", "--host", String(f.hostId), "--name", "cli-logs", "--network", "none", f.image, "sh", "-c", "echo first; echo oops >&2; sleep 1; echo second; sleep 300"]);
  assert.equal(run.code, 0, run.stderr);

  // -f keeps going until the test has seen the later line, then interrupts it like a user pressing Ctrl-C.
  const { spawn } = await import("node:child_process");
  const { REPO_ROOT } = await import("../support/bundle");
  const child = spawn(process.execPath, [join(REPO_ROOT, "bin/gantry.mjs"), "logs", "-f", `${f.hostId}/cli-logs`], { env: { ...process.env, HOME: home, XDG_CONFIG_HOME: "", GANTRY_URL: "", GANTRY_TOKEN: "" } });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`logs -f did not show "second": ${out} ${err}`)), 30_000);
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("second")) (clearTimeout(timer), resolve());
    });
  });
  child.kill("SIGINT");
  const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  assert.equal(code, 0);
  assert.equal(out, "first\nsecond\n");
  assert.equal(err, "oops\n");

  // The commands below read the container or run their own exec in it, and the pull is of another image: each is a
  // process of its own, so they run side by side; each one's result is checked as before.
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: "", GANTRY_URL: "", GANTRY_TOKEN: "" };
  const pulling = (async () => {
    const { makeImage, makeLayer, pushImage } = await import("../support/images");
    await pushImage(f.registry.host, "cli-pulled", "v1", makeImage([await makeLayer([{ name: "a.txt", type: "file", mode: 0o644, body: Buffer.from("a") }])]));
    return gantry(home, ["pull", "--host", String(f.hostId), `${f.registry.host}/cli-pulled:v1`]);
  })();
  const [plain, ex, piped, counted, unattached, missing] = await Promise.all([
    gantry(home, ["logs", "--tail", "1", "--json", `${f.hostId}/cli-logs`]),
    gantry(home, ["exec", `${f.hostId}/cli-logs`, "sh", "-c", "echo in-$((2+3)); exit 7"]),
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const c = spawn(process.execPath, [join(REPO_ROOT, "bin/gantry.mjs"), "exec", "-i", `${f.hostId}/cli-logs`, "head", "-n", "1"], { env });
      let o = "";
      c.stdout.on("data", (d) => (o += d));
      c.stdin.write("typed-line\n");
      c.once("exit", (code) => resolve({ code, out: o }));
    }),
    // Piped stdin that ends is the command's end-of-file: `wc -l` counts the lines and exits.
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const c = spawn(process.execPath, [join(REPO_ROOT, "bin/gantry.mjs"), "exec", "-i", `${f.hostId}/cli-logs`, "wc", "-l"], { env });
      let o = "";
      c.stdout.on("data", (d) => (o += d));
      c.stdin.end("one\ntwo\nthree\n");
      c.once("exit", (code) => resolve({ code, out: o }));
    }),
    // Without -i the command's stdin is empty, as with `docker exec`: `echo 'echo x' | gantry exec C sh` returns at once
    // (sh reads end-of-file), printing nothing — the piped line is not the command's input.
    new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const c = spawn(process.execPath, [join(REPO_ROOT, "bin/gantry.mjs"), "exec", `${f.hostId}/cli-logs`, "sh"], { env });
      let o = "";
      c.stdout.on("data", (d) => (o += d));
      c.stdin.end("echo x\n");
      const timer = setTimeout(() => (c.kill("SIGKILL"), reject(new Error("gantry exec without -i did not return within 20 s"))), 20_000);
      c.once("exit", (code) => (clearTimeout(timer), resolve({ code, out: o })));
    }),
    gantry(home, ["exec", `${f.hostId}/nope`, "true"]),
  ]);
  assert.equal(plain.code, 0, plain.stderr);
  const lines = plain.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.at(-1).end, true);
  assert.equal(ex.code, 7, ex.stderr);
  assert.equal(ex.stdout, "in-5\n");
  assert.equal(piped.code, 0);
  assert.equal(piped.out, "typed-line\n");
  assert.equal(counted.code, 0);
  assert.equal(counted.out.trim(), "3");
  assert.equal(unattached.code, 0);
  assert.equal(unattached.out, "");
  assert.equal(missing.code, 4, missing.stderr);

  const pulled = await pulling;
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.ok(pulled.stdout.trim().length > 0, "progress printed");
  const images = JSON.parse((await gantry(home, ["images", "--host", String(f.hostId), "--json"])).stdout) as Array<{ repoTags: string[] }>;
  assert.ok(images.some((i) => i.repoTags.includes(`${f.registry.host}/cli-pulled:v1`)));
  assert.equal((await gantry(home, ["rm", "-f", `${f.hostId}/cli-logs`])).code, 0);
});
