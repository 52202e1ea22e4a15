// The network engine's pure parts: the -p grammar, subnets, DNS messages, the rule set and the bundle files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePublishSpec, validatePortBinding } from "@/agent/network/ports";
import { parseSubnet, parseIPv4, formatIPv4, overlaps } from "@/agent/network/ipv4";
import { answer, FORWARD, parseQuery, TYPE_A, TYPE_AAAA, TYPE_PTR } from "@/agent/network/dns";
import { desiredRules } from "@/agent/network/firewall";
import { allocateAddress, allocateAddress6 } from "@/agent/network/ipam";
import { formatIPv6, parseIPv6, parseSubnet6 } from "@/agent/network/ipv6";
import { buildHostsFile, embeddedResolvConf, filterHostResolvConf } from "@/agent/network/container-files";
import type { NetworkRecord } from "@/agent/network/types";
import { NetworkService } from "@/agent/network/network-service";

test("-p specifications", () => {
  const tcp = (hostIp: string, hostPort: number, containerPort: number) => ({ hostIp, hostPort, containerPort, protocol: "tcp" });
  assert.deepEqual(parsePublishSpec("8080:80"), [tcp("0.0.0.0", 8080, 80)]);
  assert.deepEqual(parsePublishSpec("80"), [tcp("0.0.0.0", 0, 80)]);
  assert.deepEqual(parsePublishSpec("127.0.0.1::80"), [tcp("127.0.0.1", 0, 80)]);
  assert.deepEqual(parsePublishSpec("127.0.0.1:5353:53/udp"), [{ hostIp: "127.0.0.1", hostPort: 5353, containerPort: 53, protocol: "udp" }]);
  assert.deepEqual(parsePublishSpec("0:80/TCP"), [tcp("0.0.0.0", 0, 80)]);
  assert.deepEqual(parsePublishSpec("8000-8001:80-81"), [tcp("0.0.0.0", 8000, 80), tcp("0.0.0.0", 8001, 81)]);
  assert.deepEqual(parsePublishSpec("80-81"), [tcp("0.0.0.0", 0, 80), tcp("0.0.0.0", 0, 81)]);
  for (const [bad, why] of [
    ["80/sctp", /invalid protocol "sctp"/],
    ["70000:80", /invalid host port "70000"/],
    ["80:0", /invalid container port 0/],
    ["a:80", /invalid host port "a"/],
    ["80:b", /invalid container port "b"/],
    ["9000:80-81", /same length/],
    ["1.2.3:80:80", /invalid host address "1.2.3"/],
    ["[::1]:80:80", /IPv6/],
    ["1:2:3:4", /expected \[ip:\]hostPort:containerPort/],
    ["8000-8002:80-81", /same length/],
    ["1-2000:1-2000", /larger than 1000/],
    ["", /expected/],
  ] as const) {
    assert.throws(() => parsePublishSpec(bad), why, bad);
  }
});

test("structured port bindings are checked like -p", () => {
  const ok = { hostIp: "0.0.0.0", hostPort: 0, containerPort: 80, protocol: "tcp" as const };
  assert.deepEqual(validatePortBinding({ ...ok, extra: 1 } as never), ok);
  assert.throws(() => validatePortBinding({ ...ok, protocol: "icmp" as never }), /invalid protocol "icmp"/);
  assert.throws(() => validatePortBinding({ ...ok, hostIp: "localhost" }), /invalid host address "localhost"/);
  assert.throws(() => validatePortBinding({ ...ok, hostPort: 65536 }), /invalid host port/);
  assert.throws(() => validatePortBinding({ ...ok, containerPort: 0 }), /invalid container port/);
  assert.throws(() => validatePortBinding({ ...ok, containerPort: "80" as never }), /invalid container port/);
});

test("subnets and addresses", () => {
  assert.deepEqual(parseSubnet("10.88.0.0/16"), { base: parseIPv4("10.88.0.0"), prefix: 16 });
  assert.throws(() => parseSubnet("10.88.0.1/16"), /has host bits set \(did you mean 10\.88\.0\.0\/16\?\)/);
  assert.throws(() => parseSubnet("10.88.0.0/31"), /between \/8 and \/30/);
  assert.throws(() => parseSubnet("10.88.0.0"), /CIDR/);
  assert.throws(() => parseSubnet("10.088.0.0/16"), /CIDR/, "leading zeros are ambiguous");
  assert.equal(formatIPv4(parseIPv4("255.254.1.0")!), "255.254.1.0");
  assert.ok(overlaps(parseSubnet("10.0.0.0/8"), parseSubnet("10.5.5.0/24")));
  assert.ok(!overlaps(parseSubnet("10.5.4.0/24"), parseSubnet("10.5.5.0/24")));
});

function query(name: string, type: number, id = 0x1234): Buffer {
  const header = Buffer.from([id >> 8, id & 255, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  const labels = name.split(".").flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  return Buffer.concat([header, ...labels, Buffer.from([0, type >> 8, type & 255, 0, 1])]);
}

test("DNS: A answers, NODATA for AAAA of a known name, NXDOMAIN, PTR, malformed packets", () => {
  const seen: string[] = [];
  const resolve = ({ name, type, asker }: { name: string; type: number; asker: string }) => {
    seen.push(`${name}/${type}/${asker}`);
    if (name === "web") return type === TYPE_A ? { a: ["10.89.0.2", "10.89.0.3"] } : {};
    if (name === "2.0.89.10.in-addr.arpa") return { ptr: ["web.appnet"] };
    return null;
  };
  const a = answer(query("WEB", TYPE_A), "10.89.0.9", resolve)!;
  assert.deepEqual(seen, ["web/1/10.89.0.9"], "names are matched case-insensitively");
  assert.equal(a.readUInt16BE(0), 0x1234);
  assert.equal(a.readUInt16BE(2) & 0x800f, 0x8000, "a response, NOERROR");
  assert.equal(a.readUInt16BE(2) & 0x0100, 0x0100, "RD echoed");
  assert.equal(a.readUInt16BE(6), 2, "two answers");
  const tail = a.subarray(a.length - 4);
  assert.deepEqual([...tail], [10, 89, 0, 3]);

  const aaaa = answer(query("web", TYPE_AAAA), "x", resolve)!;
  assert.equal(aaaa.readUInt16BE(2) & 0xf, 0);
  assert.equal(aaaa.readUInt16BE(6), 0, "NODATA: no answers, no error");

  const nx = answer(query("nothing", TYPE_A), "x", resolve)!;
  assert.equal(nx.readUInt16BE(2) & 0xf, 3);

  const ptr = answer(query("2.0.89.10.in-addr.arpa", TYPE_PTR), "x", resolve)!;
  assert.equal(ptr.readUInt16BE(6), 1);
  assert.ok(ptr.includes(Buffer.from("\x03web\x06appnet\x00", "latin1")));

  assert.equal(answer(query("nothing.example", TYPE_A), "x", resolve, { forwardUnknown: true }), FORWARD, "unknown: forwarded when allowed");
  const sure = answer(query("typo", TYPE_A), "x", () => "nxdomain", { forwardUnknown: true });
  assert.ok(sure !== FORWARD && sure !== null && (sure.readUInt16BE(2) & 0xf) === 3, "a name known not to exist is never forwarded");

  assert.equal(answer(Buffer.from([1, 2, 3]), "x", resolve), null, "too short: dropped");
  const truncated = query("web", TYPE_A).subarray(0, 16);
  assert.equal(answer(truncated, "x", resolve)!.readUInt16BE(2) & 0xf, 1, "FORMERR");
  assert.equal(parseQuery(Buffer.concat([query("web", TYPE_A)]).fill(0x80, 2, 3)), null, "responses are not answered");
});

function record(over: Partial<NetworkRecord>): NetworkRecord {
  return {
    id: "n".repeat(64), name: "appnet", driver: "bridge", builtin: false, userSubnet: false, internal: false,
    created: "", labels: {}, options: {}, bridge: "gtr-aaaaaaaaaaa", subnet: "10.89.3.0/24", gateway: "10.89.3.1",
    ipam: { allocated: {}, last: null }, endpoints: {}, ...over,
  };
}

test("IPv6: parsing, RFC 5952 formatting, subnets; AAAA answers", () => {
  for (const [text, canonical] of [
    ["2001:0db8::0001", "2001:db8::1"], ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["1::2:3:4:5:6:7", "1:0:2:3:4:5:6:7"], ["::", "::"], ["FD00::A", "fd00::a"],
  ]) {
    assert.equal(formatIPv6(parseIPv6(text!)!), canonical, text);
  }
  for (const bad of [":::", "1:2:3:4:5:6:7:8:9", "g::1", "1::2::3", "12345::", "10.0.0.1"]) assert.equal(parseIPv6(bad), null, bad);
  assert.deepEqual(parseSubnet6("fd00:1::/64"), { base: parseIPv6("fd00:1::"), prefix: 64 });
  assert.throws(() => parseSubnet6("fd00:1::5/64"), /host bits set \(did you mean fd00:1::\/64\?\)/);
  assert.throws(() => parseSubnet6("fd00::/127"), /between \/16 and \/124/);
  const a = answer(query("web", TYPE_AAAA), "x", () => ({ aaaa: ["fd00::2"] }))!;
  assert.equal(a.readUInt16BE(6), 1);
  assert.deepEqual([...a.subarray(a.length - 16)], [0xfd, 0, ...Array(13).fill(0), 2]);
});

test("IPAM: an ip-range bounds what is handed out, auxiliary addresses never are; IPv6 addresses follow the last one", () => {
  const net = record({ subnet: "10.89.3.0/24", gateway: "10.89.3.1", ipRange: "10.89.3.0/29", auxAddresses: { a: "10.89.3.2", b: "10.89.3.3" } });
  const got = [1, 2, 3, 4].map((i) => allocateAddress(net, `c${i}`));
  assert.deepEqual(got, ["10.89.3.4", "10.89.3.5", "10.89.3.6", "10.89.3.7"]);
  assert.throws(() => allocateAddress(net, "c5"), /no available IPv4 addresses on this network's address pools: appnet/);
  assert.throws(() => allocateAddress(net, "c6", "10.89.3.2"), /Address already in use: 10\.89\.3\.2 is an auxiliary address/);
  assert.equal(allocateAddress(net, "c7", "10.89.3.200"), "10.89.3.200", "a fixed address may lie outside the range");
  const six = record({ enableIPv6: true, ipv6: { subnet: "fd00:1::/120", gateway: "fd00:1::1", allocated: {}, last: null } });
  assert.equal(allocateAddress6(six, "c1"), "fd00:1::2");
  assert.equal(allocateAddress6(six, "c2", "fd00:1::0a"), "fd00:1::a");
  assert.equal(allocateAddress6(six, "c3"), "fd00:1::3");
  assert.throws(() => allocateAddress6(six, "c4", "fd00:1::1"), /gateway/);
  assert.throws(() => allocateAddress6(record({}), "c5"), /has no IPv6 address pool/);
});

test("rules: NAT, DNAT per published port, isolation between bridges, internal networks", () => {
  const ep = {
    containerId: "c".repeat(64), containerName: "web", aliases: [], netnsPath: "/x", hostVeth: "gv1", ifName: "eth0",
    ipv4: "10.89.3.2", mac: null, defaultRoute: true, staticIp: false, created: "",
    ports: [{ hostIp: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "tcp" as const }],
  };
  const a = record({ endpoints: { [ep.containerId]: ep } });
  const b = record({ id: "m".repeat(64), name: "back", bridge: "gtr-bbbbbbbbbbb", subnet: "10.89.4.0/24", gateway: "10.89.4.1", internal: true });
  const r = desiredRules([a, b], "GX", { dns: true });
  assert.ok(r.nat.includes(`-A GX -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -m comment --comment "ctr cccccccccccc 8080/tcp" -j DNAT --to-destination 10.89.3.2:80`));
  assert.ok(r.nat.some((l) => l.startsWith("-A GX-POSTROUTING -s 10.89.3.0/24 ! -o gtr-aaaaaaaaaaa") && l.endsWith("MASQUERADE")));
  assert.ok(r.nat.some((l) => l.startsWith("-A GX-POSTROUTING -s 10.89.3.0/24 -o gtr-aaaaaaaaaaa -m conntrack --ctstate DNAT")), "hairpin");
  assert.ok(!r.nat.some((l) => l.includes("-s 10.89.4.0/24")), "an internal network has no outbound NAT");
  assert.ok(r.filter.includes(`-A GX-ISOLATE -o gtr-bbbbbbbbbbb -m comment --comment "net back" -j DROP`));
  assert.ok(r.filter.some((l) => l.startsWith("-A GX-FORWARD -i gtr-bbbbbbbbbbb ! -o gtr-bbbbbbbbbbb") && l.endsWith("DROP")));
  assert.ok(r.filter.some((l) => l.startsWith("-A GX-INPUT -i gtr-aaaaaaaaaaa -d 10.89.3.1/32 -p udp -m udp --dport 53")));
  const firstAccept = r.filter.findIndex((l) => l.startsWith("-A GX-FORWARD") && l.endsWith("ACCEPT"));
  const lastIsolate = r.filter.map((l) => l.includes("-j GX-ISOLATE")).lastIndexOf(true);
  assert.ok(lastIsolate < firstAccept, "isolation is decided before anything is accepted");
  assert.deepEqual(desiredRules([a, b], "GX", { dns: true }), r, "the same state gives the same rules");

  // Built-in networks: the default bridge has no embedded DNS, the pod network has (pods' resolv.conf names its
  // gateway): a host whose INPUT policy is DROP must let the pods' queries in.
  const dflt = record({ name: "bridge", builtin: true, bridge: "gtr-ccccccccccc", subnet: "10.89.5.0/24", gateway: "10.89.5.1" });
  const pods = record({ name: "gantry-pods", builtin: true, bridge: "gtr-ddddddddddd", subnet: "10.244.1.0/24", gateway: "10.244.1.1", pod: { clusterCIDR: "10.244.0.0/16", mtu: 1450 } });
  const inputs = desiredRules([dflt, pods], "GX", { dns: true }).filter.filter((l) => l.startsWith("-A GX-INPUT "));
  assert.deepEqual(inputs, [`-A GX-INPUT -i gtr-ddddddddddd -d 10.244.1.1/32 -p udp -m udp --dport 53 -m comment --comment "net gantry-pods" -j ACCEPT`]);
});

test("resolv.conf and hosts", () => {
  assert.equal(
    filterHostResolvConf("search lan\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nnameserver ::1\noptions edns0"),
    "search lan\nnameserver 10.0.0.2\noptions edns0\n",
  );
  assert.equal(filterHostResolvConf("nameserver 127.0.0.53\noptions edns0\n"), "options edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n", "dockerd's fallback");
  assert.equal(embeddedResolvConf(["10.89.0.1", "10.89.1.1"]).split("\n").filter((l) => !l.startsWith("#")).join("\n"), "nameserver 10.89.0.1\nnameserver 10.89.1.1\noptions ndots:0\n");
  const hosts = buildHostsFile({ hostname: "web", ipv4: "10.88.0.2", extraHosts: [{ name: "db.local", ip: "10.0.0.5" }] });
  assert.match(hosts, /^127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/);
  assert.match(hosts, /^10\.0\.0\.5\tdb\.local$/m);
  assert.match(hosts, /10\.88\.0\.2\tweb\n$/);
  assert.throws(() => buildHostsFile({ hostname: "bad host", ipv4: null }), /invalid hostname/);
  assert.throws(() => buildHostsFile({ hostname: "ok", ipv4: null, extraHosts: [{ name: "x", ip: "nope" }] }), /invalid IP address "nope"/);
});

test("chains follow the bridge: gantry0's are GANTRY whatever the root, another bridge gets its own", () => {
  assert.equal(new NetworkService({ root: "/var/lib/gantry" }).chainPrefix, "GANTRY");
  // A new state directory on the same bridge reuses its chains (a set per root piled up on test machines).
  assert.equal(new NetworkService({ root: "/tmp/some-agent" }).chainPrefix, "GANTRY");
  const other = new NetworkService({ root: "/tmp/some-agent", defaultBridge: "gbr1" });
  assert.match(other.chainPrefix, /^GANTRY_[0-9A-F]{6}$/);
  assert.equal(new NetworkService({ root: "/tmp/another-agent", defaultBridge: "gbr1" }).chainPrefix, other.chainPrefix, "the same for any root");
  assert.notEqual(new NetworkService({ root: "/tmp/some-agent", defaultBridge: "gbr2" }).chainPrefix, other.chainPrefix);
  assert.throws(() => new NetworkService({ root: "/x", defaultSubnet: "10.88.0.0/33" }), /invalid subnet/);
  assert.throws(() => new NetworkService({ root: "/x", defaultBridge: "a-bridge-name-too-long" }), /at most 15 characters/);
  assert.throws(() => new NetworkService({ root: "/x", dnsUpstreams: ["dns.example"] }), /invalid DNS upstream/);
});
