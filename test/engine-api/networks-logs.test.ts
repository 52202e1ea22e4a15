// Where the Engine API once differed from dockerd 20.10 on logging and networking (issue 12, items 6 and 7), checked
// through the docker CLI and raw requests on a standalone agent's socket: logging drivers and their options, endpoint
// settings in inspect, IPAM ranges and auxiliary addresses, network names, MAC addresses, links and GroupAdd.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { AgentProcess } from "../support/agent";
import { dockerCli, dockerClientEnv, networkingEnv, pushBusybox, removeNetworking, startEngineAgent, testNetworking, type TestNetworking } from "../support/docker-cli";
import { startRegistry, type TestRegistry } from "../support/registry";

interface Answer {
  status: number;
  text: string;
  json: any;
}

/** One request on the agent's socket (a JSON body when given). */
function api(socketPath: string, method: string, path: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = payload === undefined ? {} : { "Content-Type": "application/json" };
    const req = http.request({ socketPath, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

describe("Engine API conformance with dockerd: logging drivers and networks", () => {
  let work: string;
  let root: string;
  let socket: string;
  let agent: AgentProcess;
  let registry: TestRegistry;
  let busybox: string;
  let net: TestNetworking;
  const env: Record<string, string> = {};
  const { docker, ok } = dockerCli(env, { cwd: () => work, timeout: 120_000 });
  const call = (method: string, path: string, body?: unknown) => api(socket, method, path, body);
  const inspect = async (ref: string) => JSON.parse(await ok(["inspect", ref]))[0];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "gantry-netlogs-"));
    root = join(work, "root");
    socket = join(work, "run", "docker.sock");
    net = testNetworking("gnl");
    Object.assign(env, dockerClientEnv(work, socket));
    registry = await startRegistry("open");
    busybox = await pushBusybox(registry.host);
    agent = await startEngineAgent(root, socket, networkingEnv(net));
    await ok(["pull", "-q", busybox]);
    await ok(["tag", busybox, "busybox"]);
  });

  after(async () => {
    const ids = (await docker(["ps", "-aq"])).stdout.split("\n").filter(Boolean);
    if (ids.length) await docker(["rm", "-f", ...ids]);
    await agent?.stop();
    await registry?.stop();
    if (net) await removeNetworking(root, net);
    rmSync(work, { recursive: true, force: true });
  });

  describe("logging drivers", () => {
    test("json-file max-size and max-file show in inspect and bound the log: it rotates, and docker logs reads what is kept", async () => {
      const n = 400;
      await ok(["run", "--name", "rot", "--log-opt", "max-size=1k", "--log-opt", "max-file=2", "busybox", "sh", "-c", `seq 1 ${n}`]);
      const c = await inspect("rot");
      assert.deepEqual(c.HostConfig.LogConfig, { Type: "json-file", Config: { "max-file": "2", "max-size": "1k" } });
      const files = readdirSync(dirname(c.LogPath)).filter((f) => f.startsWith("container.log")).sort();
      assert.deepEqual(files, ["container.log", "container.log.1"], "the current file and one rotated file (max-file=2)");
      for (const f of files) assert.ok(statSync(join(dirname(c.LogPath), f)).size <= 1000, `${f} is within max-size=1k (1000 bytes)`);
      const lines = (await ok(["logs", "rot"])).trim().split("\n").map(Number);
      assert.equal(lines.at(-1), n, "the newest lines are kept");
      assert.ok(lines.length < n, `older lines fell off (${lines.length} kept)`);
      lines.forEach((v, i) => i > 0 && assert.equal(v, lines[i - 1]! + 1, "what is kept is contiguous"));

      // dockerd checks option values when the driver starts: the start fails, the container stays created
      const bad = await docker(["run", "--name", "badsize", "--log-opt", "max-size=abc", "busybox", "true"]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /failed to initialize logging driver: invalid size: 'abc'/);
      assert.equal((await inspect("badsize")).State.Status, "created");
      const zero = await docker(["run", "--log-opt", "max-file=0", "busybox", "true"]);
      assert.match(zero.stderr, /failed to initialize logging driver: max-file cannot be less than 1/);
    });

    test("an unknown driver and an option the driver does not take are refused at create with dockerd's messages", async () => {
      const bogus = await docker(["create", "--log-driver", "bogus", "busybox", "true"]);
      assert.notEqual(bogus.code, 0);
      assert.match(bogus.stderr, /error looking up logging plugin bogus: plugin "bogus" not found/);
      const opt = await call("POST", "/v1.43/containers/create", { Image: "busybox", Cmd: ["true"], HostConfig: { LogConfig: { Type: "json-file", Config: { bogus: "1" } } } });
      assert.equal(opt.status, 400);
      assert.equal(opt.json.message, "unknown log opt 'bogus' for json-file log driver");
      const local = await docker(["create", "--log-driver", "local", "--log-opt", "labels=x", "busybox", "true"]);
      assert.match(local.stderr, /unknown log opt 'labels' for log driver local/);
    });

    test("none keeps no log: inspect says none, the attached run still prints, docker logs is dockerd's 501", async () => {
      const r = await docker(["run", "--name", "quiet", "--log-driver", "none", "busybox", "sh", "-c", "echo to-stdout; echo to-stderr >&2"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "to-stdout\n");
      assert.match(r.stderr, /to-stderr/);
      const c = await inspect("quiet");
      assert.deepEqual(c.HostConfig.LogConfig, { Type: "none", Config: {} });
      assert.equal(c.LogPath, "");
      assert.equal(existsSync(join(root, "containers", c.Id, "container.log")), false, "no log file is written");
      const logs = await docker(["logs", "quiet"]);
      assert.notEqual(logs.code, 0);
      assert.match(logs.stderr, /configured logging driver does not support reading/);
      const raw = await call("GET", "/v1.43/containers/quiet/logs?stdout=1");
      assert.equal(raw.status, 501);
    });

    test("local keeps its options and its log reads back", async () => {
      await ok(["run", "--name", "loc", "--log-driver", "local", "--log-opt", "max-size=2k", "busybox", "echo", "hello"]);
      const c = await inspect("loc");
      assert.deepEqual(c.HostConfig.LogConfig, { Type: "local", Config: { "max-size": "2k" } });
      assert.equal(c.LogPath, "", "dockerd names no file for local");
      assert.equal(await ok(["logs", "loc"]), "hello\n");
    });
  });

  describe("networks", () => {
    /** A /24 of the test's own pool, far from the ones the engine picks by itself. */
    const subnet = (i: number) => net.userPool.replace(/\.0\.0\/16$/, `.${200 + i}.0/24`);
    const prefix = (i: number) => subnet(i).replace(/\.0\/24$/, "");

    test("endpoint settings (IPAM config, link-local IPs, aliases, links, driver options) show created, running and exited", async () => {
      await ok(["network", "create", "--subnet", subnet(0), "epnet"]);
      await ok(["run", "-d", "--name", "eptarget", "--network", "epnet", "busybox", "sleep", "60"]);
      await ok([
        "create", "--name", "ep", "--network", "epnet", "--ip", `${prefix(0)}.77`, "--link-local-ip", "169.254.10.10",
        "--network-alias", "foo", "--network-alias", "bar", "--link", "eptarget:db", "busybox", "sleep", "60",
      ]);
      const expected = { IPAMConfig: { IPv4Address: `${prefix(0)}.77`, LinkLocalIPs: ["169.254.10.10"] }, Links: ["eptarget:db"], DriverOpts: null };
      const created = (await inspect("ep")).NetworkSettings.Networks;
      assert.deepEqual(Object.keys(created), ["epnet"], "a created container shows the network it is on");
      assert.deepEqual({ ...created.epnet, Aliases: created.epnet.Aliases }, {
        ...created.epnet, ...expected, Aliases: ["foo", "bar"], NetworkID: "", EndpointID: "", IPAddress: "", Gateway: "", MacAddress: "",
      });
      const netId = (await ok(["network", "inspect", "-f", "{{.Id}}", "epnet"])).trim();

      await ok(["start", "ep"]);
      const c = await inspect("ep");
      const running = c.NetworkSettings.Networks.epnet;
      assert.deepEqual({ IPAMConfig: running.IPAMConfig, Links: running.Links, DriverOpts: running.DriverOpts }, expected);
      assert.deepEqual(running.Aliases, ["foo", "bar", c.Id.slice(0, 12)], "dockerd adds the short id on a user-defined network");
      assert.equal(running.NetworkID, netId);
      assert.equal(running.IPAddress, `${prefix(0)}.77`);
      const addrs = await ok(["exec", "ep", "ip", "-4", "-o", "addr", "show", "eth0"]);
      assert.match(addrs, /inet 169\.254\.10\.10\/16 /, "the link-local address is on the interface");
      const target = (await inspect("eptarget")).NetworkSettings.Networks.epnet.IPAddress;
      assert.match(await ok(["exec", "ep", "nslookup", "db"]), new RegExp(`Address:\\s+${target.replace(/\./g, "\\.")}`), "the link alias resolves");
      const other = await docker(["run", "--rm", "--network", "epnet", "busybox", "nslookup", "db"]);
      assert.doesNotMatch(other.stdout, new RegExp(target.replace(/\./g, "\\.")), "only for the container that has the link");

      await ok(["stop", "-t", "0", "ep"]);
      const exited = (await inspect("ep")).NetworkSettings.Networks.epnet;
      assert.deepEqual({ IPAMConfig: exited.IPAMConfig, Links: exited.Links }, { IPAMConfig: expected.IPAMConfig, Links: expected.Links });
      assert.equal(exited.NetworkID, netId, "the network's id stays once connected");
      assert.equal(exited.IPAddress, "", "no address while not running");

      // a created container connected to a second network shows it too; driver options are kept
      await ok(["network", "create", "--subnet", subnet(1), "epnet2"]);
      const r = await call("POST", "/v1.43/containers/create?name=epopts", {
        Image: "busybox", Cmd: ["true"], HostConfig: { NetworkMode: "epnet" },
        NetworkingConfig: { EndpointsConfig: { epnet: { DriverOpts: { "com.example.opt": "x" } } } },
      });
      assert.equal(r.status, 201, r.text);
      await ok(["network", "connect", "--alias", "second", "epnet2", "epopts"]);
      const both = (await inspect("epopts")).NetworkSettings.Networks;
      assert.deepEqual(Object.keys(both), ["epnet", "epnet2"]);
      assert.deepEqual(both.epnet.DriverOpts, { "com.example.opt": "x" });
      assert.deepEqual(both.epnet2.Aliases, ["second"]);
      const plain = (await inspect((await ok(["create", "busybox", "true"])).trim())).NetworkSettings.Networks;
      assert.deepEqual(Object.keys(plain), ["bridge"], "the default bridge shows before the first start");
      assert.equal(plain.bridge.NetworkID, "");
    });

    test("IPAM IPRange and AuxiliaryAddresses are kept: addresses come from the range only and never the auxiliary ones", async () => {
      const p = prefix(2);
      // .0/29 holds .1 (the gateway) to .7; .2 and .3 are reserved: .4 to .7 are left to hand out
      await ok(["network", "create", "--subnet", subnet(2), "--ip-range", `${p}.0/29`, "--aux-address", `a=${p}.2`, "--aux-address", `b=${p}.3`, "rangenet"]);
      const ipam = JSON.parse(await ok(["network", "inspect", "-f", "{{json .IPAM.Config}}", "rangenet"]));
      assert.deepEqual(ipam, [{ Subnet: subnet(2), IPRange: `${p}.0/29`, Gateway: `${p}.1`, AuxiliaryAddresses: { a: `${p}.2`, b: `${p}.3` } }]);
      const got: string[] = [];
      for (let i = 0; i < 4; i++) {
        const id = (await ok(["run", "-d", "--network", "rangenet", "busybox", "sleep", "60"])).trim();
        got.push((await inspect(id)).NetworkSettings.Networks.rangenet.IPAddress);
      }
      assert.deepEqual(got.sort(), [4, 5, 6, 7].map((i) => `${p}.${i}`));
      const full = await docker(["run", "-d", "--network", "rangenet", "busybox", "sleep", "60"]);
      assert.match(full.stderr, /no available IPv4 addresses on this network's address pools: rangenet/);
      const aux = await docker(["run", "--rm", "--network", "rangenet", "--ip", `${p}.2`, "busybox", "true"]);
      assert.match(aux.stderr, /Address already in use/);
      assert.match(await ok(["run", "--rm", "--network", "rangenet", "--ip", `${p}.100`, "busybox", "ip", "-4", "-o", "addr", "show", "eth0"]), new RegExp(`${p}\\.100/24`), "a fixed address may lie outside the range");
      const outside = await call("POST", "/v1.43/networks/create", { Name: "badrange", IPAM: { Config: [{ Subnet: subnet(3), IPRange: "10.1.0.0/24" }] } });
      assert.equal(outside.status, 400);
      assert.match(outside.json.message, /no matching subnet for range 10\.1\.0\.0\/24/);
      const badAux = await call("POST", "/v1.43/networks/create", { Name: "badaux", IPAM: { Config: [{ Subnet: subnet(3), AuxiliaryAddresses: { x: "10.1.0.1" } }] } });
      assert.equal(badAux.status, 400);
      assert.match(badAux.json.message, new RegExp(`auxiliary address: \\(x:10\\.1\\.0\\.1\\) must belong to the master pool: ${subnet(3).replace(/[./]/g, "\\$&")}`));
    });

    test("a network name with spaces is taken, as dockerd takes it", async () => {
      await ok(["network", "create", "my spaced net"]);
      assert.equal((await ok(["network", "inspect", "-f", "{{.Name}}", "my spaced net"])).trim(), "my spaced net");
      assert.match(await ok(["run", "--rm", "--network", "my spaced net", "busybox", "ip", "-4", "-o", "addr", "show", "eth0"]), /inet 10\./);
      await ok(["network", "rm", "my spaced net"]);
    });

    test("requested MAC addresses are the interface's: Config.MacAddress on the network created on, an endpoint's own elsewhere", async () => {
      await ok(["network", "create", "--subnet", subnet(4), "macnet"]);
      const r = await call("POST", "/v1.43/containers/create?name=mac", {
        Image: "busybox", Cmd: ["sleep", "60"], MacAddress: "02:42:ac:11:00:99",
        NetworkingConfig: { EndpointsConfig: { macnet: { MacAddress: "02:00:00:00:be:ef" } } },
      });
      assert.equal(r.status, 201, r.text);
      await ok(["start", "mac"]);
      const ifaces = await ok(["exec", "mac", "sh", "-c", "for i in /sys/class/net/eth*; do echo $(basename $i) $(cat $i/address); done"]);
      assert.match(ifaces, /eth0 02:42:ac:11:00:99/);
      assert.match(ifaces, /eth1 02:00:00:00:be:ef/);
      const c = await inspect("mac");
      assert.equal(c.Config.MacAddress, "02:42:ac:11:00:99");
      assert.equal(c.NetworkSettings.MacAddress, "02:42:ac:11:00:99");
      assert.equal(c.NetworkSettings.Networks.macnet.MacAddress, "02:00:00:00:be:ef");
      const bad = await call("POST", "/v1.43/containers/create", { Image: "busybox", Cmd: ["true"], MacAddress: "zz" });
      assert.equal(bad.status, 400);
      assert.match(bad.json.message, /invalid MAC address: zz/);
    });

    test("legacy links: the linked container's variables and /etc/hosts line, inspect's Links, and docker rm --link", async () => {
      await ok(["run", "-d", "--name", "web", "--expose", "80", "--expose", "53/udp", "-e", "SECRET=x", "busybox", "sleep", "60"]);
      const web = await inspect("web");
      const ip = web.NetworkSettings.IPAddress;
      const out = await ok(["run", "--name", "client", "--link", "web:db", "busybox", "sh", "-c", "env; echo ---; cat /etc/hosts"]);
      const [envText, hosts] = out.split("---\n");
      const env = envText!.trim().split("\n").sort();
      for (const v of [
        `DB_PORT=udp://${ip}:53`, `DB_PORT_53_UDP=udp://${ip}:53`, `DB_PORT_53_UDP_ADDR=${ip}`, "DB_PORT_53_UDP_PORT=53", "DB_PORT_53_UDP_PROTO=udp",
        `DB_PORT_80_TCP=tcp://${ip}:80`, `DB_PORT_80_TCP_ADDR=${ip}`, "DB_PORT_80_TCP_PORT=80", "DB_PORT_80_TCP_PROTO=tcp",
        "DB_NAME=/client/db", "DB_ENV_SECRET=x",
      ]) {
        assert.ok(env.includes(v), `${v} in\n${env.join("\n")}`);
      }
      assert.ok(!env.some((e) => e.startsWith("DB_ENV_PATH=")), "PATH is not passed on");
      assert.match(hosts!, new RegExp(`^${ip.replace(/\./g, "\\.")}\tdb ${web.Config.Hostname} web$`, "m"));
      assert.deepEqual((await inspect("client")).HostConfig.Links, ["/web:/client/db"]);

      await ok(["run", "-d", "--name", "client2", "--link", "web:db", "busybox", "sleep", "60"]);
      assert.match(await ok(["exec", "client2", "cat", "/etc/hosts"]), /\tdb /);
      await ok(["rm", "--link", "client2/db"]);
      assert.equal((await inspect("client2")).HostConfig.Links, null);
      assert.doesNotMatch(await ok(["exec", "client2", "cat", "/etc/hosts"]), /\tdb /, "the running container's /etc/hosts loses the line");
      const again = await docker(["rm", "--link", "client2/db"]);
      assert.match(again.stderr, /No such container: client2\/db/);
      const self = await call("DELETE", "/v1.43/containers/client2?link=1");
      assert.equal(self.status, 409);
      assert.match(self.json.message, /cannot remove the default link name of the container/);

      await ok(["create", "--name", "stopped", "busybox", "true"]);
      const down = await docker(["run", "--link", "stopped:x", "busybox", "true"]);
      assert.match(down.stderr, /Cannot link to a non running container: \/stopped AS \/\S+\/x/);
      const missing = await docker(["create", "--link", "nosuch:x", "busybox", "true"]);
      assert.match(missing.stderr, /could not get container for nosuch: No such container: nosuch/);
    });

    test("dual stack: an IPv6 subnet on a user network gives containers addresses that answer ping6, shown in inspect", async () => {
      // Written as the engine prints addresses (RFC 5952: no leading zeros; groups never zero, so no run to compress).
      const group = () => ((randomBytes(2).readUInt16BE(0) | 1) >>> 0).toString(16);
      const v6 = `fd${randomBytes(1).toString("hex")}:${group()}:${group()}::`;
      const none = await docker(["network", "create", "--ipv6", "v6nosubnet"]);
      assert.match(none.stderr, /could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network/);
      await ok(["network", "create", "--ipv6", "--subnet", subnet(5), "--subnet", `${v6}/64`, "dual"]);
      const n = JSON.parse(await ok(["network", "inspect", "dual"]))[0];
      assert.equal(n.EnableIPv6, true);
      assert.deepEqual(n.IPAM.Config.map((c: { Subnet: string }) => c.Subnet), [subnet(5), `${v6}/64`]);
      await ok(["run", "-d", "--name", "six1", "--network", "dual", "busybox", "sleep", "60"]);
      const six1 = (await inspect("six1")).NetworkSettings.Networks.dual;
      assert.equal(six1.GlobalIPv6Address, `${v6}2`);
      assert.equal(six1.GlobalIPv6PrefixLen, 64);
      assert.equal(six1.IPv6Gateway, `${v6}1`);
      assert.equal(JSON.parse(await ok(["network", "inspect", "dual"]))[0].Containers[(await inspect("six1")).Id].IPv6Address, `${v6}2/64`);
      const out = await ok([
        "run", "--rm", "--network", "dual", "--ip6", `${v6}99`, "busybox", "sh", "-c",
        "ip -6 -o addr show eth0 scope global; ip -6 route show default; grep $(hostname) /etc/hosts; ping6 -c1 -W2 six1",
      ]);
      assert.match(out, new RegExp(`inet6 ${v6}99/64 scope global`));
      assert.match(out, new RegExp(`default via ${v6}1 dev eth0`));
      assert.match(out, new RegExp(`^${v6}99\t`, "m"), "/etc/hosts names the IPv6 address too");
      assert.match(out, new RegExp(`1 packets transmitted, 1 packets received`), `ping6 six1 (its AAAA record) answers:\n${out}`);
      assert.match(out, new RegExp(`from ${v6}2`));
    });

    test("GroupAdd adds groups by name or id to the process and to exec'd ones (additionalGids); an unknown name is dockerd's error", async () => {
      assert.equal((await ok(["run", "--rm", "--group-add", "app", "--group-add", "5000", "busybox", "id", "-G"])).trim(), "0 1000 5000");
      await ok(["run", "-d", "--name", "groups", "--group-add", "app", "busybox", "sleep", "60"]);
      assert.equal((await ok(["exec", "groups", "id", "-G"])).trim(), "0 1000", "exec'd processes have them too");
      const r = await docker(["run", "--rm", "--group-add", "nosuch", "busybox", "true"]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Unable to find group nosuch: no matching entries in group file/);
    });
  });
});
