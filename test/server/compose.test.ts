// docker-compose.yml is a deliverable: it must parse, and wire Postgres, the control plane and a privileged agent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { REPO_ROOT } from "../support/bundle";

test("docker-compose.yml parses and wires postgres, the control plane and a privileged agent", () => {
  const out = execFileSync("docker-compose", ["-f", "docker-compose.yml", "config"], { cwd: REPO_ROOT, encoding: "utf8" });
  for (const svc of ["postgres:", "control-plane:", "agent:"]) assert.match(out, new RegExp(`^  ${svc}`, "m"));
  assert.match(out, /privileged: true/);
  assert.match(out, /DATABASE_URL: postgresql:\/\/gantry:.*@postgres:5432\/gantry/);
  assert.match(out, /\/var\/lib\/gantry:\/var\/lib\/gantry/);
  assert.match(out, /\/sys\/fs\/cgroup:\/sys\/fs\/cgroup/);
});
