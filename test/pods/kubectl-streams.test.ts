// kubectl logs and kubectl exec against pods running on a real agent: the output of the right container, -f following
// new lines, --tail and --previous, exec with stdin and with a terminal, its exit code carried back, and the rights
// asked — a viewer may neither read the logs nor exec, an operator may, and an exec leaves its activity row.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { api, userSession } from "../support/session";
import { kube, kubeEndpoint, mintToken, until, untilPod, type Kube, type KubeEndpoint } from "../k8s/support";

let h: FleetHost;
let ep: KubeEndpoint;
let k: Kube; // an operator's kubectl
let viewer: Kube;
let node: string;

before(async () => {
  h = await startFleetHost("gks");
  ep = await kubeEndpoint(h.cp);
  k = kube(ep, await mintToken(h.cp, (await userSession(h.cp, h.ownerCookie, "operator")).cookie));
  viewer = kube(ep, await mintToken(h.cp, (await userSession(h.cp, h.ownerCookie, "viewer")).cookie));
  node = (await api(h.cp, h.ownerCookie).get(`/api/v1/hosts/${h.hostId}`)).body.name;
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "talk" },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 0,
      containers: [
        // Counts a line a second; the first lines come at once.
        { name: "counter", image: h.image, command: ["sh", "-c", "echo first; echo second; i=0; while true; do i=$((i+1)); echo tick-$i; sleep 1; done"] },
        // Exits 3 after one line, again and again: a previous container to read.
        { name: "crasher", image: h.image, command: ["sh", "-c", "echo crash-run; sleep 1; exit 3"] },
      ],
    },
  };
  await ok(k, ["apply", "-f", "-"], JSON.stringify(pod));
  await untilPod(k, "talk", (p) => {
    const cs = (p.status?.containerStatuses ?? []) as Array<{ name: string; state?: { running?: object } }>;
    return !!cs.find((c) => c.name === "counter")?.state?.running;
  }, 60_000, "the counter running");
});

after(async () => {
  await ep?.close();
  await h?.destroy();
});

async function ok(kc: Kube, args: string[], stdin?: string): Promise<string> {
  const r = await kc.run(args, { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

test("kubectl logs: the named container's output, --tail, -f follows new lines, --previous reads the container before the restart", async () => {
  const all = await ok(k, ["logs", "talk", "-c", "counter"]);
  assert.match(all, /^first\nsecond\n/);
  assert.equal((await ok(k, ["logs", "talk", "-c", "counter", "--tail", "1"])).trim().split("\n").length, 1);
  const stamped = await ok(k, ["logs", "talk", "-c", "counter", "--timestamps", "--tail", "1"]);
  assert.match(stamped, /^\d{4}-\d\d-\d\dT[\d:.]+Z tick-\d+\n$/);

  // -f: lines written after the request arrive while it is open.
  const f = k.spawn(["logs", "-f", "talk", "-c", "counter", "--tail", "0"]);
  await until(() => /tick-\d+\n[^]*tick-\d+\n/.test(f.output()), 15_000, "followed lines");
  await f.stop();

  await until(async () => {
    const p = JSON.parse(await ok(k, ["get", "pod", "talk", "-o", "json"]));
    const cs = (p.status?.containerStatuses ?? []) as Array<{ name: string; restartCount: number }>;
    return (cs.find((c) => c.name === "crasher")?.restartCount ?? 0) >= 1;
  }, 60_000, "the crasher restarted");
  assert.match(await ok(k, ["logs", "talk", "-c", "crasher", "--previous"]), /crash-run/);
});

test("kubectl exec: output and exit code, stdin with -i, a terminal with -t", async () => {
  assert.equal(await ok(k, ["exec", "talk", "-c", "counter", "--", "sh", "-c", "echo out; echo err >&2"]), "out\n");
  const failed = await k.run(["exec", "talk", "-c", "counter", "--", "sh", "-c", "exit 7"]);
  assert.equal(failed.code, 7, failed.stderr);

  // -i: what kubectl reads on its stdin reaches the command, whose end ends the exec.
  assert.equal(await ok(k, ["exec", "-i", "talk", "-c", "counter", "--", "sh", "-c", "tr a-z A-Z"], "shout\n"), "SHOUT\n");

  // -t through a pseudo-terminal (script gives kubectl one): the command sees a tty.
  const out = await new Promise<string>((resolve) => {
    const child = spawn("script", ["-q", "-e", "-c", `kubectl --kubeconfig ${k.kubeconfig} exec -it talk -c counter -- sh -c 'tty; exit 0'`, "/dev/null"], {
      env: { ...process.env, HOME: k.dir, KUBECONFIG: k.kubeconfig },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let text = "";
    child.stdout.on("data", (d) => (text += d));
    child.on("close", () => resolve(text));
    child.stdin.end();
  });
  assert.match(out, /\/dev\/pts\/\d+/);

  // Each exec was written to the activity record, its outcome settled when it ended.
  const rows = await api(h.cp, h.ownerCookie).get("/api/v1/activity?action=containers.exec&pageSize=100");
  assert.equal(rows.status, 200, JSON.stringify(rows.body));
  const items = (rows.body as { items: Array<{ target: string; outcome: string }> }).items.filter((a) => a.target === "k8s/namespaces/default/pods/talk/exec");
  assert.ok(items.length >= 4, JSON.stringify(items));
  await until(async () => {
    const again = await api(h.cp, h.ownerCookie).get("/api/v1/activity?action=containers.exec&pageSize=100");
    return (again.body as { items: Array<{ target: string; outcome: string }> }).items.filter((a) => a.target.endsWith("/pods/talk/exec")).every((a) => a.outcome !== "pending");
  }, 10_000, "every exec's outcome settled");

  // What kubectl exec -i sent is in the session's end record, as a browser terminal's typed input is.
  const typed = "echo typed-$((2+3))\nexit 4\n";
  const session = await k.run(["exec", "-i", "talk", "-c", "counter", "--", "sh"], { stdin: typed });
  assert.deepEqual([session.code, session.stdout], [4, "typed-5\n"], session.stderr);
  type Row = { target: string; outcome: string; text: string; details?: { event?: string; exitCode?: number; input?: string; inputBytes?: number; inputTruncated?: boolean } };
  let ended: Row | undefined;
  await until(async () => {
    const again = await api(h.cp, h.ownerCookie).get("/api/v1/activity?action=containers.exec&pageSize=100");
    ended = (again.body as { items: Row[] }).items.find((a) => a.target === "k8s/namespaces/default/pods/talk/exec" && a.details?.event === "end" && a.details.input === typed);
    return !!ended;
  }, 10_000, "the -i session's end record with its input");
  assert.deepEqual([ended!.details!.exitCode, ended!.details!.inputBytes, ended!.details!.inputTruncated], [4, Buffer.byteLength(typed), false]);
});

test("a viewer may read the pod but neither its logs nor exec into it", async () => {
  await ok(viewer, ["get", "pod", "talk"]);
  const logs = await viewer.run(["logs", "talk", "-c", "counter"]);
  assert.notEqual(logs.code, 0);
  assert.match(logs.stderr, /forbidden.*cannot get resource "pods\/log".*containers\.logs/);
  const exec = await viewer.run(["exec", "talk", "-c", "counter", "--", "true"]);
  assert.notEqual(exec.code, 0);
  assert.match(exec.stderr, /forbidden|Forbidden/);
});
