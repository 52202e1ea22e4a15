// GET …/{resource}/{name}: one object.
import type { Actor } from "@/lib/auth/policy";
import { authorizeKube } from "./authorize";
import type { KubeObject } from "./meta";
import type { ResourceDef } from "./resources";
import { notFound } from "./status";
import { readObject } from "./store";

export interface ObjectTarget {
  actor: Actor | null;
  def: ResourceDef;
  /** The URL's namespace for namespaced kinds; undefined for cluster-scoped ones. */
  namespace?: string;
  name: string;
}

export async function getObjectOrThrow({ actor, def, namespace, name }: ObjectTarget): Promise<KubeObject> {
  authorizeKube(actor, def, "get", namespace, name);
  const obj = def.source ? await def.source.get(name) : await readObject(def, namespace ?? "", name);
  if (!obj) throw notFound(def, name);
  return obj;
}
