// /api/v1/openapi.json describes every route handler under app/api/v1, with every method each route file exports,
// and its request schemas come from the same zod schemas the handlers parse with.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { startControlPlane, type ControlPlane } from "../support/control-plane";
import { REPO_ROOT } from "../support/bundle";

let cp: ControlPlane;

before(async () => {
  cp = await startControlPlane();
});

after(async () => {
  await cp?.destroy();
});

function routeFiles(dir = join(REPO_ROOT, "app/api/v1")): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...routeFiles(p));
    else if (e === "route.ts") out.push(p);
  }
  return out;
}

test("the document is OpenAPI 3.1 and names every route file and method", async () => {
  const res = await fetch(`${cp.url}/api/v1/openapi.json`);
  assert.equal(res.status, 200);
  const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, any>>; servers: Array<{ url: string }> };
  assert.equal(doc.openapi, "3.1.0");
  assert.equal(doc.servers[0]!.url, `${cp.url}/api/v1`);

  const missing: string[] = [];
  for (const file of routeFiles()) {
    const route = "/" + relative(join(REPO_ROOT, "app/api/v1"), file).replace(/\/?route\.ts$/, "").replace(/\[([^\]]+)\]/g, "{$1}");
    for (const m of readFileSync(file, "utf8").matchAll(/export\s+(?:const|async function|function)\s+(GET|POST|PUT|PATCH|DELETE)\b/g)) {
      if (!doc.paths[route]?.[m[1]!.toLowerCase()]) missing.push(`${m[1]} ${route}`);
    }
  }
  assert.deepEqual(missing, [], `routes missing from openapi.json: ${missing.join(", ")}`);

  const create = doc.paths["/tokens"]!.post;
  const body = create.requestBody.content["application/json"].schema;
  assert.deepEqual(body.required, ["name"]);
  assert.equal(body.properties.expiresInDays.maximum, 366);
  assert.equal(body.additionalProperties, false);
  assert.equal(create["x-gantry-permission"], "tokens.manage");
  assert.ok(create.responses["401"] && create.responses["403"]);
  const activity = doc.paths["/activity"]!.get;
  assert.ok(activity.parameters.some((p: { name: string; in: string }) => p.name === "pageSize" && p.in === "query"));
});
