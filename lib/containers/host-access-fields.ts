// Which fields of a RunSpec reach into the host a container runs on — each needs the containers.host-access right
// (lib/auth/policy.ts). Today's RunSpec has two such fields:
//   volumes[i].source  an absolute host path: a bind mount (a volume name is Gantry's own storage, not the host's)
//   network            "host" (the host's network namespace) or "container:<id>" (another container's, which may be
//                      the host's: the control plane cannot know, so it asks for the right either way)
// The RunSpec has no privileged mode, added capabilities, devices, or host PID/IPC namespaces (the protocol is strict,
// so they are refused as unknown fields); a field like that added later belongs in this list.
import type { RunSpec } from "@/lib/protocol/commands";

export interface HostAccessField {
  /** The field's path in the RunSpec, as the API's error details name it ("volumes.0.source"). */
  path: string;
  value: string;
  /** Why it touches the host, in a user's words. */
  reason: string;
}

export function hostAccessFields(spec: RunSpec): HostAccessField[] {
  const out: HostAccessField[] = [];
  (spec.volumes ?? []).forEach((v, i) => {
    if (v.source.startsWith("/")) out.push({ path: `volumes.${i}.source`, value: v.source, reason: "a host path (a bind mount)" });
  });
  if (spec.network === "host") out.push({ path: "network", value: spec.network, reason: "the host's network namespace" });
  else if (spec.network?.startsWith("container:")) {
    out.push({ path: "network", value: spec.network, reason: "another container's network namespace, which may be the host's" });
  }
  return out;
}
