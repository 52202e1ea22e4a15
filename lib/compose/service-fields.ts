// The fields of one compose service read into their Kubernetes shapes — command/entrypoint, environment, env_file
// references, ports and expose, volumes, resources, healthcheck, depends_on, labels — each problem reported to the
// Collector with the field's path (lib/compose/translate-compose.ts assembles the objects).
import { isObj, type Collector, type Obj } from "./collector";
import { cpuQuantity, durationSeconds, memoryQuantity, shellWords } from "./units";

const HEALTHCHECK_KEYS = new Set(["test", "interval", "timeout", "retries", "start_period", "disable"]);

export function commandOf(v: unknown, path: string, c: Collector): string[] | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") {
    const words = shellWords(v);
    if (!words) c.issue(path, "a quote is not closed");
    return words && words.length ? words : null;
  }
  if (Array.isArray(v) && v.every((x) => typeof x === "string" || typeof x === "number")) return v.map(String);
  c.issue(path, "must be a string or a list of strings");
  return null;
}

export function envOf(v: unknown, path: string, vars: ReadonlyMap<string, string>, c: Collector): Obj[] {
  if (v === undefined || v === null) return [];
  const entries: Array<[string, unknown, string]> = [];
  if (Array.isArray(v)) {
    v.forEach((e, i) => {
      if (typeof e !== "string") return c.issue(`${path}[${i}]`, "must be a string VAR=value");
      const eq = e.indexOf("=");
      entries.push(eq < 0 ? [e, null, `${path}[${i}]`] : [e.slice(0, eq), e.slice(eq + 1), `${path}[${i}]`]);
    });
  } else if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) entries.push([k, x, `${path}.${k}`]);
  } else {
    c.issue(path, "must be a list of VAR=value or a mapping");
    return [];
  }
  const out: Obj[] = [];
  for (const [name, value, at] of entries) {
    if (!/^[^=\s]+$/.test(name)) {
      c.issue(at, `${JSON.stringify(name)} is not a variable name`);
      continue;
    }
    if (value === null || value === undefined) {
      if (vars.has(name)) out.push({ name, value: vars.get(name) });
      else c.note(at, `${name} has no value (compose takes it from its shell, which the cluster does not have): left out`);
      continue;
    }
    if (isObj(value) || Array.isArray(value)) {
      c.issue(at, "must be a string, number or boolean");
      continue;
    }
    out.push({ name, value: String(value) });
  }
  return out;
}

export function envFileRefs(v: unknown, path: string, c: Collector): Array<{ key: string; file: string; path: string; required: boolean }> {
  if (v === undefined || v === null) return [];
  const list = typeof v === "string" ? [v] : Array.isArray(v) ? v : null;
  if (!list) {
    c.issue(path, "must be a path or a list of paths");
    return [];
  }
  const out: Array<{ key: string; file: string; path: string; required: boolean }> = [];
  list.forEach((e, i) => {
    const at = typeof v === "string" ? path : `${path}[${i}]`;
    const file = typeof e === "string" ? e : isObj(e) && typeof e.path === "string" ? e.path : null;
    if (!file) return c.issue(at, "must be a path, or a mapping with path:");
    if (isObj(e)) for (const k of Object.keys(e)) if (k !== "path" && k !== "required") c.skip(at, k);
    out.push({ key: file.replace(/^(\.\/)+/, ""), file, path: at, required: !(isObj(e) && e.required === false) });
  });
  return out;
}

export interface PortSpec {
  path: string;
  target: number;
  published: number | null;
  protocol: "TCP" | "UDP";
  hostIp?: string;
}

function protocolOf(p: unknown, path: string, c: Collector): "TCP" | "UDP" | null {
  const s = p === undefined || p === null ? "tcp" : String(p).toLowerCase();
  if (s === "tcp") return "TCP";
  if (s === "udp") return "UDP";
  c.issue(path, `protocol ${JSON.stringify(p)}: tcp or udp`);
  return null;
}

const portNumber = (s: string) => (/^\d{1,5}$/.test(s) && Number(s) >= 1 && Number(s) <= 65535 ? Number(s) : null);

function portRange(s: string): [number, number] | null {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s);
  if (!m) return null;
  const lo = portNumber(m[1]!);
  const hi = m[2] === undefined ? lo : portNumber(m[2]);
  return lo === null || hi === null || hi < lo ? null : [lo, hi];
}

export function portsOf(v: unknown, path: string, c: Collector): PortSpec[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    c.issue(path, "must be a list");
    return [];
  }
  const out: PortSpec[] = [];
  v.forEach((p, i) => {
    const at = `${path}[${i}]`;
    if (isObj(p)) {
      for (const k of Object.keys(p)) if (!["target", "published", "protocol", "host_ip", "mode", "name", "app_protocol"].includes(k)) c.skip(at, k);
      if (p.mode !== undefined && p.mode !== "ingress" && p.mode !== "host") c.issue(`${at}.mode`, `${JSON.stringify(p.mode)}: ingress or host`);
      const target = portNumber(String(p.target ?? ""));
      if (target === null) return c.issue(`${at}.target`, "required: the container's port (1-65535)");
      let published: number | null = null;
      if (p.published !== undefined && p.published !== null && p.published !== "") {
        published = portNumber(String(p.published));
        if (published === null) return c.issue(`${at}.published`, `${JSON.stringify(p.published)} is not a port (1-65535; ranges only in the short syntax)`);
      }
      const protocol = protocolOf(p.protocol, `${at}.protocol`, c);
      if (!protocol) return;
      out.push({ path: at, target, published, protocol, ...(typeof p.host_ip === "string" ? { hostIp: p.host_ip } : {}) });
      return;
    }
    if (typeof p !== "string" && typeof p !== "number") return c.issue(at, "must be a port (\"8080:80\") or a mapping (target:, published:)");
    let spec = String(p);
    let proto: string | undefined;
    const slash = spec.lastIndexOf("/");
    if (slash >= 0) {
      proto = spec.slice(slash + 1);
      spec = spec.slice(0, slash);
    }
    const protocol = protocolOf(proto, at, c);
    if (!protocol) return;
    const parts = spec.split(":");
    if (parts.length > 3) return c.issue(at, `${JSON.stringify(p)}: an IPv6 host address is not supported (a node port answers on every IPv4 address)`);
    const [hostIp, pub, tgt] = parts.length === 3 ? parts : parts.length === 2 ? [undefined, parts[0], parts[1]] : [undefined, undefined, parts[0]];
    const targets = portRange(tgt ?? "");
    if (!targets) return c.issue(at, `${JSON.stringify(p)}: the container port must be a port or range (1-65535), as in "8080:80"`);
    let pubs: [number, number] | null = null;
    if (pub !== undefined && pub !== "") {
      pubs = portRange(pub);
      if (!pubs) return c.issue(at, `${JSON.stringify(p)}: the published port must be a port or range (1-65535)`);
      if (pubs[1] - pubs[0] !== targets[1] - targets[0])
        return c.issue(at, `${JSON.stringify(p)}: the published range and the container range must have the same length (a range to pick one host port from is not supported)`);
    }
    for (let k = 0; k <= targets[1] - targets[0]; k++) {
      out.push({ path: at, target: targets[0] + k, published: pubs ? pubs[0] + k : null, protocol, ...(hostIp ? { hostIp } : {}) });
    }
  });
  return out;
}

export function exposeOf(v: unknown, path: string, c: Collector): Array<{ target: number; protocol: "TCP" | "UDP" }> {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    c.issue(path, "must be a list");
    return [];
  }
  const out: Array<{ target: number; protocol: "TCP" | "UDP" }> = [];
  v.forEach((e, i) => {
    const [range, proto] = String(e).split("/");
    const protocol = protocolOf(proto, `${path}[${i}]`, c);
    const r = portRange(range ?? "");
    if (!r) return c.issue(`${path}[${i}]`, `${JSON.stringify(e)} is not a port or range`);
    if (!protocol) return;
    for (let p = r[0]; p <= r[1]; p++) out.push({ target: p, protocol });
  });
  return out;
}

export interface MountSpec {
  type: "volume" | "bind" | "tmpfs";
  source?: string;
  target: string;
  readOnly: boolean;
  size?: string;
}

export function mountOf(v: unknown, path: string, c: Collector): MountSpec | null {
  if (typeof v === "string") {
    const parts = v.split(":");
    if (parts.length > 3) {
      c.issue(path, `${JSON.stringify(v)}: expected [source:]target[:mode]`);
      return null;
    }
    if (parts.length === 1) return { type: "volume", target: parts[0]!, readOnly: false };
    const [source, target, mode] = parts as [string, string, string | undefined];
    const modes = (mode ?? "").split(",").filter(Boolean);
    for (const m of modes) if (!["ro", "rw", "z", "Z", "nocopy", "cached", "delegated", "consistent"].includes(m)) c.issue(path, `${JSON.stringify(v)}: unknown mode ${JSON.stringify(m)}`);
    for (const m of modes) if (["z", "Z", "nocopy"].includes(m)) c.skip(path, m, "SELinux relabelling and nocopy do not apply");
    const bind = source.startsWith("/") || source.startsWith(".") || source.startsWith("~");
    return { type: bind ? "bind" : "volume", source, target, readOnly: modes.includes("ro") };
  }
  if (isObj(v)) {
    for (const k of Object.keys(v)) if (!["type", "source", "target", "read_only", "tmpfs", "volume", "bind"].includes(k)) c.skip(path, k);
    if (isObj(v.volume)) for (const k of Object.keys(v.volume)) c.skip(`${path}.volume`, k);
    if (isObj(v.bind)) for (const k of Object.keys(v.bind)) if (k !== "create_host_path") c.skip(`${path}.bind`, k);
    const type = v.type;
    if (type !== "volume" && type !== "bind" && type !== "tmpfs") {
      c.issue(`${path}.type`, `${JSON.stringify(type)}: volume, bind or tmpfs (npipe and cluster are not supported)`);
      return null;
    }
    if (typeof v.target !== "string" || !v.target) {
      c.issue(`${path}.target`, "required: the path in the container");
      return null;
    }
    if (type === "bind" && (typeof v.source !== "string" || !v.source)) {
      c.issue(`${path}.source`, "required: the host path to bind");
      return null;
    }
    let size: string | undefined;
    if (type === "tmpfs" && isObj(v.tmpfs)) {
      for (const k of Object.keys(v.tmpfs)) if (k !== "size") c.skip(`${path}.tmpfs`, k);
      if (v.tmpfs.size !== undefined) {
        const q = memoryQuantity(v.tmpfs.size);
        if (!q) c.issue(`${path}.tmpfs.size`, `${JSON.stringify(v.tmpfs.size)} is not a size`);
        else size = q;
      }
    }
    return { type, ...(typeof v.source === "string" && v.source ? { source: v.source } : {}), target: v.target, readOnly: v.read_only === true, ...(size ? { size } : {}) };
  }
  c.issue(path, "must be a string (source:target[:ro]) or a mapping (type:, source:, target:)");
  return null;
}

export function resourcesOf(s: Obj, path: string, c: Collector): Obj | null {
  const limits: Record<string, string> = {};
  const requests: Record<string, string> = {};
  const put = (into: Record<string, string>, key: "cpu" | "memory", v: unknown, at: string) => {
    if (v === undefined || v === null) return;
    const q = key === "cpu" ? cpuQuantity(v) : memoryQuantity(v);
    if (!q) c.issue(at, `${JSON.stringify(v)} is not ${key === "cpu" ? "a number of CPUs (such as 0.5)" : "a size (such as 512m or 1g)"}`);
    else into[key] = q;
  };
  put(limits, "cpu", s.cpus, `${path}.cpus`);
  put(limits, "memory", s.mem_limit, `${path}.mem_limit`);
  put(requests, "memory", s.mem_reservation, `${path}.mem_reservation`);
  const r = isObj(s.deploy) ? s.deploy.resources : undefined;
  if (r !== undefined && r !== null) {
    const at = `${path}.deploy.resources`;
    if (!isObj(r)) c.issue(at, "must be a mapping (limits:, reservations:)");
    else {
      for (const k of Object.keys(r)) if (k !== "limits" && k !== "reservations") c.skip(at, k);
      for (const [k, into] of [["limits", limits], ["reservations", requests]] as const) {
        const part = r[k];
        if (part === undefined || part === null) continue;
        if (!isObj(part)) {
          c.issue(`${at}.${k}`, "must be a mapping (cpus:, memory:)");
          continue;
        }
        for (const key of Object.keys(part)) if (key !== "cpus" && key !== "memory") c.skip(`${at}.${k}`, key, key === "devices" ? "devices (GPUs) are not given to pods here" : undefined);
        put(into, "cpu", part.cpus, `${at}.${k}.cpus`);
        put(into, "memory", part.memory, `${at}.${k}.memory`);
      }
    }
  }
  if (!Object.keys(limits).length && !Object.keys(requests).length) return null;
  return { ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(requests).length ? { requests } : {}) };
}

export function probesOf(v: unknown, path: string, c: Collector): Obj | null {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) {
    c.issue(path, "must be a mapping (test:, interval:, …)");
    return null;
  }
  for (const k of Object.keys(v)) if (!HEALTHCHECK_KEYS.has(k)) c.skip(path, k);
  if (v.disable === true) {
    c.note(path, "disabled: no probes");
    return null;
  }
  let command: string[];
  const t = v.test;
  if (t === undefined) {
    c.note(path, "no test: the image's own HEALTHCHECK is not read by the cluster, so the pods get no probes");
    return null;
  }
  if (typeof t === "string") command = ["/bin/sh", "-c", t];
  else if (Array.isArray(t) && t.length && t.every((x) => typeof x === "string")) {
    const [kind, ...rest] = t as string[];
    if (kind === "NONE") {
      c.note(path, "test NONE: no probes");
      return null;
    }
    if (kind === "CMD" && rest.length) command = rest;
    else if (kind === "CMD-SHELL" && rest.length) command = ["/bin/sh", "-c", rest.join(" ")];
    else {
      c.issue(`${path}.test`, 'must start with "CMD", "CMD-SHELL" or "NONE" followed by the command');
      return null;
    }
  } else {
    c.issue(`${path}.test`, "required: a command string or a list such as [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]");
    return null;
  }
  const secs = (key: string, fallback: number) => {
    if (v[key] === undefined) return fallback;
    const d = durationSeconds(v[key]);
    if (d === null) {
      c.issue(`${path}.${key}`, `${JSON.stringify(v[key])} is not a duration (such as 10s or 1m30s)`);
      return fallback;
    }
    return d;
  };
  const period = Math.max(1, secs("interval", 30));
  const timeout = Math.max(1, secs("timeout", 30));
  const start = secs("start_period", 0);
  let retries = 3;
  if (v.retries !== undefined) {
    if (Number.isInteger(v.retries) && (v.retries as number) >= 1) retries = v.retries as number;
    else c.issue(`${path}.retries`, "must be a whole number ≥ 1");
  }
  const probe = { exec: { command }, periodSeconds: period, timeoutSeconds: timeout, failureThreshold: retries };
  c.note(path, `an exec liveness probe (restarts the container after ${retries} failures in a row) and the same readiness probe (its name resolves, and its published ports answer, only while it passes)`);
  return { livenessProbe: { ...probe, ...(start ? { initialDelaySeconds: start } : {}) }, readinessProbe: { ...probe } };
}

export function dependsOn(v: unknown, path: string, c: Collector): Array<{ service: string; condition?: string }> {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map((x) => ({ service: String(x) }));
  if (isObj(v)) {
    return Object.entries(v).map(([service, cfg]) => {
      if (isObj(cfg)) for (const k of Object.keys(cfg)) if (k !== "condition" && k !== "required" && k !== "restart") c.skip(`${path}.${service}`, k);
      return { service, ...(isObj(cfg) && typeof cfg.condition === "string" ? { condition: cfg.condition } : {}) };
    });
  }
  c.issue(path, "must be a list of services or a mapping");
  return [];
}

export function labelsOf(v: unknown, path: string, c: Collector): Record<string, string> {
  if (v === undefined || v === null) return {};
  const out: Record<string, string> = {};
  const ok = (k: string, at: string) => {
    if (/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(k)) return true;
    c.skip(path, k, "not a valid annotation key ([prefix/]name, the name at most 63 letters, digits, \"-\", \"_\", \".\")");
    return false;
  };
  if (Array.isArray(v)) {
    v.forEach((e, i) => {
      const s = String(e);
      const eq = s.indexOf("=");
      const k = eq < 0 ? s : s.slice(0, eq);
      if (ok(k, `${path}[${i}]`)) out[k] = eq < 0 ? "" : s.slice(eq + 1);
    });
  } else if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) if (ok(k, `${path}.${k}`)) out[k] = x === null || x === undefined ? "" : String(x);
  } else c.issue(path, "must be a list of key=value or a mapping");
  return out;
}
