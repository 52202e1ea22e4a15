// The desired set a host is sent (pods.sync): every pod bound to its node, as AgentPods, with what they reference read
// once per sync (a ConfigMap used by ten pods is read once). A pod that cannot be expressed (it breaks a bound of the
// protocol) is left out with the reason logged — then its host stops it, as for a pod it was never given.
import type { KubeObject } from "@/lib/k8s/meta";
import type { SystemClient } from "@/lib/k8s/system-client";
import { describeZodError } from "@/lib/protocol";
import { AgentPod } from "@/lib/protocol/pods";
import { podHostAccess } from "./host-access";
import { toAgentPod, type References } from "./to-agent-pod";

export function cachedReferences(client: SystemClient): References {
  const cache = new Map<string, Promise<KubeObject | null>>();
  const read = (resource: string, namespace: string, name: string) => {
    const key = `${resource}/${namespace}/${name}`;
    let p = cache.get(key);
    if (!p) {
      p = client.get(resource, namespace, name);
      cache.set(key, p);
    }
    return p;
  };
  return { configMap: (ns, name) => read("configmaps", ns, name), secret: (ns, name) => read("secrets", ns, name) };
}

export async function desiredPods(pods: KubeObject[], client: SystemClient, log: (msg: string) => void): Promise<AgentPod[]> {
  const refs = cachedReferences(client);
  const out: AgentPod[] = [];
  for (const pod of pods) {
    const parsed = AgentPod.safeParse(await toAgentPod(pod, refs, { hostAccess: podHostAccess(pod) }));
    if (parsed.success) out.push(parsed.data);
    else log(`pod ${pod.metadata.namespace}/${pod.metadata.name} cannot be sent to its host: ${describeZodError(parsed.error)}`);
  }
  return out;
}

/** The ConfigMaps and Secrets a pod reads (volumes, env, envFrom), as "configmaps/<ns>/<name>" and "secrets/<ns>/<name>". */
export function referencedObjects(pod: KubeObject): Set<string> {
  const ns = pod.metadata.namespace ?? "";
  const out = new Set<string>();
  const spec = (pod.spec ?? {}) as { volumes?: Array<Record<string, any>>; containers?: Array<Record<string, any>>; initContainers?: Array<Record<string, any>> };
  for (const v of spec.volumes ?? []) {
    if (v.configMap?.name) out.add(`configmaps/${ns}/${v.configMap.name}`);
    if (v.secret?.secretName) out.add(`secrets/${ns}/${v.secret.secretName}`);
  }
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) out.add(`configmaps/${ns}/${e.valueFrom.configMapKeyRef.name}`);
      if (e.valueFrom?.secretKeyRef?.name) out.add(`secrets/${ns}/${e.valueFrom.secretKeyRef.name}`);
    }
    for (const f of c.envFrom ?? []) {
      if (f.configMapRef?.name) out.add(`configmaps/${ns}/${f.configMapRef.name}`);
      if (f.secretRef?.name) out.add(`secrets/${ns}/${f.secretRef.name}`);
    }
  }
  return out;
}
