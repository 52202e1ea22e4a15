// One value of a Secret, for someone allowed to read Secrets (k8s.secrets.read) who asked to see it on the dashboard.
// The dashboard's lists never carry values (server/browser-kube-watch.ts sends keys and sizes); this is the one way a
// page gets one, and each time it is written to the activity record — the caller (the route, through withAuth) has
// written the row before this runs, and the note says which key.
import { noteActivity } from "@/lib/activity/activity-note";
import { GantryError, notFound } from "@/lib/errors";
import { secretResource } from "@/lib/k8s/kinds/secret";
import { readObject } from "@/lib/k8s/store";
import type { RevealedSecretValue } from "./schemas";

export async function revealSecretValue(namespace: string, name: string, key: string): Promise<RevealedSecretValue> {
  noteActivity({ verb: "reveal", object: `secret ${namespace}/${name}`, extra: `key ${key}` });
  const secret = await readObject(secretResource, namespace, name);
  if (!secret) throw notFound(`secret ${namespace}/${name}`);
  const data = ((secret as { data?: Record<string, string> }).data ?? {}) as Record<string, string>;
  if (!Object.hasOwn(data, key)) throw new GantryError("not_found", `secret ${namespace}/${name} has no key ${JSON.stringify(key)}`);
  const raw = Buffer.from(data[key]!, "base64");
  let text: string | null;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    text = null;
  }
  return { key, base64: data[key]!, text, bytes: raw.length };
}
