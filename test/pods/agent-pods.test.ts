// The agent's pods against the real engine: a real agent process, real containers, its real link — with the control
// plane's side of the pods protocol played by test/support/pod-host.ts. Containers sharing the sandbox's network, IPC
// and UTS namespaces; init containers to completion first; configMap files and a secret on a tmpfs; env resolved; and an
// agent restart (with the control plane away) that leaves the pod's containers running and still supervised.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { newUid, PodLinkServer, startPodHost, type PodHost } from "../support/pod-host";
import type { AgentPodInput } from "@/lib/protocol/pods";

let h: PodHost;

before(async () => {
  h = await startPodHost("gpa");
});

after(async () => {
  await h?.destroy();
});

const b64 = (s: string) => Buffer.from(s).toString("base64");

function pod(name: string, spec: Partial<AgentPodInput> & Pick<AgentPodInput, "containers">): AgentPodInput {
  return { uid: newUid(), name, namespace: "default", hostname: name, restartPolicy: "Always", terminationGracePeriodSeconds: 5, ...spec };
}

const container = (name: string, command: string[], extra: Record<string, unknown> = {}) => ({
  name,
  image: h.image,
  imagePullPolicy: "IfNotPresent" as const,
  command,
  ...extra,
});

/** The engine's view of a pod's containers: name → inspect. */
async function podContainers(uid: string): Promise<Map<string, any>> {
  const ids = (await h.ok(["ps", "-aq", "--filter", `label=io.kubernetes.pod.uid=${uid}`])).split("\n").filter(Boolean);
  const out = new Map<string, any>();
  for (const c of ids.length ? JSON.parse(await h.ok(["inspect", ...ids])) : []) out.set(c.Name.slice(1), c);
  return out;
}

test("two containers share the sandbox's network, IPC and UTS namespaces; status says Running and Ready with the pod's IP", async () => {
  const p = pod("web", {
    containers: [
      container("server", ["sh", "-c", "mkdir -p /www && echo hello-from-server > /www/index.html && exec httpd -f -p 8080 -h /www"], {
        ports: [{ name: "http", containerPort: 8080 }],
        readinessProbe: { tcpSocket: { port: "http" }, periodSeconds: 1 },
      }),
      container("client", ["sleep", "3600"]),
    ],
  });
  await h.server.sync([p]);
  const status = await h.server.status(p.uid, "Running and Ready", (s) => s.phase === "Running" && s.conditions.some((c) => c.type === "Ready" && c.status === "True"));
  assert.ok(status.podIP, "the pod has an address");
  assert.equal(status.containerStatuses.length, 2);
  for (const c of status.containerStatuses) {
    assert.ok(c.state.running, `${c.name} runs`);
    assert.equal(c.ready, true);
    assert.equal(c.restartCount, 0);
    assert.match(c.containerID ?? "", /^gantry:\/\/[0-9a-f]{64}$/);
  }
  const cs = await podContainers(p.uid);
  const names = [...cs.keys()].sort();
  assert.deepEqual(names, [`k8s_POD_web_default_${p.uid}_0`, `k8s_client_web_default_${p.uid}_0`, `k8s_server_web_default_${p.uid}_0`]);
  const client = cs.get(`k8s_client_web_default_${p.uid}_0`);
  assert.equal(client.Config.Labels["io.kubernetes.pod.uid"], p.uid);
  assert.equal(client.Config.Labels["io.kubernetes.pod.name"], "web");
  assert.equal(client.Config.Labels["io.kubernetes.pod.namespace"], "default");
  assert.equal(client.Config.Labels["io.kubernetes.container.name"], "client");
  // The client reaches the server on localhost: one network namespace.
  assert.equal((await h.ok(["exec", `k8s_client_web_default_${p.uid}_0`, "wget", "-qO-", "http://localhost:8080/"])).trim(), "hello-from-server");
  const ns = async (c: string, kind: string) => (await h.ok(["exec", c, "readlink", `/proc/self/ns/${kind}`])).trim();
  for (const kind of ["net", "ipc", "uts"]) {
    assert.equal(await ns(`k8s_client_web_default_${p.uid}_0`, kind), await ns(`k8s_server_web_default_${p.uid}_0`, kind), `${kind} namespace shared`);
  }
  assert.equal((await h.ok(["exec", `k8s_client_web_default_${p.uid}_0`, "hostname"])).trim(), "web");
  // The pod's address is the sandbox's on the host's default bridge.
  const addr = await h.ok(["exec", `k8s_client_web_default_${p.uid}_0`, "ip", "-4", "-o", "addr", "show", "eth0"]);
  assert.match(addr, new RegExp(`inet ${status.podIP!.replace(/\./g, "\\.")}/`));
  assert.equal(h.server.rejected.length, 0, `every status parsed: ${h.server.rejected.join(", ")}`);
});
