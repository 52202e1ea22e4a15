// Services across the fleet, end to end (issue 14): the pod network (overlay), the Services' addresses and Endpoints,
// and every host's service proxy and cluster DNS together — real kubectl against a real control plane, two real agents
// in their own network namespaces on an underlay bridge (test/support/pod-fleet.ts), real pods. Host B is a hardened
// host: its INPUT policy is DROP (only loopback, established traffic and VXLAN let in by its admin), so its pods' DNS
// works only if the agent lets them reach the embedded DNS on their gateway.
//
// A Deployment `web` (busybox httpd answering its pod's name, 4 replicas over both hosts, an exec readiness probe on a
// file) behind a ClusterIP Service `web` (port 80 → targetPort by name) and a NodePort Service `web-np`; a client pod
// on each host. Requests speak HTTP through busybox nc (busybox-static's wget crashes here).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { execFile } from "node:child_process";
import { waitFor } from "../support/agent";
import { startPodFleet, type FleetHost, type PodFleet } from "../support/pod-fleet";

let fleet: PodFleet;
const ns = `shop-${randomInt(1e6)}`;
/** Pod name → its host's name, for the web pods as first made. */
const webPods = new Map<string, string>();
let clusterIP = "";
let nodePort = 0;

// A CGI answering a line a tenth of a second until the client hangs up: a long-lived connection through the ClusterIP.
const STREAM = '#!/bin/sh\necho Content-Type: text/plain\necho\ni=0\nwhile :; do echo "$(hostname) $i"; i=$((i+1)); usleep 100000; done\n';

function manifests(image: string, hosts: FleetHost[]) {
  const web = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: ns },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            {
              name: "web",
              image,
              imagePullPolicy: "IfNotPresent",
              env: [{ name: "STREAM", value: STREAM }],
              command: ["sh", "-c", 'mkdir -p /www/cgi-bin && printf "%s" "$STREAM" > /www/cgi-bin/stream && chmod +x /www/cgi-bin/stream && hostname > /www/index.html && touch /tmp/ready && exec httpd -f -p 8080 -h /www'],
              ports: [{ name: "http", containerPort: 8080 }],
              readinessProbe: { exec: { command: ["test", "-f", "/tmp/ready"] }, periodSeconds: 1, failureThreshold: 1 },
            },
          ],
        },
      },
    },
  };
  const service = (name: string, type: string) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: ns },
    spec: { type, selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
  });
  const client = (h: FleetHost, i: number) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `client-${"ab"[i]}`, namespace: ns },
    spec: { nodeName: h.name, containers: [{ name: "sh", image, imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] }] },
  });
  return {
    apiVersion: "v1",
    kind: "List",
    items: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }, web, service("web", "ClusterIP"), service("web-np", "NodePort"), ...hosts.map(client)],
  };
}

interface EndpointsView {
  ready: string[];
  notReady: string[];
  /** Ready pod name → IP. */
  ips: Map<string, string>;
}

async function endpoints(name = "web"): Promise<EndpointsView> {
  const e = JSON.parse(await fleet.ok(["get", "endpoints", name, "-n", ns, "-o", "json"]));
  type Addr = { ip: string; targetRef?: { name: string } };
  const out: EndpointsView = { ready: [], notReady: [], ips: new Map() };
  for (const s of (e.subsets ?? []) as { addresses?: Addr[]; notReadyAddresses?: Addr[] }[]) {
    for (const a of s.addresses ?? []) (out.ready.push(a.targetRef!.name), out.ips.set(a.targetRef!.name, a.ip));
    for (const a of s.notReadyAddresses ?? []) out.notReady.push(a.targetRef!.name);
  }
  out.ready.sort();
  return out;
}

/** `n` HTTP requests to `url`'s host from a pod, one connection each: the answering pod's name per request ("FAIL" when none). */
async function requests(pod: string, host: string, n: number, path = "/"): Promise<string[]> {
  const script = `i=0; while [ $i -lt ${n} ]; do r=$(printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${host} 80 | tail -1); echo "\${r:-FAIL}"; i=$((i+1)); done`;
  const out = await fleet.ok(["exec", "-n", ns, pod, "--", "sh", "-c", script]);
  const lines = out.trim().split("\n");
  assert.equal(lines.length, n, `${n} answers from ${pod}: ${out}`);
  return lines;
}

const tally = (answers: string[]) => {
  const m = new Map<string, number>();
  for (const a of answers) m.set(a, (m.get(a) ?? 0) + 1);
  return Object.fromEntries([...m].sort());
};

/**
 * The pod IPs a host's proxy sends the ClusterIP to now: P-SERVICES' rule for the address → its P-SVC chain → the
 * P-SEP chains it jumps to → their DNAT targets (read from the kernel with iptables-save).
 */
function proxyTargets(h: FleetHost): Promise<string[]> {
  return new Promise((resolve, reject) =>
    execFile("nsenter", [`--net=/run/netns/${h.netns}`, "iptables-save", "-t", "nat"], { encoding: "utf8" }, (err, saved) => {
      if (err) return reject(err);
      const prefix = h.env.GANTRY_CHAIN_PREFIX!;
      const rules = saved.split("\n").filter((l) => l.startsWith("-A "));
      const svc = rules.find((l) => l.startsWith(`-A ${prefix}-SERVICES `) && l.includes(` -d ${clusterIP}/32 `))?.match(/-j (\S+)$/)?.[1];
      if (!svc) return resolve([]);
      const seps = rules.filter((l) => l.startsWith(`-A ${svc} `)).map((l) => l.match(/-j (\S+)$/)![1]!);
      const ips = seps.map((sep) => rules.find((l) => l.startsWith(`-A ${sep} `) && l.includes("-j DNAT"))?.match(/--to-destination ([\d.]+):/)?.[1] ?? "?");
      resolve([...new Set(ips)].sort());
    }),
  );
}

before(async () => {
  fleet = await startPodFleet("svcnet");
  const [, b] = fleet.hosts;
  // Host B's admin lets in only loopback, answers to its own connections and the overlay.
  for (const rule of [["-i", "lo"], ["-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED"], ["-p", "udp", "--dport", "4789"]]) fleet.inNs(b!.netns, "iptables", "-A", "INPUT", ...rule, "-j", "ACCEPT");
  fleet.inNs(b!.netns, "iptables", "-P", "INPUT", "DROP");
  await fleet.ok(["apply", "-f", "-"], JSON.stringify(manifests(fleet.image, fleet.hosts)));
  const podsReady = waitFor("4 ready web pods over both hosts, and both clients running", async () => {
    type ContainerStatus = { name: string; state?: { waiting?: { reason?: string; message?: string } } };
    const pods = JSON.parse(await fleet.ok(["get", "pods", "-n", ns, "-o", "json"])).items as { metadata: { name: string; labels?: Record<string, string> }; spec: { nodeName?: string }; status: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[]; containerStatuses?: ContainerStatus[] } }[];
    const ready = (p: (typeof pods)[number]) => p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    const web = pods.filter((p) => p.metadata.labels?.app === "web" && ready(p));
    const clients = pods.filter((p) => p.metadata.name.startsWith("client-") && ready(p));
    if (web.length !== 4 || clients.length !== 2 || new Set(web.map((p) => p.spec.nodeName)).size !== 2) {
      // Said, so a timeout reads where things stood.
      const why = (p: (typeof pods)[number]) =>
        [
          ...(p.status.conditions ?? []).filter((c) => c.status !== "True").map((c) => `${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ""}${c.message ? `: ${c.message}` : ""}`),
          ...(p.status.containerStatuses ?? []).filter((c) => c.state?.waiting).map((c) => `${c.name} waiting ${c.state!.waiting!.reason ?? ""} ${c.state!.waiting!.message ?? ""}`.trim()),
        ].join("; ");
      const state = pods.map((p) => `${p.metadata.name}@${p.spec.nodeName ?? "unscheduled"} ${p.status.phase ?? "?"}${ready(p) ? " ready" : ` (${why(p) || "no status"})`}`);
      throw new Error(`${web.length} ready web pods, ${clients.length} ready clients: ${state.join(", ")}`);
    }
    for (const p of web) webPods.set(p.metadata.name, p.spec.nodeName!);
    const ep = await endpoints();
    if (ep.ready.length !== 4) throw new Error(`Endpoints ready ${ep.ready.join(",") || "none"}; not ready ${ep.notReady.join(",") || "none"}`);
    return true;
  }, 90_000);
  await podsReady.catch(async (e) => {
    // What each host's agent said last, and the namespace's events, to read the cause from the log.
    for (const h of fleet.hosts) console.log(`# agent ${h.name}, last output:\n${h.agent.output().split("\n").slice(-40).join("\n").replace(/^/gm, "#   ")}`);
    console.log(`# events in ${ns}:\n${(await fleet.k.run(["get", "events", "-n", ns])).stdout.replace(/^/gm, "#   ")}`);
    throw e;
  });
  const services = JSON.parse(await fleet.ok(["get", "services", "-n", ns, "-o", "json"])).items as { metadata: { name: string }; spec: { clusterIP: string; ports: { nodePort?: number }[] } }[];
  clusterIP = services.find((s) => s.metadata.name === "web")!.spec.clusterIP;
  nodePort = services.find((s) => s.metadata.name === "web-np")!.spec.ports[0]!.nodePort!;
  // Both hosts' proxies have the four endpoints.
  await waitFor("both proxies sending the ClusterIP to the 4 pods", async () => {
    for (const h of fleet.hosts) if ((await proxyTargets(h)).length !== 4) return false;
    return true;
  }, 20_000);
});

after(async () => {
  await fleet?.stop();
});

test("from a pod on each host, web.<ns>.svc.cluster.local and the short name `web` answer from backends on both hosts", async () => {
  for (const client of ["client-a", "client-b"]) {
    for (const name of [`web.${ns}.svc.cluster.local`, "web"]) {
      const answers = await requests(client, name, 50);
      const seen = tally(answers);
      console.log(`# ${client} → http://${name}: ${JSON.stringify(seen)}`);
      assert.ok(!answers.includes("FAIL"), `every request to ${name} from ${client} answered: ${JSON.stringify(seen)}`);
      for (const a of answers) assert.ok(webPods.has(a), `${a} is a web pod`);
      assert.equal(new Set(answers.map((a) => webPods.get(a))).size, 2, `backends on both hosts answered ${client}: ${JSON.stringify(seen)}`);
      assert.ok(Object.keys(seen).length >= 3, `spread over the backends: ${JSON.stringify(seen)}`);
    }
  }
});

test("a backend reaching its own Service gets answers, its own included (hairpin)", async () => {
  const self = [...webPods.keys()][0]!;
  const answers = await requests(self, "web", 40);
  const seen = tally(answers);
  console.log(`# ${self} → http://web: ${JSON.stringify(seen)}`);
  assert.ok(!answers.includes("FAIL"), `every request answered, those sent back to ${self} too: ${JSON.stringify(seen)}`);
  assert.ok(answers.includes(self), `${self} answered itself at least once in 40: ${JSON.stringify(seen)}`);
});

test("scaled down: Endpoints and both hosts' proxy rules follow within a second or so, and no request reaches a removed pod", async () => {
  const before = await endpoints();
  const started = performance.now();
  await fleet.ok(["scale", "deployment/web", "-n", ns, "--replicas=2"]);
  const scaled = performance.now() - started;
  const since = (t0: number) => Math.round(performance.now() - t0);
  let remaining: EndpointsView | undefined;
  const [deletedMs, endpointsMs, ...proxyMs] = await Promise.all([
    waitFor("2 web pods being deleted", async () => {
      const pods = JSON.parse(await fleet.ok(["get", "pods", "-n", ns, "-l", "app=web", "-o", "json"])).items as { metadata: { deletionTimestamp?: string } }[];
      return pods.filter((p) => p.metadata.deletionTimestamp).length === 2 ? since(started) : false;
    }, 20_000, 20),
    waitFor("Endpoints with 2 ready addresses", async () => {
      const e = await endpoints();
      if (e.ready.length !== 2) return false;
      remaining = e;
      return since(started);
    }, 20_000, 20),
    ...fleet.hosts.map((h) =>
      waitFor(`host ${h.name}'s proxy with 2 endpoints`, async () => ((await proxyTargets(h)).length === 2 ? since(started) : false), 20_000, 20),
    ),
  ]);
  const ips = [...remaining!.ips.values()].sort();
  for (const h of fleet.hosts) assert.deepEqual(await proxyTargets(h), ips, `${h.name}'s proxy sends to the remaining pods`);
  console.log(
    `# scale 4 → 2, from the scale command: kubectl scale ${Math.round(scaled)} ms; 2 pods deleting after ${deletedMs} ms; Endpoints after ${endpointsMs} ms; ` +
      `proxy rules after ${proxyMs.join(" / ")} ms (host A / B) (each seen by polling: kubectl ~100 ms a look, iptables-save ~10 ms)`,
  );
  assert.ok(Math.max(endpointsMs, ...proxyMs) < 5000, "generous: within 5 s on a loaded machine");

  const removed = before.ready.filter((p) => !remaining!.ready.includes(p));
  assert.equal(removed.length, 2);
  for (const client of ["client-a", "client-b"]) {
    const answers = await requests(client, "web", 50);
    const seen = tally(answers);
    console.log(`# after scale-down, ${client} → http://web: ${JSON.stringify(seen)}`);
    assert.deepEqual(Object.keys(seen).sort(), remaining!.ready, `only the remaining pods answer ${client} (removed: ${removed.join(", ")})`);
  }
});

test("a failing readiness probe takes a pod out of the Endpoints and the proxies: no more requests reach it", async () => {
  const [gone, stays] = (await endpoints()).ready;
  const started = performance.now();
  await fleet.ok(["exec", "-n", ns, gone!, "--", "rm", "/tmp/ready"]);
  const e = await waitFor(`${gone} not ready in the Endpoints`, async () => {
    const e = await endpoints();
    return e.ready.length === 1 && e.notReady.includes(gone!) ? e : false;
  }, 20_000, 50);
  await Promise.all(fleet.hosts.map((h) => waitFor(`host ${h.name}'s proxy with 1 endpoint`, async () => ((await proxyTargets(h)).length === 1 ? true : false), 20_000, 20)));
  console.log(`# readiness failed → out of the Endpoints and both proxies after ${Math.round(performance.now() - started)} ms (probe period 1 s)`);
  assert.deepEqual(e.ready, [stays]);
  for (const client of ["client-a", "client-b"]) {
    const answers = await requests(client, "web", 30);
    assert.deepEqual(tally(answers), { [stays!]: 30 }, `only ${stays} answers ${client}`);
  }
  // Ready again: back in.
  await fleet.ok(["exec", "-n", ns, gone!, "--", "touch", "/tmp/ready"]);
  await waitFor(`${gone} ready again`, async () => (await endpoints()).ready.length === 2, 20_000, 50);
  await Promise.all(fleet.hosts.map((h) => waitFor(`host ${h.name}'s proxy with 2 endpoints`, async () => (await proxyTargets(h)).length === 2, 20_000, 20)));
});

test("the NodePort answers on every host's underlay address, from the other host and from outside both, and on 127.0.0.1", async () => {
  const live = new Set((await endpoints("web-np")).ready);
  const [a, b] = fleet.hosts;
  const curl = (netns: string | null, address: string) =>
    new Promise<string>((resolve) => {
      const args = ["-sS", "-m", "3", `http://${address}:${nodePort}/`];
      const [cmd, argv] = netns ? ["nsenter", [`--net=/run/netns/${netns}`, "curl", ...args]] : ["curl", args];
      execFile(cmd as string, argv as string[], { encoding: "utf8" }, (err, out, errOut) => resolve(err ? `FAIL ${errOut.trim()}` : out.trim()));
    });
  const from: [string, string | null, string][] = [
    ["host A", a!.netns, b!.address],
    ["host B", b!.netns, a!.address],
    ["outside", null, a!.address],
    ["outside", null, b!.address],
    // (route_localnet, which the proxy turns on for this)
    ["host A itself", a!.netns, "127.0.0.1"],
  ];
  for (const [who, netns, address] of from) {
    const answers: string[] = [];
    for (let i = 0; i < 10; i++) answers.push(await curl(netns, address));
    console.log(`# ${who} → ${address}:${nodePort}: ${JSON.stringify(tally(answers))}`);
    for (const x of answers) assert.ok(live.has(x), `${who} → ${address}:${nodePort} answered by a web pod: ${x}`);
  }
});

test("host A's agent killed (-9) and started again: an established connection through the ClusterIP keeps streaming, and new requests work", async () => {
  const [a] = fleet.hosts;
  // A long-lived request from client-a (host A), in the background inside the pod: kubectl exec itself goes through
  // host A's agent, which is about to die.
  await fleet.ok(["exec", "-n", ns, "client-a", "--", "sh", "-c",
    `(printf 'GET /cgi-bin/stream HTTP/1.0\\r\\n\\r\\n' | nc ${clusterIP} 80 > /tmp/stream 2>&1; echo "EXIT $?" >> /tmp/stream) > /dev/null 2>&1 &`]);
  const lines = async () => {
    const out = await fleet.ok(["exec", "-n", ns, "client-a", "--", "cat", "/tmp/stream"]);
    return { body: out.split("\n").filter((l) => /^\S+ \d+$/.test(l)), exited: /^EXIT/m.test(out), out };
  };
  const beforeKill = await waitFor("the stream flowing", async () => {
    const l = await lines();
    return l.body.length >= 5 ? l : false;
  }, 15_000);
  await a!.agent.kill();
  const killedAt = performance.now();
  await fleet.restartAgent(a!);
  // New requests through the Service from host A once its agent is back (kubectl exec needs it).
  const fresh = await waitFor("a new request from client-a through the Service", async () => {
    const answers = await requests("client-a", "web", 5);
    return answers.includes("FAIL") ? false : answers;
  }, 30_000);
  const afterRestart = await lines();
  await new Promise((r) => setTimeout(r, 1000));
  const later = await lines();
  console.log(`# stream: ${beforeKill.body.length} lines before the kill, ${afterRestart.body.length} once the agent was back (${Math.round(performance.now() - killedAt)} ms after the kill), ${later.body.length} a second later`);
  assert.ok(!later.exited, `the connection is still open:\n${later.out.slice(-500)}`);
  assert.ok(later.body.length > afterRestart.body.length && afterRestart.body.length > beforeKill.body.length, "lines kept coming through the kill and the restart");
  const backend = later.body[0]!.split(" ")[0]!;
  later.body.forEach((l, i) => assert.equal(l, `${backend} ${i}`, "one connection to one backend, no line lost"));
  assert.ok(fresh.every((x) => webPods.has(x)));
  await fleet.ok(["exec", "-n", ns, "client-a", "--", "killall", "nc"]);
});
