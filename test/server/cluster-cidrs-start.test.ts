// The cluster's address plan is checked when the control plane starts: overlapping GANTRY_CLUSTER_CIDR and
// GANTRY_SERVICE_CIDR stop the start with a message naming both, before anything else (no database, no port).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../support/bundle";

test("overlapping GANTRY_CLUSTER_CIDR and GANTRY_SERVICE_CIDR stop the control plane's start with the message", () => {
  const data = mkdtempSync(join(tmpdir(), "gantry-cidrs-"));
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", "server/server.ts"], {
      cwd: REPO_ROOT,
      env: { ...process.env, GANTRY_DATA: data, PORT: "0", GANTRY_TLS: "off", GANTRY_CLUSTER_CIDR: "10.96.0.0/16", GANTRY_SERVICE_CIDR: "10.96.0.0/12" },
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /error: GANTRY_CLUSTER_CIDR \(10\.96\.0\.0\/16\) and GANTRY_SERVICE_CIDR \(10\.96\.0\.0\/12\) overlap/);
    assert.doesNotMatch(r.stdout, /listening on/, "refused before it listens");
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});
