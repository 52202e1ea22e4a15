// The host's own address for pods' status.hostIP (and env fieldRef status.hostIP): the IPv4 address of the interface
// the default route leaves by, as a node's InternalIP usually is; the first non-loopback IPv4 address without a default
// route; 127.0.0.1 on a host with neither.
import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";

export function hostAddress(): string {
  const ifaces = networkInterfaces();
  const v4 = (name: string) => ifaces[name]?.find((a) => a.family === "IPv4" && !a.internal)?.address;
  try {
    // /proc/net/route: Iface Destination Gateway …, hex; the default route's destination is 00000000.
    for (const line of readFileSync("/proc/net/route", "utf8").split("\n").slice(1)) {
      const [iface, dest, , , , , , mask] = line.trim().split(/\s+/);
      if (iface && dest === "00000000" && mask === "00000000") {
        const a = v4(iface);
        if (a) return a;
      }
    }
  } catch {
    /* no procfs: the first address below */
  }
  for (const name of Object.keys(ifaces)) {
    const a = v4(name);
    if (a) return a;
  }
  return "127.0.0.1";
}
