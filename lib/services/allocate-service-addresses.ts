// A Service's share of the cluster's ranges, taken under the Kubernetes API's write lock as it is stored: a cluster IP
// from the service CIDR (GANTRY_SERVICE_CIDR) unless it is headless or an ExternalName, and a node port per port for
// NodePort and LoadBalancer Services from GANTRY_NODE_PORT_RANGE. What the object asks for explicitly is claimed as is;
// what it leaves empty is chosen — at random, as kube-apiserver does, then by a scan when random picks keep hitting
// taken ones. Each address or port is a row keyed by itself (prisma/schema/k8s.prisma), so two Services never hold the
// same, and every row of the Service that it no longer names is given back. Its rows go with its KubeObject row when it
// is removed (ON DELETE CASCADE).
//
// Refusals are 422 Invalid naming the field with kube-apiserver's words ("spec.clusterIPs: Invalid value:
// []string{\"10.96.0.10\"}: failed to allocate IP 10.96.0.10: provided IP is already allocated").
import { randomInt } from "node:crypto";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { KubeObject } from "@/lib/k8s/meta";
import { invalid, KubeError, type StatusCause } from "@/lib/k8s/status";
import { cidrContains, cidrSize, ipv4ToNumber, numberToIpv4, type ClusterNetworkConfig } from "@/lib/network/cluster-cidrs";
import { needsClusterIP, needsNodePorts, type ServicePort, type ServiceSpec } from "./service-spec";

type Tx = Prisma.TransactionClient;

/** Random picks tried before a scan for the first free one. */
const RANDOM_TRIES = 8;

export async function allocateServiceAddresses(tx: Tx, obj: KubeObject, config: ClusterNetworkConfig): Promise<void> {
  const uid = obj.metadata.uid!;
  const spec = (obj.spec ?? {}) as ServiceSpec;
  const causes: StatusCause[] = [];

  // ---- the cluster IP ----
  let address: number | null = null;
  if (needsClusterIP(spec)) {
    if (spec.clusterIP) {
      const ip = spec.clusterIP;
      const n = ipv4ToNumber(ip)!; // validate() already refused what is not an IPv4 address
      const fail = (why: string) => causes.push({ reason: "FieldValueInvalid", field: "spec.clusterIPs", message: `Invalid value: []string{${JSON.stringify(ip)}}: failed to allocate IP ${ip}: ${why}` });
      if (!inServiceRange(config, n)) fail(`the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${config.serviceCIDR.text}`);
      else if ((await claimAddress(tx, n, uid)) !== uid) fail("provided IP is already allocated");
      else address = n;
    } else {
      address = await pickAddress(tx, config, uid);
      if (address === null) throw new KubeError(500, "InternalError", `Internal error occurred: failed to allocate a serviceIP: range is full (${config.serviceCIDR.text})`);
      spec.clusterIP = numberToIpv4(address);
      spec.clusterIPs = [spec.clusterIP];
    }
  }

  // ---- node ports ----
  const ports: number[] = [];
  if (needsNodePorts(spec)) {
    const { min, max } = config.nodePortRange;
    const list = spec.ports ?? [];
    for (const [i, p] of list.entries()) {
      if (p.nodePort === undefined) continue;
      const at = `spec.ports[${i}].nodePort`;
      if (p.nodePort < min || p.nodePort > max) {
        causes.push({ reason: "FieldValueInvalid", field: at, message: `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${min}-${max}` });
        continue;
      }
      // The same port number with two protocols (TCP and UDP) may share one node port within a Service.
      if (ports.includes(p.nodePort)) continue;
      if ((await claimPort(tx, p.nodePort, uid)) !== uid) {
        causes.push({ reason: "FieldValueInvalid", field: at, message: `Invalid value: ${p.nodePort}: provided port is already allocated` });
        continue;
      }
      ports.push(p.nodePort);
    }
    if (!causes.length) {
      for (const p of list) {
        if (p.nodePort !== undefined) continue;
        // A port number served over another protocol in this Service already has one: the same, as kube-apiserver does.
        const sibling = list.find((q: ServicePort) => q !== p && q.port === p.port && q.nodePort !== undefined);
        const port = sibling?.nodePort ?? (await pickPort(tx, config, uid, ports));
        if (port === null) throw new KubeError(500, "InternalError", `Internal error occurred: failed to allocate a nodePort: range is full (${min}-${max})`);
        p.nodePort = port;
        if (!ports.includes(port)) ports.push(port);
      }
    }
  }
  if (causes.length) throw invalid("Service", "", obj.metadata.name ?? "", causes);

  // ---- what it no longer holds goes back ----
  await tx.kubeServiceIP.deleteMany({ where: { serviceUid: uid, ...(address !== null ? { address: { not: BigInt(address) } } : {}) } });
  await tx.kubeNodePort.deleteMany({ where: { serviceUid: uid, ...(ports.length ? { port: { notIn: ports } } : {}) } });
}

/** Inside the service CIDR, and neither its network nor its broadcast address. */
function inServiceRange(config: ClusterNetworkConfig, n: number): boolean {
  const { serviceCIDR } = config;
  return cidrContains(serviceCIDR, n) && n !== serviceCIDR.base && n !== serviceCIDR.base + cidrSize(serviceCIDR) - 1;
}

/** Takes `address` for `uid` unless someone holds it; returns its holder. */
async function claimAddress(tx: Tx, address: number, uid: string): Promise<string> {
  const rows = await tx.$queryRaw<Array<{ serviceUid: string }>>`
    INSERT INTO "KubeServiceIP" ("address", "serviceUid") VALUES (${BigInt(address)}, ${uid})
    ON CONFLICT ("address") DO UPDATE SET "serviceUid" = "KubeServiceIP"."serviceUid"
    RETURNING "serviceUid"`;
  return rows[0]!.serviceUid;
}

async function claimPort(tx: Tx, port: number, uid: string): Promise<string> {
  const rows = await tx.$queryRaw<Array<{ serviceUid: string }>>`
    INSERT INTO "KubeNodePort" ("port", "serviceUid") VALUES (${port}, ${uid})
    ON CONFLICT ("port") DO UPDATE SET "serviceUid" = "KubeNodePort"."serviceUid"
    RETURNING "serviceUid"`;
  return rows[0]!.serviceUid;
}

async function pickAddress(tx: Tx, config: ClusterNetworkConfig, uid: string): Promise<number | null> {
  const lo = config.serviceCIDR.base + 1;
  const hi = config.serviceCIDR.base + cidrSize(config.serviceCIDR) - 2;
  for (let i = 0; i < RANDOM_TRIES; i++) {
    const n = lo + randomInt(hi - lo + 1);
    if ((await claimAddress(tx, n, uid)) === uid) return n;
  }
  const rows = await tx.$queryRaw<Array<{ n: bigint }>>`
    SELECT s AS "n" FROM generate_series(${BigInt(lo)}::bigint, ${BigInt(hi)}::bigint) AS s
    WHERE NOT EXISTS (SELECT 1 FROM "KubeServiceIP" WHERE "address" = s) LIMIT 1`;
  if (!rows.length) return null;
  const n = Number(rows[0]!.n);
  return (await claimAddress(tx, n, uid)) === uid ? n : null;
}

/** A free node port for `uid`, none of `avoid` (those its other ports hold in this write). */
async function pickPort(tx: Tx, config: ClusterNetworkConfig, uid: string, avoid: number[]): Promise<number | null> {
  const { min, max } = config.nodePortRange;
  for (let i = 0; i < RANDOM_TRIES; i++) {
    const p = min + randomInt(max - min + 1);
    if (!avoid.includes(p) && (await claimPort(tx, p, uid)) === uid) return p;
  }
  const rows = await tx.$queryRaw<Array<{ p: number }>>`
    SELECT s AS "p" FROM generate_series(${min}::int, ${max}::int) AS s
    WHERE NOT EXISTS (SELECT 1 FROM "KubeNodePort" WHERE "port" = s) LIMIT 1`;
  if (!rows.length) return null;
  const p = rows[0]!.p;
  return (await claimPort(tx, p, uid)) === uid ? p : null;
}
