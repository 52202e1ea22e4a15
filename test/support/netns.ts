// Network namespaces for multi-host tests: one bridge in the root namespace (the control plane's side) and one
// namespace per "host", each joined to the bridge by a veth pair, all on a /24 the test picks. Every name carries a
// random suffix; destroy() removes everything and runs on process exit too, so a failing test leaves nothing behind.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

export interface TestNetwork {
  bridge: string;
  /** The bridge's address in the root namespace: where a control plane listens for the namespaces. */
  gateway: string;
  hosts: { netns: string; address: string }[];
  destroy(): void;
}

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });

/** `subnet` is the first three octets, e.g. "10.213.7": the bridge gets .1, hosts .2, .3, … */
export function createTestNetwork(subnet: string, hostCount: number): TestNetwork {
  if (!/^10\.\d{1,3}\.\d{1,3}$/.test(subnet)) throw new Error(`subnet must look like 10.x.y, got ${subnet}`);
  const id = randomBytes(3).toString("hex");
  const bridge = `gbr${id}`;
  const created: (() => void)[] = [];
  const destroy = () => {
    for (const undo of created.splice(0).reverse()) {
      try {
        undo();
      } catch {
        /* already gone */
      }
    }
    process.off("exit", destroy);
  };
  process.on("exit", destroy);
  try {
    ip("link", "add", bridge, "type", "bridge");
    created.push(() => ip("link", "del", bridge));
    ip("addr", "add", `${subnet}.1/24`, "dev", bridge);
    ip("link", "set", bridge, "up");
    const hosts: TestNetwork["hosts"] = [];
    for (let i = 0; i < hostCount; i++) {
      const netns = `gns${id}${i}`;
      const outer = `gvh${id}${i}`;
      const address = `${subnet}.${i + 2}`;
      ip("netns", "add", netns);
      created.push(() => ip("netns", "del", netns));
      ip("link", "add", outer, "type", "veth", "peer", "name", "eth0", "netns", netns);
      created.push(() => ip("link", "del", outer));
      ip("link", "set", outer, "master", bridge);
      ip("link", "set", outer, "up");
      ip("-n", netns, "addr", "add", `${address}/24`, "dev", "eth0");
      ip("-n", netns, "link", "set", "eth0", "up");
      ip("-n", netns, "link", "set", "lo", "up");
      hosts.push({ netns, address });
    }
    return { bridge, gateway: `${subnet}.1`, hosts, destroy };
  } catch (e) {
    destroy();
    throw new Error(`creating the test network failed: ${(e as Error & { stderr?: Buffer }).stderr?.toString() || (e as Error).message}`);
  }
}
