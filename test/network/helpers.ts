// A network engine of its own per test file: a temporary GANTRY_ROOT, a default bridge, chain prefix and subnets
// unique to this process, and namespaces standing in for containers (the lifecycle is not what is tested here).
// `cleanup()` removes every namespace, link, rule and directory made, and also runs at process exit.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes, randomInt } from "node:crypto";
import { NetworkService, type NetworkServiceOptions } from "@/agent/network/network-service";

export const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Async: needed whenever the command talks to something in this process (the embedded DNS server). */
export const shAsync = async (cmd: string, ...args: string[]) => (await promisify(execFile)(cmd, args, { encoding: "utf8" })).stdout;

export interface World {
  root: string;
  options: NetworkServiceOptions;
  service: NetworkService;
  /** A fresh service on the same root and names (an agent restart). */
  restart(): NetworkService;
  /** A namespace named uniquely for this run; returns its name and path. */
  netns(label: string): { name: string; path: string };
  /** A container id (64 hex) unique to this run. */
  containerId(): string;
  /** Runs a long-lived command inside a namespace; killed on cleanup. */
  spawnIn(ns: string, cmd: string, args: string[]): ChildProcess;
  cleanup(): Promise<void>;
}

export function makeWorld(name: string, extra: Partial<NetworkServiceOptions> = {}): World {
  const root = mkdtempSync(join(tmpdir(), `gantry-net-${name}-`));
  const tag = `${process.pid}`.slice(-5) + randomBytes(1).toString("hex");
  // 10.100-199.x.x: clear of the defaults (10.88, 10.89) and of the agent tests' 10.213.x; and of any /16 a route
  // on this host already touches (another test process running at the same time).
  const routes = sh("ip", "-4", "route", "show", "table", "all");
  let second = randomInt(100, 200);
  for (let i = 0; i < 100 && routes.includes(`10.${second}.`); i++) second = randomInt(100, 200);
  const options: NetworkServiceOptions = {
    root,
    defaultBridge: `gtb${tag}`,
    defaultSubnet: `10.${second}.0.0/20`,
    userPool: `10.${second}.64.0/18`,
    chainPrefix: `GT${tag.toUpperCase()}`,
    ...extra,
  };
  const namespaces: string[] = [];
  const children: ChildProcess[] = [];
  const services: NetworkService[] = [];
  const make = () => {
    const s = new NetworkService(options);
    services.push(s);
    return s;
  };
  const service = make();
  let done = false;
  // Synchronous, so it also runs from process.on("exit") when a test crashed before its async cleanup.
  const cleanupSync = () => {
    for (const c of children) c.kill("SIGKILL");
    const quiet = (cmd: string, ...args: string[]) => {
      try {
        sh(cmd, ...args);
      } catch {
        /* already gone */
      }
    };
    for (const ns of namespaces) quiet("ip", "netns", "del", ns);
    rmSync(root, { recursive: true, force: true });
    const label = `gantry:${service.instance}:`;
    const links = JSON.parse(sh("ip", "-j", "link", "show")) as { ifname: string; ifalias?: string }[];
    for (const l of links) if (l.ifalias?.startsWith(label) || l.ifname === options.defaultBridge) quiet("ip", "link", "del", "dev", l.ifname);
    const p = options.chainPrefix!;
    const local = ["-m", "addrtype", "--dst-type", "LOCAL"];
    for (const [table, chain, spec] of [
      ["nat", "PREROUTING", [...local, "-j", p]],
      ["nat", "OUTPUT", [...local, "-j", p]],
      ["nat", "POSTROUTING", ["-j", `${p}-POSTROUTING`]],
      ["filter", "FORWARD", ["-j", `${p}-FORWARD`]],
      ["filter", "INPUT", ["-j", `${p}-INPUT`]],
    ] as const) quiet("iptables", "-w", "-t", table, "-D", chain, ...spec);
    for (const [table, chains] of [["nat", [p, `${p}-POSTROUTING`]], ["filter", [`${p}-FORWARD`, `${p}-ISOLATE`, `${p}-INPUT`]]] as const) {
      for (const c of chains) quiet("iptables", "-w", "-t", table, "-F", c);
      for (const c of chains) quiet("iptables", "-w", "-t", table, "-X", c);
    }
  };
  process.on("exit", cleanupSync);
  return {
    root,
    options,
    service,
    restart: make,
    netns(label) {
      const nsName = `gtt${tag}-${label}`;
      sh("ip", "netns", "add", nsName);
      namespaces.push(nsName);
      return { name: nsName, path: `/run/netns/${nsName}` };
    },
    containerId: () => randomBytes(32).toString("hex"),
    spawnIn(ns, cmd, args) {
      const child = spawn("ip", ["netns", "exec", ns, cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      children.push(child);
      return child;
    },
    async cleanup() {
      if (done) return;
      done = true;
      cleanupSync();
      // The last service knows the newest records; uninstall also sweeps labelled links and the chains.
      for (const s of services.reverse()) {
        try {
          await s.uninstall();
        } catch {
          /* an earlier one did it */
        }
      }
      cleanupSync();
      if (existsSync(root)) rmSync(root, { recursive: true, force: true });
      process.off("exit", cleanupSync);
    },
  };
}

/** Waits for a line on a child's stdout matching `re`. */
export function waitForOutput(child: ChildProcess, re: RegExp, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; stdout: ${buf} stderr: ${err}`)), timeoutMs);
    child.stderr?.on("data", (d) => (err += d));
    child.stdout?.on("data", (d) => {
      buf += d;
      if (re.test(buf)) {
        clearTimeout(timer);
        resolve(buf);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before ${re}; stdout: ${buf} stderr: ${err}`));
    });
  });
}
