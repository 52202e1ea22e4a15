// Time from an API "run" to the container running on ANOTHER host, Gantry vs dockerd, both remote:
//   node --import tsx bench/fleet-run.ts [RUNS]     (needs a `next build`; GANTRY_NEXT_DIR is honoured)
// Two network namespaces on a bridge this script creates (10.218.N.0/24): in the first a Gantry agent joined to a
// control plane listening on the bridge's address; in the second dockerd (apt docker.io, its own data/exec root,
// --bridge=none --iptables=false) listening on TCP on the namespace's address. Both pull a busybox-static image from
// a local registry (reached through a forwarder on the bridge address). Each run, timed from the host's root namespace:
//   gantry:  POST /api/v1/hosts/{id}/containers {image, cmd: sleep, network} → poll GET …/containers/{cid} until running
//   dockerd: POST /containers/create → POST /containers/{id}/start → poll GET /containers/{id}/json until running
// Each container is removed (force) after its run, untimed. RUNS (default 60) alternate the order per round.
// Gantry runs with `network: "none"` (as dockerd has no bridge here) and, as a third series, on its default bridge.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomInt } from "node:crypto";
import { createTestNetwork, type TestNetwork } from "../test/support/netns.ts";
import { startRegistry, type TestRegistry } from "../test/support/registry.ts";
import { makeImage, makeLayer, pushImage } from "../test/support/images.ts";
import { freePort, startControlPlane, type ControlPlane } from "../test/support/control-plane.ts";
import { mintJoinToken, waitFor } from "../test/support/agent.ts";
import { GANTRY_RUNTIME, REPO_ROOT } from "../test/support/bundle.ts";
import { api, setupOwner, signIn } from "../test/support/session.ts";
import { fullBusyboxEntries } from "../test/support/docker-cli.ts";
import { Cleanups, ensureDockerIo, loadAverage, oneDecimal, quantile, runBench, startDockerd, stopChild } from "./support.ts";

const RUNS = Number(process.argv[2] ?? 60);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`RUNS must be a positive integer, got "${process.argv[2]}"`);
const DOCKERD_PORT = 2375;

const cleanups = new Cleanups();

/** A TCP forwarder on the bridge address to the loopback registry, so both namespaces can pull from it. */
async function forward(listenHost: string, target: string): Promise<string> {
  const [thost, tport] = target.split(":");
  const server = net.createServer((a) => {
    const b = net.connect(Number(tport), thost);
    a.pipe(b).pipe(a);
    a.on("error", () => b.destroy());
    b.on("error", () => a.destroy());
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, listenHost, r));
  cleanups.push("stop the registry forwarder", () => new Promise<void>((r) => server.close(() => r())));
  return `${listenHost}:${port}`;
}

/** JSON over HTTP to dockerd's TCP socket (the Engine API, as a remote client drives it). */
async function engine(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* a stream of progress lines */
  }
  return { status: res.status, json };
}

/**
 * A Gantry agent in a namespace's network only (nsenter --net): `ip netns exec` would also remount /sys, hiding the
 * cgroup hierarchies the runtime needs, so test/support/agent.ts's netns agents can join but not run containers.
 */
function startNetnsAgent(netns: string, root: string, env: Record<string, string>) {
  mkdirSync(root, { recursive: true });
  let out = "";
  const child = spawn("nsenter", [`--net=/run/netns/${netns}`, process.execPath, "--import", "tsx", "agent/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, GANTRY_ROOT: join(root, "root"), GANTRY_DOCKER_SOCKET: join(root, "docker.sock"), GANTRY_HEARTBEAT_INTERVAL_MS: "500", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  cleanups.push("stop the agent", () => stopChild(child, "the agent"));
  return {
    output: () => out,
    async waitForOutput(re: RegExp, ms: number) {
      await waitFor(`the agent to print ${re}`, async () => {
        if (child.exitCode !== null) throw Object.assign(new Error(`the agent exited:\n${out.slice(-3000)}`), { name: "AssertionError" });
        return re.test(out);
      }, ms, 100);
    },
  };
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

async function main() {
  ensureDockerIo();
  const work = mkdtempSync(join(tmpdir(), "gantry-bench-fleet-run-"));
  cleanups.push("remove the work directory", () => rmSync(work, { recursive: true, force: true }));

  const netw: TestNetwork = createTestNetwork(`10.218.${randomInt(1, 250)}`, 2);
  cleanups.push("remove the test network", () => netw.destroy());
  const [agentHost, dockerHost] = netw.hosts as [TestNetwork["hosts"][number], TestNetwork["hosts"][number]];

  const registry: TestRegistry = await startRegistry("open");
  cleanups.push("stop the registry", () => registry.stop());
  await pushImage(registry.host, "busybox", "latest", makeImage([await makeLayer(fullBusyboxEntries())], { cmd: ["sh"] }));
  const regHost = await forward(netw.gateway, registry.host);
  const image = `${regHost}/busybox:latest`;

  // The control plane on the bridge, and a Gantry agent in the first namespace joined to it.
  const port = await freePort();
  const publicUrl = `http://${netw.gateway}:${port}`;
  const cp: ControlPlane = await startControlPlane({ port, env: { HOST: "0.0.0.0", GANTRY_PUBLIC_URL: publicUrl } });
  cleanups.push("stop the control plane", () => cp.destroy());
  const owner = await setupOwner(cp);
  const cookie = await signIn(cp, owner.email, owner.password);
  const as = api(cp, cookie);
  const { token } = await mintJoinToken(cp.url, cookie);
  const agent = startNetnsAgent(agentHost.netns, join(work, "agent"), {
    GANTRY_SERVER_URL: publicUrl,
    GANTRY_JOIN_TOKEN: token,
    GANTRY_RUNTIME,
    GANTRY_INSECURE_REGISTRIES: regHost,
    GANTRY_BRIDGE: "gfr0",
    GANTRY_BRIDGE_SUBNET: "10.166.0.0/16",
    GANTRY_NETWORK_POOL: "10.167.0.0/16",
    GANTRY_CHAIN_PREFIX: "GFR",
  });
  await agent.waitForOutput(/joined .* as host (\d+)/, 60_000);
  const hostId = Number(/joined .* as host (\d+)/.exec(agent.output())![1]);
  // Containers outlive their agent: a run that failed midway leaves one, removed before the agent stops.
  cleanups.push("remove leftover containers", async () => {
    const left = (await as.get(`/api/v1/hosts/${hostId}/containers?all=true`)).body;
    for (const c of Array.isArray(left) ? left : []) await as.request("DELETE", `/api/v1/hosts/${hostId}/containers/${c.id}?force=true`);
  });
  await waitFor(`host ${hostId} online`, async () => (await as.get(`/api/v1/hosts/${hostId}`)).body?.status === "online", 60_000);
  const pulled = await as.post(`/api/v1/hosts/${hostId}/images/pull`, { ref: image });
  if (pulled.status !== 200 || String(pulled.body).includes('"error"')) throw new Error(`gantry pull failed: ${pulled.status} ${String(pulled.body).slice(-500)}`);

  // dockerd in the second namespace, on TCP at that namespace's address.
  const { url: dockerd } = await startDockerd({
    cleanups,
    base: join(work, "dockerd"),
    registryHost: regHost,
    netns: dockerHost.netns,
    tcp: { host: dockerHost.address, port: DOCKERD_PORT },
  });
  const version = (await engine(dockerd, "GET", "/version")).json?.Version;
  const dpull = await engine(dockerd, "POST", `/images/create?fromImage=${encodeURIComponent(`${regHost}/busybox`)}&tag=latest`);
  if (dpull.status !== 200 || String(dpull.json).includes('"error"')) throw new Error(`dockerd pull failed: ${dpull.status} ${String(dpull.json).slice(-500)}`);

  const gantryRun = async (network: string | undefined): Promise<number> => {
    const t0 = now();
    const r = await as.post(`/api/v1/hosts/${hostId}/containers`, { image, cmd: ["sleep", "3600"], ...(network ? { network } : {}) });
    if (r.status !== 201) throw new Error(`gantry run answered ${r.status}: ${JSON.stringify(r.body)}`);
    const id = r.body.id as string;
    for (;;) {
      const s = await as.get(`/api/v1/hosts/${hostId}/containers/${id}`);
      if (s.body?.State?.Running) break;
      if (s.body?.State?.Status === "exited" || now() - t0 > 30_000) throw new Error(`gantry container ${id} did not run: ${JSON.stringify(s.body?.State)}`);
    }
    const ms = now() - t0;
    const rm = await as.request("DELETE", `/api/v1/hosts/${hostId}/containers/${id}?force=true`);
    if (rm.status !== 200) throw new Error(`gantry remove answered ${rm.status}: ${JSON.stringify(rm.body)}`);
    return ms;
  };
  const dockerdRun = async (): Promise<number> => {
    const t0 = now();
    const c = await engine(dockerd, "POST", "/containers/create", { Image: image, Cmd: ["sleep", "3600"], HostConfig: { NetworkMode: "none" } });
    if (c.status !== 201) throw new Error(`dockerd create answered ${c.status}: ${JSON.stringify(c.json)}`);
    const id = c.json.Id as string;
    const s = await engine(dockerd, "POST", `/containers/${id}/start`);
    if (s.status !== 204) throw new Error(`dockerd start answered ${s.status}: ${JSON.stringify(s.json)}`);
    for (;;) {
      const i = await engine(dockerd, "GET", `/containers/${id}/json`);
      if (i.json?.State?.Running) break;
      if (i.json?.State?.Status === "exited" || now() - t0 > 30_000) throw new Error(`dockerd container ${id} did not run: ${JSON.stringify(i.json?.State)}`);
    }
    const ms = now() - t0;
    const rm = await engine(dockerd, "DELETE", `/containers/${id}?force=true`);
    if (rm.status !== 204) throw new Error(`dockerd remove answered ${rm.status}: ${JSON.stringify(rm.json)}`);
    return ms;
  };

  console.log(`gantry agent in ${agentHost.netns} (${agentHost.address}) as host ${hostId}; dockerd ${version} in ${dockerHost.netns} (${dockerHost.address}); load average ${loadAverage()}`);
  const series = { "gantry (network none)": [] as number[], "dockerd (network none)": [] as number[], "gantry (bridge)": [] as number[] };
  const runners: [keyof typeof series, () => Promise<number>][] = [
    ["gantry (network none)", () => gantryRun("none")],
    ["dockerd (network none)", dockerdRun],
    ["gantry (bridge)", () => gantryRun(undefined)],
  ];
  for (let i = 0; i < 3; i++) for (const [, run] of runners) await run(); // warm-up, untimed
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 ? [...runners].reverse() : runners;
    for (const [name, run] of order) series[name].push(await run());
  }
  console.log(`${RUNS} runs each, run → running (ms), load average ${loadAverage()}:`);
  for (const [name, xs] of Object.entries(series)) {
    console.log(`  ${name.padEnd(24)} p50 ${oneDecimal(quantile(xs, 0.5))}  p99 ${oneDecimal(quantile(xs, 0.99))}  mean ${oneDecimal(xs.reduce((a, b) => a + b, 0) / xs.length)}  max ${oneDecimal(Math.max(...xs))}`);
  }
  const g = series["gantry (network none)"];
  const d = series["dockerd (network none)"];
  console.log(`ratio gantry/dockerd (network none): p50 ${(quantile(g, 0.5) / quantile(d, 0.5)).toFixed(3)}, p99 ${(quantile(g, 0.99) / quantile(d, 0.99)).toFixed(3)}`);
  console.log(`target run → running p99 ≤ 1000 ms: gantry ${quantile(g, 0.99) <= 1000 && quantile(series["gantry (bridge)"], 0.99) <= 1000 ? "met" : "NOT met"}`);
}

await runBench(main, cleanups);
