import { test } from "node:test";
import assert from "node:assert/strict";
import { cidrContains, cidrsOverlap, ipv4ToNumber, loadClusterNetworkConfig, parseCidr } from "../../lib/network/cluster-cidrs";

test("cluster network: the defaults are Kubernetes' (10.244.0.0/16 pods, /24 per host, 10.96.0.0/12 services, 30000-32767)", () => {
  const c = loadClusterNetworkConfig({});
  assert.equal(c.clusterCIDR.text, "10.244.0.0/16");
  assert.equal(c.serviceCIDR.text, "10.96.0.0/12");
  assert.equal(c.nodeCIDRMaskSize, 24);
  assert.deepEqual(c.nodePortRange, { min: 30000, max: 32767 });
  assert.equal(c.clusterDomain, "cluster.local");
});

test("cluster network: overlapping pod and service ranges are refused at start, naming both variables", () => {
  assert.throws(
    () => loadClusterNetworkConfig({ GANTRY_CLUSTER_CIDR: "10.96.0.0/16", GANTRY_SERVICE_CIDR: "10.96.0.0/12" }),
    /GANTRY_CLUSTER_CIDR \(10\.96\.0\.0\/16\) and GANTRY_SERVICE_CIDR \(10\.96\.0\.0\/12\) overlap/,
  );
  assert.throws(() => loadClusterNetworkConfig({ GANTRY_CLUSTER_CIDR: "10.244.0.1/16" }), /GANTRY_CLUSTER_CIDR must be an IPv4 network/);
  assert.throws(() => loadClusterNetworkConfig({ GANTRY_NODE_CIDR_MASK: "8" }), /GANTRY_NODE_CIDR_MASK/);
  assert.throws(() => loadClusterNetworkConfig({ GANTRY_NODE_PORT_RANGE: "32767-30000" }), /GANTRY_NODE_PORT_RANGE/);
});

test("cluster network: CIDR arithmetic", () => {
  const a = parseCidr("10.244.0.0/16")!;
  assert.ok(cidrContains(a, ipv4ToNumber("10.244.3.7")!));
  assert.ok(!cidrContains(a, ipv4ToNumber("10.245.0.1")!));
  assert.ok(cidrsOverlap(a, parseCidr("10.244.8.0/24")!));
  assert.ok(!cidrsOverlap(a, parseCidr("10.96.0.0/12")!));
  assert.equal(parseCidr("300.1.1.0/24"), null);
  assert.equal(ipv4ToNumber("255.255.255.255"), 0xffffffff);
});
