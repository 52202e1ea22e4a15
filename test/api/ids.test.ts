// Ids in paths: a host id is a Postgres integer, so one past 2^31−1 (or any malformed id) is bad input — a 400 naming
// the host id on every route under /api/v1/hosts/{id}, a 404 page for /hosts/{id}, a 422 for ?host= — never a 500
// from the database. The routes are read from app/api/v1 so a new one is covered without editing this file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { api, setupOwner, signIn } from "../support/session";
import { REPO_ROOT } from "../support/bundle";

let cp: ControlPlane;
let ownerCookie: string;

before(async () => {
  cp = await startControlPlane();
  const owner = await setupOwner(cp);
  ownerCookie = await signIn(cp, owner.email, owner.password);
});

after(async () => {
  await cp?.destroy();
});

function hostRoutes(dir = join(REPO_ROOT, "app/api/v1/hosts/[id]")): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...hostRoutes(p));
    else if (e === "route.ts") {
      const route = relative(join(REPO_ROOT, "app/api/v1"), dir).replace(/\[cid\]/g, "abc");
      for (const m of readFileSync(p, "utf8").matchAll(/export\s+(?:const|async function|function)\s+(GET|POST|PUT|PATCH|DELETE)\b/g)) {
        out.push({ method: m[1]!, path: `/api/v1/${route}` });
      }
    }
  }
  return out;
}

test("a host id past 2^31−1, or malformed, is a 400 naming the host id on every /api/v1/hosts/{id} route", async () => {
  const routes = hostRoutes();
  assert.ok(routes.length >= 15, `found ${routes.length} routes`);
  const failures: string[] = [];
  for (const bad of ["2147483648", "9999999999", "abc", "0", "-1", "1e3"]) {
    for (const r of routes) {
      const path = r.path.replace("[id]", bad);
      const res = await api(cp, ownerCookie).request(r.method, path, r.method === "GET" || r.method === "DELETE" ? undefined : {});
      if (res.status !== 400 || !/host id/.test(res.body?.error?.message ?? "")) {
        failures.push(`${r.method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  // The largest id that fits is a fine id: the host is simply not there.
  assert.equal((await api(cp, ownerCookie).get("/api/v1/hosts/2147483647")).status, 404);
});

test("host pages and the fleet filter refuse such ids without a server error", async () => {
  for (const path of ["/hosts/2147483648", "/hosts/2147483648/containers/abc", "/hosts/2147483648/containers/abc/terminal"]) {
    const r = await api(cp, ownerCookie).get(path);
    assert.equal(r.status, 404, `${path} → ${r.status}`);
  }
  for (const path of ["/images?host=2147483648", "/containers/new?host=2147483648"]) {
    assert.equal((await api(cp, ownerCookie).get(path)).status, 200, path);
  }
  const filtered = await api(cp, ownerCookie).get("/api/v1/containers?host=2147483648");
  assert.equal(filtered.status, 422);
  assert.match(filtered.body.error.message, /host/);
});

test("other path ids that do not parse are a 400 naming them", async () => {
  const long = "x".repeat(300);
  const container = await api(cp, ownerCookie).get(`/api/v1/hosts/1/containers/${long}`);
  assert.equal(container.status, 400);
  assert.match(container.body.error.message, /container id/);
  const user = await api(cp, ownerCookie).patch(`/api/v1/users/${long}`, { name: "x" });
  assert.equal(user.status, 400);
  assert.match(user.body.error.message, /user id/);
});
