// The instructions that change only an image's config (ENV, LABEL, WORKDIR, USER, CMD, ENTRYPOINT, EXPOSE, VOLUME,
// SHELL, STOPSIGNAL, HEALTHCHECK, ONBUILD), with the classic builder's meaning. The builder applies them as steps;
// commit applies them as `--change` lines. Each returns the text its history record shows.
import type { ImageRuntimeConfig } from "../../lib/oci/types";
import { splitRaw, type Instruction } from "./dockerfile";
import { containerPath } from "../rootfs/path";
import { expandWord, expandWords, ExpansionError } from "./shell-words";

export const DEFAULT_SHELL = ["/bin/sh", "-c"];

/** What a config instruction acts on: the runtime config, the shell for shell forms, whether CMD was set here. */
export interface ConfigTarget {
  cfg: ImageRuntimeConfig;
  shell: string[];
  cmdSetHere: boolean;
}

export const CONFIG_INSTRUCTIONS = new Set([
  "ENV", "LABEL", "WORKDIR", "USER", "CMD", "ENTRYPOINT", "EXPOSE", "VOLUME", "SHELL", "STOPSIGNAL", "HEALTHCHECK", "ONBUILD",
]);

/** Variables for substitution: `args` (declared ARGs), overridden by the config's Env. */
export function substitutionEnv(cfg: ImageRuntimeConfig, args: ReadonlyMap<string, string> = new Map()): Map<string, string> {
  const env = new Map(args);
  for (const e of cfg.Env ?? []) {
    const eq = e.indexOf("=");
    env.set(eq < 0 ? e : e.slice(0, eq), eq < 0 ? "" : e.slice(eq + 1));
  }
  return env;
}

/** Applies `ins` to `t` and returns its history text. Throws ExpansionError for bad values. */
export function applyConfigInstruction(t: ConfigTarget, ins: Instruction, env: Map<string, string>, esc: string): string {
  switch (ins.keyword) {
    case "ENV": {
      const pairs = keyValues(ins, env, esc);
      for (const [k, v] of pairs) setEnv(t.cfg, k, v);
      return `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(" ")}`;
    }
    case "LABEL": {
      const pairs = keyValues(ins, env, esc);
      t.cfg.Labels = { ...(t.cfg.Labels ?? {}) };
      for (const [k, v] of pairs) t.cfg.Labels[k] = v;
      return `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(" ")}`;
    }
    case "WORKDIR": {
      t.cfg.WorkingDir = containerPath(expandWord(ins.rest, env, esc), t.cfg.WorkingDir || "/");
      return `WORKDIR ${t.cfg.WorkingDir}`;
    }
    case "USER":
      t.cfg.User = expandWord(ins.rest, env, esc);
      return `USER ${t.cfg.User}`;
    case "CMD":
    case "ENTRYPOINT": {
      const value = ins.json ?? (ins.rest ? [...t.shell, ins.rest] : []);
      if (ins.keyword === "CMD") {
        t.cfg.Cmd = value;
        t.cmdSetHere = true;
      } else {
        t.cfg.Entrypoint = value.length ? value : null;
        // An inherited CMD would be arguments to the old entrypoint: dropped, as Docker does.
        if (!t.cmdSetHere) t.cfg.Cmd = null;
      }
      return `${ins.keyword} ${JSON.stringify(value)}`;
    }
    case "EXPOSE": {
      const ports = expandWords(ins.rest, env, esc).flatMap(parsePorts);
      t.cfg.ExposedPorts = { ...(t.cfg.ExposedPorts ?? {}) };
      for (const p of ports) t.cfg.ExposedPorts[p] = {};
      return `EXPOSE ${ports.join(" ")}`;
    }
    case "VOLUME": {
      const vols = ins.json ?? expandWords(ins.rest, env, esc);
      if (!vols.length || vols.some((v) => !v.trim())) throw new ExpansionError("VOLUME specified can not be an empty string");
      t.cfg.Volumes = { ...(t.cfg.Volumes ?? {}) };
      for (const v of vols) t.cfg.Volumes[v] = {};
      return `VOLUME ${JSON.stringify(vols)}`;
    }
    case "SHELL":
      t.shell = ins.json!;
      t.cfg.Shell = ins.json!;
      return `SHELL ${JSON.stringify(ins.json)}`;
    case "STOPSIGNAL": {
      const sig = expandWord(ins.rest, env, esc);
      if (!/^(SIG[A-Z0-9+-]+|[0-9]+)$/.test(sig)) throw new ExpansionError(`invalid signal: ${sig}`);
      t.cfg.StopSignal = sig;
      return `STOPSIGNAL ${sig}`;
    }
    case "HEALTHCHECK": {
      t.cfg.Healthcheck = healthcheck(ins);
      return `HEALTHCHECK ${JSON.stringify(t.cfg.Healthcheck)}`;
    }
    case "ONBUILD": {
      const trigger = ins.rest.replace(/^(\S+)/, (k) => k.toUpperCase());
      t.cfg.OnBuild = [...((t.cfg.OnBuild as string[] | null | undefined) ?? []), trigger];
      return `ONBUILD ${trigger}`;
    }
  }
  throw new ExpansionError(`${ins.keyword} does not change the image config`);
}

function setEnv(cfg: ImageRuntimeConfig, key: string, value: string) {
  const list = (cfg.Env ?? []).filter((e) => e.split("=")[0] !== key);
  list.push(`${key}=${value}`);
  cfg.Env = list;
}

/** ENV/LABEL arguments: key=value pairs (or the legacy "ENV key value with spaces"), substituted. */
function keyValues(ins: Instruction, env: Map<string, string>, esc: string): [string, string][] {
  const words = splitRaw(ins.rest, esc);
  if (!words[0].includes("=")) {
    return [[expandWord(words[0], env, esc), expandWord(ins.rest.slice(ins.rest.indexOf(words[0]) + words[0].length).trim(), env, esc)]];
  }
  return words.map((w) => {
    const eq = w.indexOf("=");
    return [expandWord(w.slice(0, eq), env, esc), expandWord(w.slice(eq + 1), env, esc)];
  });
}

/** EXPOSE arguments: 80, 80/tcp, 8000-8002/udp → "80/tcp" ... */
function parsePorts(spec: string): string[] {
  const m = /^([0-9]+)(?:-([0-9]+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw new ExpansionError(`invalid port "${spec}" (expected PORT[-END][/tcp|udp|sctp])`);
  const start = Number(m[1]);
  const end = m[2] ? Number(m[2]) : start;
  if (start < 1 || end > 65535 || end < start) throw new ExpansionError(`invalid port range "${spec}"`);
  const proto = (m[3] ?? "tcp").toLowerCase();
  return Array.from({ length: end - start + 1 }, (_, i) => `${start + i}/${proto}`);
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go duration text ("30s", "1m30s") in nanoseconds. */
function duration(flag: string, v: string): number {
  let ns = 0;
  let rest = v;
  if (!rest) throw new ExpansionError(`HEALTHCHECK --${flag}: a duration is required (e.g. 30s)`);
  while (rest) {
    const m = /^([0-9]+(?:\.[0-9]+)?)(ns|us|ms|s|m|h)/.exec(rest);
    if (!m) throw new ExpansionError(`HEALTHCHECK --${flag}=${v}: not a duration (e.g. 30s, 1m30s)`);
    ns += Number(m[1]) * UNIT_NS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return Math.round(ns);
}

function healthcheck(ins: Instruction): Record<string, unknown> {
  const words = splitRaw(ins.rest);
  if (words[0].toUpperCase() === "NONE") return { Test: ["NONE"] };
  const after = ins.rest.replace(/^\s*\S+\s*/, "");
  let json: string[] | null = null;
  if (after.startsWith("[")) {
    try {
      const parsed = JSON.parse(after);
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) json = parsed;
    } catch {
      /* shell form */
    }
  }
  const hc: Record<string, unknown> = { Test: json ? ["CMD", ...json] : ["CMD-SHELL", after] };
  const fields: [string, string][] = [["interval", "Interval"], ["timeout", "Timeout"], ["start-period", "StartPeriod"], ["start-interval", "StartInterval"]];
  for (const [flag, field] of fields) {
    const v = ins.flags.get(flag);
    if (v !== undefined) hc[field] = duration(flag, v);
  }
  const retries = ins.flags.get("retries");
  if (retries !== undefined) {
    if (!/^[0-9]+$/.test(retries)) throw new ExpansionError(`HEALTHCHECK --retries=${retries}: not a whole number`);
    hc.Retries = Number(retries);
  }
  return hc;
}
