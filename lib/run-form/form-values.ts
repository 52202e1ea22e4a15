// What the run form holds: text exactly as typed, so a failed submit loses nothing. build-run-spec.ts turns it into a
// RunSpec (lib/protocol/commands.ts) or into errors keyed by the field that is wrong.

export const RESTART_POLICIES = ["no", "on-failure", "always", "unless-stopped"] as const;
export type RestartPolicyName = (typeof RESTART_POLICIES)[number];

export interface PortRow {
  hostIp: string;
  hostPort: string;
  containerPort: string;
  protocol: "tcp" | "udp";
}

export interface VolumeRow {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface RunFormValues {
  image: string;
  name: string;
  command: string;
  entrypoint: string;
  /** One KEY=value per row. */
  env: string[];
  ports: PortRow[];
  volumes: VolumeRow[];
  memory: string;
  cpus: string;
  pids: string;
  restart: RestartPolicyName;
  maxRetries: string;
  /** One KEY=value per row. */
  labels: string[];
  network: string;
  // Advanced: what `docker run` takes beyond the form's first fields, and what Edit and Duplicate carry over.
  workdir: string;
  user: string;
  hostname: string;
  tty: boolean;
  interactive: boolean;
  /** Networks joined besides `network`, one name per row. */
  networks: string[];
  /** The healthcheck's command: argv split like a shell (CMD), or with healthShell a line for the shell (CMD-SHELL). */
  healthCmd: string;
  healthShell: boolean;
  /** Seconds, as typed. */
  healthInterval: string;
  healthTimeout: string;
  healthStartPeriod: string;
  healthRetries: string;
}

export const emptyPortRow = (): PortRow => ({ hostIp: "", hostPort: "", containerPort: "", protocol: "tcp" });
export const emptyVolumeRow = (): VolumeRow => ({ source: "", target: "", readOnly: false });

export function emptyRunForm(image = ""): RunFormValues {
  return {
    image,
    name: "",
    command: "",
    entrypoint: "",
    env: [""],
    ports: [emptyPortRow()],
    volumes: [emptyVolumeRow()],
    memory: "",
    cpus: "",
    pids: "",
    restart: "no",
    maxRetries: "",
    labels: [""],
    network: "",
    workdir: "",
    user: "",
    hostname: "",
    tty: false,
    interactive: false,
    networks: [""],
    healthCmd: "",
    healthShell: true,
    healthInterval: "",
    healthTimeout: "",
    healthStartPeriod: "",
    healthRetries: "",
  };
}

/**
 * Field keys errors are reported under: "image", "name", "command", "entrypoint", "memory", "cpus", "pids",
 * "maxRetries", "network", "env.N", "labels.N", "ports.N.hostIp|hostPort|containerPort", "volumes.N.source|target",
 * "workdir", "user", "hostname", "networks.N", "healthCmd", "healthInterval", "healthTimeout", "healthStartPeriod",
 * "healthRetries".
 */
export type FieldErrors = Record<string, string>;
