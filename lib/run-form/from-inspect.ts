// The run form filled from an existing container's inspect data (Docker's format), for "Duplicate" and "Edit": the same
// image, command, environment, ports, volumes, limits, restart policy, labels and network, and under Advanced its
// working directory, user, host name (unless it is the engine's default, the short id), terminal and stdin, the
// networks it joined besides its first, and its healthcheck — under a new name (Duplicate) or its own (Edit). What cannot be
// carried over is said, not guessed: env values the viewer may not read (withheld) and anonymous volumes (the copy
// gets its own, as a new `docker run` would).
import type { ContainerInspect } from "../protocol/results";
import { WITHHELD } from "../containers/secret-env";
import { emptyPortRow, emptyRunForm, emptyVolumeRow, RESTART_POLICIES, type PortRow, type RestartPolicyName, type RunFormValues, type VolumeRow } from "./form-values";

export interface FilledRunForm {
  values: RunFormValues;
  /** Env names whose values were withheld and left out (to be typed again). */
  withheldEnv: string[];
}

/** One argv back into the command line splitCommandLine reads. */
export function joinCommandLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/** Bytes as the form's memory field takes them: the largest unit that divides them exactly. */
export function memoryText(bytes: number): string {
  for (const [unit, size] of [["g", 1024 ** 3], ["m", 1024 ** 2], ["k", 1024]] as const) if (bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}

const ANONYMOUS_VOLUME = /^[0-9a-f]{64}$/;

export function runFormFromInspect(c: ContainerInspect, name: string): FilledRunForm {
  const v = emptyRunForm(c.Config?.Image ?? c.Image ?? "");
  v.name = name;
  if (c.Config?.Cmd?.length) v.command = joinCommandLine(c.Config.Cmd);
  if (c.Config?.Entrypoint?.length) v.entrypoint = joinCommandLine(c.Config.Entrypoint);

  const withheldEnv: string[] = [];
  const env: string[] = [];
  for (const line of c.Config?.Env ?? []) {
    const eq = line.indexOf("=");
    if (eq > 0 && line.slice(eq + 1) === WITHHELD) withheldEnv.push(line.slice(0, eq));
    else if (eq > 0) env.push(line);
  }
  if (env.length) v.env = env;
  const labels = Object.entries(c.Config?.Labels ?? {}).map(([k, val]) => `${k}=${val}`);
  if (labels.length) v.labels = labels;

  const bindings = ((c.HostConfig as { PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> } | undefined)?.PortBindings ?? {}) as Record<
    string,
    Array<{ HostIp?: string; HostPort?: string }> | null
  >;
  const ports: PortRow[] = [];
  for (const [key, binds] of Object.entries(bindings)) {
    const [containerPort, proto] = key.split("/");
    for (const b of binds ?? [{}]) {
      ports.push({ hostIp: b.HostIp ?? "", hostPort: b.HostPort ?? "", containerPort: containerPort ?? "", protocol: proto === "udp" ? "udp" : "tcp" });
    }
  }
  if (ports.length) v.ports = ports;
  else v.ports = [emptyPortRow()];

  const volumes: VolumeRow[] = [];
  for (const m of c.Mounts ?? []) {
    if (!m.Destination) continue;
    if (m.Type === "volume" && m.Name && !ANONYMOUS_VOLUME.test(m.Name)) volumes.push({ source: m.Name, target: m.Destination, readOnly: m.RW === false });
    else if (m.Type === "bind" && m.Source) volumes.push({ source: m.Source, target: m.Destination, readOnly: m.RW === false });
  }
  v.volumes = volumes.length ? volumes : [emptyVolumeRow()];

  const hc = c.HostConfig;
  if (hc?.Memory) v.memory = memoryText(hc.Memory);
  if (hc?.NanoCpus) v.cpus = String(hc.NanoCpus / 1e9);
  if (hc?.PidsLimit && hc.PidsLimit > 0) v.pids = String(hc.PidsLimit);
  const restart = hc?.RestartPolicy?.Name ?? "";
  if ((RESTART_POLICIES as readonly string[]).includes(restart)) v.restart = restart as RestartPolicyName;
  if (restart === "on-failure" && hc?.RestartPolicy?.MaximumRetryCount) v.maxRetries = String(hc.RestartPolicy.MaximumRetryCount);
  const network = hc?.NetworkMode ?? "";
  if (network && network !== "default" && network !== "bridge") v.network = network;
  const cfg = c.Config;
  if (cfg?.WorkingDir) v.workdir = cfg.WorkingDir;
  if (cfg?.User) v.user = cfg.User;
  // The engine names a container's host after its short id when none was asked for: that one is not a setting.
  if (cfg?.Hostname && !c.Id.startsWith(cfg.Hostname)) v.hostname = cfg.Hostname;
  v.tty = cfg?.Tty === true;
  v.interactive = cfg?.OpenStdin === true;
  const primary = !network || network === "default" ? "bridge" : network;
  const extra = Object.keys(c.NetworkSettings?.Networks ?? {}).filter((n) => n !== primary);
  if (extra.length && !primary.startsWith("container:") && primary !== "host" && primary !== "none") v.networks = extra;
  const hcheck = cfg?.Healthcheck;
  const test = hcheck?.Test ?? [];
  if (test[0] === "CMD-SHELL" && test.length > 1) (v.healthCmd = test.slice(1).join(" ")), (v.healthShell = true);
  else if (test[0] === "CMD" && test.length > 1) (v.healthCmd = joinCommandLine(test.slice(1))), (v.healthShell = false);
  if (v.healthCmd) {
    const seconds = (ns: number | undefined) => (ns ? String(ns / 1e9) : "");
    v.healthInterval = seconds(hcheck?.Interval);
    v.healthTimeout = seconds(hcheck?.Timeout);
    v.healthStartPeriod = seconds(hcheck?.StartPeriod);
    v.healthRetries = hcheck?.Retries ? String(hcheck.Retries) : "";
  }
  return { values: v, withheldEnv };
}
