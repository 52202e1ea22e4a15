// Hosts as rows of the Host table (what joining writes), for tests and the scheduler benchmark that need Nodes without
// agents: the node sync registers a Node for each.
import { randomBytes } from "node:crypto";

export function hostFacts(name: string, cpus = 2, memoryGi = 4) {
  return {
    hostname: name,
    os: { id: "debian", name: "Debian GNU/Linux", version: "12", prettyName: "Debian GNU/Linux 12 (bookworm)" },
    kernel: "6.1.0",
    arch: "x86_64",
    cpus,
    memoryBytes: memoryGi * 1024 ** 3,
    disk: { path: "/var/lib/gantry", totalBytes: 100 * 1024 ** 3, freeBytes: 50 * 1024 ** 3 },
    cgroupVersion: "v2" as const,
    engineVersion: "0.1.0",
    agentVersion: "0.1.0",
  };
}

/** Inserts hosts (online, just seen) straight into the Host table; returns their ids. */
export async function insertHosts(names: string[], opts: { cpus?: number; memoryGi?: number; status?: "online" | "stale" | "offline" } = {}): Promise<number[]> {
  const { db } = await import("@/lib/db");
  const now = new Date();
  const rows = await db.host.createManyAndReturn({
    data: names.map((name) => ({
      name,
      credentialHash: randomBytes(32).toString("hex"),
      status: opts.status ?? "online",
      statusChangedAt: now,
      lastSeenAt: now,
      facts: hostFacts(name, opts.cpus, opts.memoryGi),
      agentVersion: "0.1.0",
      engineVersion: "0.1.0",
    })),
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

export async function setHostStatus(id: number, status: "online" | "stale" | "offline"): Promise<void> {
  const { db } = await import("@/lib/db");
  await db.host.update({ where: { id }, data: { status, statusChangedAt: new Date(), ...(status === "online" ? { lastSeenAt: new Date() } : {}) } });
}
