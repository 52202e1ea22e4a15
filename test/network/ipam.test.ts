// IPAM through the service, persisted like an agent's: an address is never handed out twice — over a thousand
// allocate/release cycles with others held, under concurrent requests, across a new service instance on the same
// GANTRY_ROOT — and a full pool is a clear error.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomInt } from "node:crypto";
import { makeWorld } from "./helpers";

const world = makeWorld("ipam");
after(() => world.cleanup());
const S = world.options.defaultSubnet!.split(".").slice(0, 2).join(".");

test("a thousand allocate/release cycles, concurrent allocations, and a restart never hand out an address twice", async () => {
  const svc = world.service;
  await svc.start({ containerExists: () => true });
  const net = await svc.create("pool", { subnet: `${S}.210.0/24` });
  const held = new Map<string, string>(); // address → owner
  const take = (addr: string, owner: string) => {
    assert.ok(!held.has(addr), `${addr} handed to ${owner} while ${held.get(addr)} holds it`);
    assert.notEqual(addr, net.gateway, "the gateway is never handed out");
    assert.match(addr, new RegExp(`^${S.replace(".", "\\.")}\\.210\\.\\d+$`));
    held.set(addr, owner);
  };

  // Twenty long-lived holders, then a thousand short-lived ones churning around them (the /24 wraps four times).
  for (let i = 0; i < 20; i++) {
    const owner = world.containerId();
    take(await svc.allocateAddress("pool", owner), owner);
  }
  const churn: [string, string][] = [];
  let lastReleased: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const owner = world.containerId();
    const addr = await svc.allocateAddress("pool", owner);
    take(addr, owner);
    assert.notEqual(addr, lastReleased, "a just-released address is not reused at once");
    churn.push([addr, owner]);
    if (churn.length > 5) {
      const [oldAddr, oldOwner] = churn.splice(randomInt(0, churn.length), 1)[0];
      await svc.releaseAddress("pool", oldOwner, oldAddr);
      held.delete(oldAddr);
      lastReleased = oldAddr;
    }
  }
  await assert.rejects(svc.releaseAddress("pool", world.containerId(), [...held.keys()][0]), /not found/, "only the holder can release");

  // Concurrent requests are serialised: all distinct.
  const owners = Array.from({ length: 100 }, () => world.containerId());
  const addrs = await Promise.all(owners.map((o) => svc.allocateAddress("pool", o)));
  addrs.forEach((a, i) => take(a, owners[i]));
  assert.equal(new Set(addrs).size, 100);

  // What is on disk is what is held.
  const record = JSON.parse(readFileSync(join(world.root, "networks", `${net.id}.json`), "utf8"));
  assert.deepEqual(new Map(Object.entries(record.ipam.allocated)), held);

  // A restarted agent (new instance, same root) continues without reusing anything.
  await svc.close();
  const again = world.restart();
  await again.start({ containerExists: () => true });
  const more = await Promise.all(Array.from({ length: 50 }, async () => {
    const o = world.containerId();
    return [await again.allocateAddress("pool", o), o] as const;
  }));
  for (const [a, o] of more) take(a, o);

  // An explicit address that is held, out of range, or the gateway is refused.
  const someone = [...held.keys()][3];
  await assert.rejects(again.allocateAddress("pool", world.containerId(), someone), /Address already in use/);
  await assert.rejects(again.allocateAddress("pool", world.containerId(), net.gateway!), /gateway/);
  await assert.rejects(again.allocateAddress("pool", world.containerId(), `${S}.211.5`), /not a usable address/);
  await assert.rejects(again.allocateAddress("pool", world.containerId(), "10.1.2"), /invalid IPv4 address/);
  await again.close();
});

test("a full pool is a clear error; released addresses come back", async () => {
  const svc = world.restart();
  await svc.start({ containerExists: () => true });
  await svc.create("tiny", { subnet: `${S}.212.0/29` }); // .1 gateway, .2–.6 for containers
  const owners = Array.from({ length: 5 }, () => world.containerId());
  const got = [];
  for (const o of owners) got.push(await svc.allocateAddress("tiny", o));
  assert.deepEqual(got.map((a) => a.split(".")[3]).sort(), ["2", "3", "4", "5", "6"]);
  await assert.rejects(svc.allocateAddress("tiny", world.containerId()), /no available IPv4 addresses on this network.s address pools: tiny/);
  await svc.releaseAddress("tiny", owners[2], got[2]);
  assert.equal(await svc.allocateAddress("tiny", world.containerId()), got[2]);

  // Addresses reserved by containers the lifecycle no longer knows are released on start.
  await svc.close();
  const later = world.restart();
  const report = await later.start({ containerExists: (id) => id !== owners[0] });
  assert.deepEqual(report.addresses, [`${got[0]}@tiny`]);
  assert.equal(await later.allocateAddress("tiny", world.containerId()), got[0]);
  await later.close();
});
