// The run form's text → a RunSpec, checking every field the way the engine would and naming each problem by field,
// so the form can show it next to the input. The result is parsed with the protocol's own RunSpec schema last.
import { ImageReference } from "../oci/reference";
import { RunSpec } from "../protocol/commands";
import { parseMemorySize, MIN_MEMORY_BYTES } from "./parse-memory";
import { splitCommandLine } from "./split-command";
import type { FieldErrors, RunFormValues } from "./form-values";

// Docker's container-name rule.
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
// A named volume (Docker's volume-name rule); anything starting with "/" is a bind mount of a host path.
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:.]+$/;

export type BuildResult = { ok: true; spec: RunSpec } | { ok: false; errors: FieldErrors };

function port(text: string, what: string): number | string {
  if (!/^\d+$/.test(text)) return `${what} must be a whole number from 1 to 65535, not "${text}"`;
  const n = Number(text);
  if (n < 1 || n > 65535) return `${what} must be from 1 to 65535, not ${text}`;
  return n;
}

/** "KEY=value" rows into a record; empty rows are skipped, a row without "=" or with an empty key is an error. */
function keyValues(rows: string[], field: "env" | "labels", errors: FieldErrors): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const what = field === "env" ? "an environment variable" : "a label";
  rows.forEach((row, i) => {
    if (row.trim() === "") return;
    const eq = row.indexOf("=");
    const key = eq < 0 ? row.trim() : row.slice(0, eq).trim();
    if (eq < 0) return void (errors[`${field}.${i}`] = `write ${what} as KEY=value ("${row}" has no "=")`);
    if (key === "") return void (errors[`${field}.${i}`] = `${what} needs a name before "="`);
    if (field === "env" && /\s/.test(key)) return void (errors[`${field}.${i}`] = `the variable name "${key}" contains whitespace`);
    if (key in out) return void (errors[`${field}.${i}`] = `"${key}" is given twice`);
    out[key] = row.slice(eq + 1);
  });
  return Object.keys(out).length ? out : undefined;
}

export function buildRunSpec(v: RunFormValues): BuildResult {
  const errors: FieldErrors = {};
  const spec: Record<string, unknown> = {};

  const image = v.image.trim();
  if (image === "") errors.image = "an image reference is required (e.g. busybox:latest)";
  else {
    try {
      ImageReference.parse(image);
      spec.image = image;
    } catch (e) {
      errors.image = (e as Error).message;
    }
  }

  const name = v.name.trim();
  if (name !== "") {
    if (!CONTAINER_NAME.test(name) || name.length > 128) {
      errors.name = `"${name}" is not a valid name: at least 2 characters, starting with a letter or digit, then letters, digits, "_", "." or "-"`;
    } else spec.name = name;
  }

  for (const field of ["command", "entrypoint"] as const) {
    if (v[field].trim() === "") continue;
    try {
      spec[field === "command" ? "cmd" : "entrypoint"] = splitCommandLine(v[field]);
    } catch (e) {
      errors[field] = (e as Error).message;
    }
  }

  const env = keyValues(v.env, "env", errors);
  if (env) spec.env = env;
  const labels = keyValues(v.labels, "labels", errors);
  if (labels) spec.labels = labels;

  const ports: RunSpec["ports"] = [];
  v.ports.forEach((p, i) => {
    const hostIp = p.hostIp.trim();
    const hostPort = p.hostPort.trim();
    const containerPort = p.containerPort.trim();
    if (!hostIp && !hostPort && !containerPort) return;
    const row: { container?: number; host?: number; hostIp?: string; protocol: "tcp" | "udp" } = { protocol: p.protocol };
    if (!containerPort) errors[`ports.${i}.containerPort`] = "a container port is required";
    else {
      const n = port(containerPort, "the container port");
      if (typeof n === "string") errors[`ports.${i}.containerPort`] = n;
      else row.container = n;
    }
    if (hostPort) {
      const n = port(hostPort, "the host port");
      if (typeof n === "string") errors[`ports.${i}.hostPort`] = n;
      else row.host = n;
    }
    if (hostIp) {
      if (!IPV4.test(hostIp) && !(hostIp.includes(":") && IPV6.test(hostIp))) errors[`ports.${i}.hostIp`] = `"${hostIp}" is not an IPv4 or IPv6 address`;
      else row.hostIp = hostIp;
    }
    if (row.container !== undefined) ports.push(row as NonNullable<RunSpec["ports"]>[number]);
  });
  if (ports.length) spec.ports = ports;

  const volumes: RunSpec["volumes"] = [];
  v.volumes.forEach((vol, i) => {
    const source = vol.source.trim();
    const target = vol.target.trim();
    if (!source && !target) return;
    let ok = true;
    if (!source) (errors[`volumes.${i}.source`] = "a volume name or an absolute host path is required"), (ok = false);
    else if (!source.startsWith("/") && !VOLUME_NAME.test(source)) {
      errors[`volumes.${i}.source`] = `"${source}" is neither a volume name (letters, digits, "_", "." or "-") nor an absolute host path`;
      ok = false;
    }
    if (!target) (errors[`volumes.${i}.target`] = "a target path inside the container is required"), (ok = false);
    else if (!target.startsWith("/")) (errors[`volumes.${i}.target`] = `the target "${target}" must be an absolute path`), (ok = false);
    if (ok) volumes.push({ source, target, readOnly: vol.readOnly });
  });
  if (volumes.length) spec.volumes = volumes;

  if (v.memory.trim()) {
    try {
      const bytes = parseMemorySize(v.memory);
      if (bytes < MIN_MEMORY_BYTES) errors.memory = `a memory limit must be at least 6m (got ${v.memory.trim()})`;
      else spec.memoryBytes = bytes;
    } catch (e) {
      errors.memory = (e as Error).message;
    }
  }
  if (v.cpus.trim()) {
    const t = v.cpus.trim();
    const n = Number(t);
    if (!/^\d*\.?\d+$/.test(t) || !(n > 0) || n > 1024) errors.cpus = `CPUs must be a number above 0 (e.g. 0.5 or 2), not "${t}"`;
    else spec.cpus = n;
  }
  if (v.pids.trim()) {
    const t = v.pids.trim();
    if (!/^\d+$/.test(t) || Number(t) < 1 || !Number.isSafeInteger(Number(t))) errors.pids = `the process limit must be a whole number of at least 1, not "${t}"`;
    else spec.pidsLimit = Number(t);
  }

  if (v.restart !== "no" || v.maxRetries.trim()) {
    const policy: { name: RunFormValues["restart"]; maxRetries?: number } = { name: v.restart };
    const t = v.maxRetries.trim();
    if (t) {
      if (v.restart !== "on-failure") errors.maxRetries = "a maximum retry count applies to on-failure only";
      else if (!/^\d+$/.test(t)) errors.maxRetries = `the maximum retry count must be a whole number, not "${t}"`;
      else policy.maxRetries = Number(t);
    }
    spec.restartPolicy = policy;
  }

  const network = v.network.trim();
  if (network) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.:-]*$/.test(network) || network.length > 256) errors.network = `"${network}" is not a network name`;
    else spec.network = network;
  }

  const workdir = v.workdir.trim();
  if (workdir) {
    if (!workdir.startsWith("/")) errors.workdir = `the working directory must be an absolute path, not "${workdir}"`;
    else spec.workdir = workdir;
  }
  const user = v.user.trim();
  if (user) {
    if (/\s/.test(user) || user.length > 256) errors.user = `"${user}" is not a user: a name or uid, optionally :group or :gid`;
    else spec.user = user;
  }
  const hostname = v.hostname.trim();
  if (hostname) {
    if (!/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?$/.test(hostname)) errors.hostname = `"${hostname}" is not a host name (letters, digits, "-" and ".")`;
    else spec.hostname = hostname;
  }
  if (v.tty) spec.tty = true;
  if (v.interactive) spec.interactive = true;
  const networks: string[] = [];
  v.networks.forEach((row, i) => {
    const n = row.trim();
    if (!n) return;
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(n) || n.length > 256) errors[`networks.${i}`] = `"${n}" is not a network name`;
    else if (n === network || networks.includes(n)) errors[`networks.${i}`] = `"${n}" is given twice`;
    else networks.push(n);
  });
  if (networks.length) spec.networks = networks;

  const health: Record<string, unknown> = {};
  const healthCmd = v.healthCmd.trim();
  if (healthCmd) {
    if (v.healthShell) health.test = ["CMD-SHELL", healthCmd];
    else {
      try {
        health.test = ["CMD", ...splitCommandLine(healthCmd)];
      } catch (e) {
        errors.healthCmd = (e as Error).message;
      }
    }
  }
  for (const [field, key] of [["healthInterval", "intervalSeconds"], ["healthTimeout", "timeoutSeconds"], ["healthStartPeriod", "startPeriodSeconds"]] as const) {
    const t = v[field].trim();
    if (!t) continue;
    const n = Number(t);
    if (!/^\d*\.?\d+$/.test(t) || !(n >= 0.001) || n > 86_400) errors[field] = `a duration in seconds from 0.001 to 86400, not "${t}"`;
    else health[key] = n;
  }
  const retries = v.healthRetries.trim();
  if (retries) {
    if (!/^\d+$/.test(retries) || Number(retries) > 1000) errors.healthRetries = `retries must be a whole number up to 1000, not "${retries}"`;
    else health.retries = Number(retries);
  }
  if (Object.keys(health).length) {
    if (!health.test && !errors.healthCmd) errors.healthCmd = "a healthcheck needs a command (the timings alone are not one)";
    else spec.healthcheck = health;
  }

  if (Object.keys(errors).length) return { ok: false, errors };
  const parsed = RunSpec.safeParse(spec);
  if (!parsed.success) return { ok: false, errors: fieldErrorsFromApi(parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }))) };
  return { ok: true, spec: parsed.data };
}

/** The form field a RunSpec path (from the API's 422 details) belongs to, so its message is shown next to that input. */
export function fieldForSpecPath(path: string): string {
  const [head, index, leaf] = path.split(".");
  switch (head) {
    case "cmd":
      return "command";
    case "memoryBytes":
      return "memory";
    case "pidsLimit":
      return "pids";
    case "restartPolicy":
      return index === "maxRetries" ? "maxRetries" : "restart";
    case "ports":
      if (index === undefined) return "ports.0.containerPort";
      return `ports.${index}.${leaf === "host" ? "hostPort" : leaf === "hostIp" ? "hostIp" : "containerPort"}`;
    case "volumes":
      return index === undefined ? "volumes.0.source" : `volumes.${index}.${leaf === "target" ? "target" : "source"}`;
    case "env":
    case "labels":
      return `${head}.0`;
    case "networks":
      return `networks.${index ?? 0}`;
    case "healthcheck":
      return index === "intervalSeconds" ? "healthInterval" : index === "timeoutSeconds" ? "healthTimeout" : index === "startPeriodSeconds" ? "healthStartPeriod" : index === "retries" ? "healthRetries" : "healthCmd";
    case "image":
    case "name":
    case "entrypoint":
    case "cpus":
    case "network":
    case "workdir":
    case "user":
    case "hostname":
      return head;
    default:
      return "form";
  }
}

/** The API's 422 details ([{path, message}]) as form field errors; anything unplaceable lands under "form". */
export function fieldErrorsFromApi(details: { path: string; message: string }[]): FieldErrors {
  const out: FieldErrors = {};
  for (const d of details) {
    const key = fieldForSpecPath(d.path);
    out[key] = out[key] ? `${out[key]}; ${d.message}` : d.message;
  }
  return out;
}
