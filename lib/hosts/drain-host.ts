// Drains a host as `kubectl drain` drains a node, from the host's page, the API and `gantry host drain`: its Node is
// cordoned (spec.unschedulable: no new pods land there), then each pod on it that a controller makes again (a
// ReplicaSet's, a ReplicationController's) is deleted gracefully — the controller starts its replacement on another
// host. What nothing would make again is left where it is and named with the reason (a bare pod, a finished one, one
// already going), and so are the host's standalone containers (not a pod's): moving those is the person's decision.
// With `waitSeconds`, it waits (as kubectl drain does) until the deleted pods are gone and says which still terminate.
// Uncordoning takes spec.unschedulable off again. Both are idempotent.
import type { Actor } from "@/lib/auth/policy";
import { conflict } from "@/lib/errors";
import { sendCommand } from "@/lib/fleet";
import type { KubeObject } from "@/lib/k8s/meta";
import { KubeError } from "@/lib/k8s/status";
import { systemClient } from "@/lib/k8s/system-client";
import { HOST_ID_LABEL } from "@/lib/orchestration/node-projection";
import type { ContainerSummary } from "@/lib/protocol/commands";
import { noteActivity } from "@/lib/activity/activity-note";
import { drainPlan } from "@/lib/workloads/node-view";
import { getHostOrThrow } from "./get-host-or-throw";
import { isHostUp } from "./host-view";
import type { CordonResult, DrainHostBody, DrainResult } from "./drain-schemas";

/** The label the agent puts on every container of a pod (agent/pods/names.ts): those are not standalone. */
const POD_UID_LABEL = "io.kubernetes.pod.uid";

const client = () => systemClient("gantry-host-drain");
const ref = (p: KubeObject) => ({ namespace: p.metadata.namespace ?? "default", name: p.metadata.name ?? "" });

/** The host's Node, or null before it is registered. Nodes are named as their hosts, so it is read by name; only when
 *  that name is another host's (two hosts of one name: the older has it) is it looked for by its host-id label. */
async function findNode(host: { id: number; name: string }): Promise<KubeObject | null> {
  const byName = await client().get("nodes", "", host.name);
  if (byName?.metadata.labels?.[HOST_ID_LABEL] === String(host.id)) return byName;
  return (await client().list("nodes", { labelSelector: `${HOST_ID_LABEL}=${host.id}` })).items[0] ?? null;
}

async function nodeOf(host: { id: number; name: string }): Promise<KubeObject> {
  const node = await findNode(host);
  if (!node) throw conflict(`host ${host.id} has no Node yet (it registers within seconds of joining): try again shortly`);
  return node;
}

/** Sets the Node's spec.unschedulable, re-reading it when another writer got there first. */
async function setUnschedulable(host: { id: number; name: string }, on: boolean): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    const node = await nodeOf(host);
    const spec = { ...((node.spec ?? {}) as Record<string, unknown>) };
    if (Boolean(spec.unschedulable) === on) return node;
    if (on) spec.unschedulable = true;
    else delete spec.unschedulable;
    try {
      return await client().update("nodes", "", { ...node, spec });
    } catch (e) {
      if (e instanceof KubeError && e.code === 409 && attempt < 10) continue;
      throw e;
    }
  }
}

/** The host's Node: its name and whether it is cordoned; null before the host's Node is registered. */
export async function hostNode(host: { id: number; name: string }): Promise<{ name: string; unschedulable: boolean } | null> {
  const node = await findNode(host);
  return node ? { name: node.metadata.name ?? "", unschedulable: Boolean((node.spec as { unschedulable?: boolean } | undefined)?.unschedulable) } : null;
}

export async function cordonHost(hostId: number, on: boolean): Promise<CordonResult> {
  const host = await getHostOrThrow(hostId);
  noteActivity({ verb: on ? "cordon" : "uncordon", object: `host ${host.name}` });
  const node = await setUnschedulable(host, on);
  return { hostId, node: node.metadata.name ?? "", unschedulable: on };
}

export async function drainHost(actor: Actor, hostId: number, body: DrainHostBody = {}): Promise<DrainResult> {
  const host = await getHostOrThrow(hostId);
  noteActivity({ verb: "drain", object: `host ${host.name}` });
  const node = await setUnschedulable(host, true);
  const nodeName = node.metadata.name ?? "";
  const pods = (await client().list("pods", { fieldSelector: `spec.nodeName=${nodeName}` })).items;
  const plan = drainPlan(pods);
  const deleted: KubeObject[] = [];
  for (const pod of plan.remove) {
    const { namespace, name } = ref(pod);
    // Only this pod: another one made under the same name since the list is left alone.
    const gone = await client().delete("pods", namespace, name, { preconditions: { uid: pod.metadata.uid } }).catch((e: unknown) => {
      if (e instanceof KubeError && e.code === 409) return null; // replaced meanwhile: not ours to delete
      throw e;
    });
    if (gone !== null) deleted.push(pod);
  }
  const stillThere = await waitGone(deleted, body.waitSeconds ?? 0);
  const [containers, containersNote] = await standaloneContainers(actor, hostId, isHostUp(host) && host.connected);
  return {
    hostId,
    node: nodeName,
    deleted: deleted.map((p) => ({ ...ref(p), gone: !stillThere.has(p.metadata.uid ?? "") })),
    kept: plan.keep.map(({ pod, why }) => ({ ...ref(pod), why })),
    containers,
    ...(containersNote ? { containersNote } : {}),
  };
}

/** Waits up to `seconds` for the pods to be removed; the uids of those still there. */
async function waitGone(pods: KubeObject[], seconds: number): Promise<Set<string>> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const left = new Set<string>();
    for (const p of pods) {
      const now = await client().get("pods", p.metadata.namespace ?? "default", p.metadata.name ?? "");
      if (now && now.metadata.uid === p.metadata.uid) left.add(p.metadata.uid ?? "");
    }
    if (left.size === 0 || Date.now() >= deadline) return left;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function standaloneContainers(actor: Actor, hostId: number, up: boolean): Promise<[DrainResult["containers"], string | undefined]> {
  if (!up) return [null, "the host is not connected: its standalone containers could not be listed"];
  const outcome = await sendCommand(hostId, { kind: "container.list", all: false }, { actorId: actor.id, activityId: null });
  if (outcome.status !== "done") return [null, "the host did not answer the list of its containers"];
  const list = outcome.result as ContainerSummary[];
  return [list.filter((c) => !c.labels[POD_UID_LABEL]).map(({ id, name, image, state }) => ({ id, name, image, state })), undefined];
}
