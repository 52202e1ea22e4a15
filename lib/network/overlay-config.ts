// The overlay between hosts (issue 14), read once from the control plane's environment: every host's VXLAN device uses
// the same VNI (GANTRY_VXLAN_VNI, default 1) and UDP port (GANTRY_VXLAN_PORT, default 4789 — IANA's VXLAN port; flannel
// uses the Linux default 8472, so a host running both needs another). GANTRY_VXLAN_MTU pins the overlay's MTU; unset,
// each agent takes its underlay interface's MTU less the 50 bytes of VXLAN encapsulation.
export class OverlayConfigError extends Error {}

export interface OverlayConfig {
  vni: number;
  port: number;
  /** null: the agent's underlay MTU − 50. */
  mtu: number | null;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number | null, min: number, max: number): number | null {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new OverlayConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

export function loadOverlayConfig(env: Env = process.env): OverlayConfig {
  return {
    vni: int(env, "GANTRY_VXLAN_VNI", 1, 1, 16_777_215)!,
    port: int(env, "GANTRY_VXLAN_PORT", 4789, 1, 65535)!,
    mtu: int(env, "GANTRY_VXLAN_MTU", null, 576, 9000),
  };
}
