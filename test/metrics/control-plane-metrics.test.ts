// The control plane's /metrics and each host's /metrics/hosts/{id}, as a user's Prometheus sees them: Debian's promtool
// finds the expositions valid; a real Prometheus finds both targets through http_sd (/api/v1/metrics/targets), scrapes
// them with a viewer's API token and answers queries over them (the fleet's one host online, the running container's
// memory); the container run is counted as an API request and a host command; no token is 401, someone without read
// on the whole fleet is 403.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { api, userSession } from "../support/session";
import { mintToken } from "../k8s/support";
import { freePort } from "../support/ports";
import { waitFor } from "../support/agent";

let f: FleetHost;
let token: string;
const work = mkdtempSync(join(tmpdir(), "gantry-metrics-"));
let prometheus: ChildProcess | null = null;

before(async () => {
  f = await startFleetHost("gmx");
  token = await mintToken(f.cp, f.ownerCookie, "viewer");
  const run = await api(f.cp, f.ownerCookie).post(`/api/v1/hosts/${f.hostId}/containers`, { image: f.image, name: "metrics-run", cmd: ["sleep", "300"] });
  assert.equal(run.status, 201, JSON.stringify(run.body));
});
after(async () => {
  prometheus?.kill("SIGKILL");
  await f?.destroy();
  rmSync(work, { recursive: true, force: true });
});

const scrape = (bearer?: string, cookie?: string, path = "/metrics") =>
  fetch(`${f.cp.url}${path}`, { headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(cookie ? { cookie } : {}) } });

/** The value of one series (name and exact labels) in an exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1).split(" ")[0]);
}

test("the exposition is valid Prometheus text with the fleet's figures, and promtool finds nothing to fix in Gantry's own", async () => {
  const r = await scrape(token);
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await r.text();
  // promtool exits 1 when it cannot parse the exposition, 3 for lint findings (names, help): Gantry's series have
  // none; prom-client's Node figures keep the names Node exporters have long used (nodejs_active_handles_total, a gauge).
  const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  assert.ok(check.status === 0 || check.status === 3, `promtool: exit ${check.status}: ${check.stdout}${check.stderr}`);
  const findings = (check.stdout + check.stderr).split("\n").filter((l) => l.startsWith("gantry_"));
  assert.deepEqual(findings, []);
  assert.equal(sample(text, 'gantry_hosts{status="online"}'), 1);
  assert.equal(sample(text, 'gantry_hosts{status="offline"}'), 0);
  assert.equal(sample(text, "gantry_agent_connections"), 1);
  assert.ok((sample(text, 'gantry_api_requests_total{action="containers.run",method="POST",code="201"}') ?? 0) >= 1, "the run counted as an API request");
  assert.ok((sample(text, 'gantry_host_commands_total{kind="container.run",outcome="done"}') ?? 0) >= 1, "and as a host command");
  assert.ok((sample(text, 'gantry_host_command_duration_seconds_count{kind="container.run"}') ?? 0) >= 1);
  assert.ok(sample(text, "nodejs_eventloop_lag_seconds") !== undefined, "Node's own figures too");
});

test("a host's agent metrics: its containers by state and the running one's usage, valid for promtool", async () => {
  const r = await scrape(token, undefined, `/metrics/hosts/${f.hostId}`);
  assert.equal(r.status, 200);
  const text = await r.text();
  const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  assert.ok(check.status === 0 || check.status === 3, `promtool: exit ${check.status}: ${check.stdout}${check.stderr}`);
  assert.deepEqual((check.stdout + check.stderr).split("\n").filter((l) => l.startsWith("gantry_")), []);
  assert.equal(sample(text, 'gantry_agent_containers{state="running"}'), 1);
  const mem = text.split("\n").find((l) => l.startsWith("gantry_container_memory_bytes{") && l.includes('name="metrics-run"'));
  assert.ok(mem && Number(mem.split(" ").pop()) > 0, `the running container's memory: ${mem}`);
  assert.ok((sample(text, "process_resident_memory_bytes") ?? 0) > 0, "the agent's own figures");
});

test("a real Prometheus discovers the control plane and the host over http_sd, scrapes both with the token and answers queries", async () => {
  const sd = await fetch(`${f.cp.url}/api/v1/metrics/targets`, { headers: { authorization: `Bearer ${token}` } });
  const discovered = await sd.text();
  assert.equal(sd.status, 200, discovered);
  assert.match(sd.headers.get("content-type") ?? "", /^application\/json/);
  assert.deepEqual((JSON.parse(discovered) as { labels: { __metrics_path__: string } }[]).map((t) => t.labels.__metrics_path__), ["/metrics", `/metrics/hosts/${f.hostId}`]);
  const port = await freePort();
  const target = new URL(f.cp.url);
  const config = join(work, "prometheus.yml");
  writeFileSync(join(work, "token"), token, { mode: 0o600 });
  const tokenFile = JSON.stringify(join(work, "token"));
  writeFileSync(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "scrape_configs:",
      "  - job_name: gantry",
      "    authorization:",
      `      credentials_file: ${tokenFile}`,
      "    http_sd_configs:",
      `      - url: ${JSON.stringify(`${target.origin}/api/v1/metrics/targets`)}`,
      "        refresh_interval: 5s",
      "        authorization:",
      // Prometheus 2.42 leaves http_sd's scheme empty unless it is named (its scrape config defaults to Bearer).
      "          type: Bearer",
      `          credentials_file: ${tokenFile}`,
    ].join("\n"),
  );
  prometheus = spawn("prometheus", [`--config.file=${config}`, `--storage.tsdb.path=${join(work, "data")}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ["ignore", "ignore", "pipe"] });
  let said = "";
  prometheus.stderr!.on("data", (d: Buffer) => (said = (said + d.toString()).slice(-4000)));
  const query = async (q: string) => {
    const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => null);
    const body = r && r.ok ? ((await r.json()) as { data: { result: { value: [number, string] }[] } }) : null;
    return body?.data.result[0]?.value[1];
  };
  const targets = async () => JSON.stringify(await (await fetch(`http://127.0.0.1:${port}/api/v1/targets`)).json().catch(() => null)).slice(0, 3000);
  await waitFor("Prometheus to scrape the control plane", async () => (await query('up{gantry_component="control-plane"}')) === "1", 30_000, 250).catch(async (e) => {
    throw new Error(`${(e as Error).message}; its targets: ${await targets()}; it said: ${said.slice(-1500)}`);
  });
  await waitFor("and the host's agent", async () => (await query(`up{gantry_component="agent",gantry_host_id="${f.hostId}"}`)) === "1", 30_000, 250);
  assert.equal(await query('gantry_hosts{status="online"}'), "1");
  assert.equal(await query("gantry_agent_connections"), "1");
  assert.equal(await query(`gantry_agent_containers{state="running",gantry_host_id="${f.hostId}"}`), "1");
});

test("no token is 401; someone without read on the whole fleet is 403", async () => {
  assert.equal((await scrape()).status, 401);
  assert.equal((await scrape("gat_not-a-token")).status, 401);
  const { cookie } = await userSession(f.cp, f.ownerCookie, "none");
  const r = await scrape(undefined, cookie);
  assert.equal(r.status, 403);
  assert.match(await r.text(), /metrics\.read/);
  assert.equal((await scrape(undefined, cookie, `/metrics/hosts/${f.hostId}`)).status, 403);
  assert.equal((await scrape(undefined, undefined, `/metrics/hosts/${f.hostId}`)).status, 401);
});
