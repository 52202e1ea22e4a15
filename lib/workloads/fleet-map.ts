// The fleet map's model: every host (Node) with the pods bound to it, in name order, each pod with its state; the pods
// no host holds yet in a group of their own. A host that is down (not Ready) marks what it takes with it: its pods.
import type { KubeObject } from "@/lib/k8s/meta";
import { nodeView, type NodeView } from "./node-view";

export interface MapHost<P> {
  name: string;
  /** null for the group of pods not bound to any host (or bound to a host that is gone). */
  node: NodeView | null;
  down: boolean;
  pods: P[];
}

export function fleetMap<P>(nodes: readonly KubeObject[], pods: readonly KubeObject[], cell: (pod: KubeObject) => P): MapHost<P>[] {
  const byNode = new Map<string, KubeObject[]>();
  const loose: KubeObject[] = [];
  const known = new Set(nodes.map((n) => n.metadata.name ?? ""));
  for (const p of pods) {
    const node = (p.spec as { nodeName?: string } | undefined)?.nodeName ?? "";
    if (!node || !known.has(node)) loose.push(p);
    else (byNode.get(node) ?? byNode.set(node, []).get(node)!).push(p);
  }
  const hosts: MapHost<P>[] = [...nodes]
    .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "", "en", { numeric: true }))
    .map((n) => {
      const mine = byNode.get(n.metadata.name ?? "") ?? [];
      const view = nodeView(n, mine);
      return { name: n.metadata.name ?? "", node: view, down: view.ready !== "Ready", pods: mine.map(cell) };
    });
  if (loose.length) hosts.push({ name: "", node: null, down: false, pods: loose.map(cell) });
  return hosts;
}
