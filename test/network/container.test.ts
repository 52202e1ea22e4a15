// The network and volume engines as the container lifecycle will use them, with a real container run by Gantry's
// own runtime (native/build/gantry-runtime): a named namespace prepared and attached before the container starts
// and joined by path, resolv.conf and hosts from the engine, a published port served from inside the container,
// a volume with image content copied up, a read-only bind and a tmpfs with size and mode.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle, defaultSpec, GANTRY_RUNTIME } from "../support/bundle";
import { VolumeService } from "@/agent/volumes/volume-service";
import { parseTmpfsFlag, parseVolumeFlag, toOciMounts } from "@/agent/volumes/mounts";
import { makeWorld, sh, waitForOutput } from "./helpers";

const world = makeWorld("ctr");
const cleanups: (() => void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) {
    try {
      c();
    } catch {
      /* best effort */
    }
  }
  await world.cleanup();
});

function readFrom(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port });
    let data = "";
    s.setTimeout(5000, () => s.destroy(new Error(`no answer on 127.0.0.1:${port}`)));
    s.on("data", (d) => (data += d)).on("end", () => resolve(data)).on("error", reject);
  });
}

test("a gantry-runtime container on a user network: DNS, a published port, a volume, a read-only bind and a tmpfs", { skip: !existsSync(GANTRY_RUNTIME) && "native/build/gantry-runtime is not built" }, async () => {
  const networks = world.service;
  await networks.start({ containerExists: () => true });
  const volumes = new VolumeService({ root: world.root });
  await volumes.start({ containerExists: () => true });
  await networks.create("e2e");

  // A peer "container" (a bare namespace) the real one will find by name.
  const peerNs = world.netns("peer");
  const peer = await networks.attach(world.containerId(), peerNs.path, "e2e", { containerName: "peer", aliases: ["cache"] });

  const id = world.containerId();
  const netns = await networks.createNetns(id);
  const ep = await networks.attach(id, netns, "e2e", {
    containerName: "app",
    ports: [{ hostIp: "127.0.0.1", hostPort: 0, containerPort: 8080, protocol: "tcp" }],
  });

  const bundle = makeBundle("gantry-net-ctr-");
  cleanups.push(() => bundle.cleanup());
  mkdirSync(join(bundle.rootfs, "data"));
  writeFileSync(join(bundle.rootfs, "data/seed"), "seeded-by-image\n");
  writeFileSync(join(bundle.rootfs, "bin/serve"), "#!/bin/sh\necho served-by-app\n");
  chmodSync(join(bundle.rootfs, "bin/serve"), 0o755);
  const hostConf = mkdtempSync(join(tmpdir(), "gantry-net-conf-"));
  cleanups.push(() => rmSync(hostConf, { recursive: true, force: true }));
  writeFileSync(join(hostConf, "setting"), "from-the-host\n");

  const mounts = await volumes.resolveMounts(id, [
    parseVolumeFlag("e2edata:/data"),
    parseVolumeFlag(`${hostConf}:/conf:ro`),
    parseTmpfsFlag("/scratch:size=1m,mode=1770"),
  ]);
  assert.deepEqual(await volumes.populateFromImage(mounts, bundle.rootfs), ["e2edata"]);
  writeFileSync(join(bundle.rootfs, "etc/resolv.conf"), await networks.resolvConfFor(id));
  writeFileSync(join(bundle.rootfs, "etc/hosts"), await networks.hostsFileFor(id, { hostname: "app" }));

  const script = [
    "cat /data/seed",
    "echo from-container > /data/written",
    "if echo x > /conf/f 2>/dev/null; then echo conf-writable; else echo conf-readonly; fi",
    "cat /conf/setting",
    "grep ' /scratch ' /proc/mounts",
    "ip -o -4 addr show dev eth0",
    "ip route | grep ^default",
    "grep app /etc/hosts",
    "nslookup cache",
    "ping -c1 -W2 peer && echo ping-peer-ok",
    "echo listening",
    "nc -l -p 8080 -e /bin/serve",
    "echo done",
  ].join("\n");
  const spec = defaultSpec(["/bin/sh", "-c", script]);
  spec.hostname = "app";
  // Docker's default capability set has NET_RAW (ping); runc's default spec does not.
  for (const set of ["bounding", "effective", "permitted"]) spec.process.capabilities[set].push("CAP_NET_RAW");
  spec.linux.namespaces = spec.linux.namespaces.map((n: { type: string }) => (n.type === "network" ? { type: "network", path: netns } : n));
  spec.mounts.push(...toOciMounts(mounts));
  bundle.writeConfig(spec);

  const rtRoot = mkdtempSync(join(tmpdir(), "gantry-net-rt-"));
  cleanups.push(() => rmSync(rtRoot, { recursive: true, force: true }));
  const ctrId = `gnet-${process.pid}`;
  cleanups.push(() => sh(GANTRY_RUNTIME, "--root", rtRoot, "delete", "--force", ctrId));
  // Asynchronously: the DNS server answering the container lives in this process.
  const child = spawn(GANTRY_RUNTIME, ["--root", rtRoot, "run", "-b", bundle.dir, ctrId], { stdio: ["ignore", "pipe", "pipe"] });
  cleanups.push(() => child.kill("SIGKILL"));
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  await waitForOutput(child, /^listening$/m, 20_000).catch((e) => {
    throw new Error(`${(e as Error).message}\nstdout so far: ${out}\nstderr: ${err}`);
  });
  // The port needs nc to be listening: retry a few times within a bounded loop.
  let answer = "";
  for (let i = 0; i < 50 && !answer; i++) {
    answer = await readFrom(ep.ports[0].hostPort).catch(async () => {
      await new Promise((r) => setTimeout(r, 100));
      return "";
    });
  }
  assert.equal(answer.trim(), "served-by-app", "the published port reaches the container from 127.0.0.1");
  assert.equal(await exited, 0, `container exit; stdout: ${out}\nstderr: ${err}`);

  const lines = out.split("\n");
  assert.equal(lines[0], "seeded-by-image", "the volume got the image's content");
  assert.equal(lines[1], "conf-readonly");
  assert.equal(lines[2], "from-the-host");
  assert.match(lines[3], /^tmpfs \/scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=1770/);
  assert.match(lines[4], new RegExp(`eth0\\s+inet ${ep.ipv4!.replace(/\./g, "\\.")}/24`));
  assert.match(lines[5], new RegExp(`^default via ${ep.gateway!.replace(/\./g, "\\.")} dev eth0`));
  assert.equal(lines[6], `${ep.ipv4}\tapp`);
  assert.match(out, new RegExp(`Address: ${peer.ipv4!.replace(/\./g, "\\.")}`), "the alias resolved through the embedded DNS");
  assert.match(out, /^ping-peer-ok$/m);
  assert.equal(readFileSync(join(volumes.mountpoint("e2edata"), "written"), "utf8"), "from-container\n", "writes land in the volume");
  await assert.rejects(volumes.remove("e2edata"), /volume is in use/);

  // The lifecycle's teardown: detach, drop the namespace, release volumes.
  await networks.detachAll(id);
  await networks.removeNetns(id);
  assert.ok(!existsSync(netns));
  await volumes.releaseContainer(id);
  await volumes.remove("e2edata");
  assert.deepEqual((await networks.listedRules()).nat.filter((r) => r.includes("-j DNAT")), []);
});
