// Pure rules behind two rights: which RunSpec fields reach into the host (containers.host-access), and which env values
// an inspect result withholds from those who may not read a container's output (containers.logs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { hostAccessFields } from "@/lib/containers/host-access-fields";
import { WITHHELD, envEntries, withholdInspectSecrets, withholdSecretEnv } from "@/lib/containers/secret-env";
import { RunSpec } from "@/lib/protocol/commands";

test("host access: bind sources and host or container network namespaces, named by their path in the spec", () => {
  const spec = RunSpec.parse({
    image: "busybox",
    volumes: [
      { source: "data", target: "/data" },
      { source: "/srv/app", target: "/app", readOnly: true },
    ],
    network: "host",
  });
  assert.deepEqual(
    hostAccessFields(spec).map((f) => [f.path, f.value]),
    [
      ["volumes.1.source", "/srv/app"],
      ["network", "host"],
    ],
  );
  assert.deepEqual(hostAccessFields(RunSpec.parse({ image: "busybox", network: "container:web" })).map((f) => f.path), ["network"]);
  assert.deepEqual(hostAccessFields(RunSpec.parse({ image: "busybox", volumes: [{ source: "cache", target: "/c" }], network: "bridge", ports: [{ container: 80, host: 8080 }] })), []);
});

test("host access: fields the fleet API does not carry are refused by name, and a source is a volume name or an absolute path", () => {
  for (const key of ["privileged", "capAdd", "devices", "pidMode", "ipcMode"]) {
    const r = RunSpec.safeParse({ image: "busybox", [key]: key === "privileged" ? true : ["x"] });
    assert.equal(r.success, false, key);
    assert.match(JSON.stringify(r.error!.issues), new RegExp(key), key);
  }
  const paths = (v: unknown) => (RunSpec.safeParse({ image: "busybox", volumes: [v] }).error?.issues ?? []).map((i) => i.path.join("."));
  assert.deepEqual(paths({ source: "../etc", target: "/x" }), ["volumes.0.source"]);
  assert.deepEqual(paths({ source: "/etc:/y", target: "/x" }), ["volumes.0.source"]);
  assert.deepEqual(paths({ source: "vol", target: "/x:ro" }), ["volumes.0.target"]);
  assert.deepEqual(paths({ source: "/srv/ok", target: "/x" }), []);
});

test("inspect: secret-looking env values are withheld, the rest and the other fields untouched", () => {
  const inspect = { Id: "abc", Config: { Image: "busybox", Env: ["DB_PASSWORD=hunter2", "PATH=/bin", "API_TOKEN=", "BARE_SECRET", "GREETING=a=b"] }, State: { Running: true } };
  const out = withholdInspectSecrets(inspect);
  assert.deepEqual(out.Config.Env, [`DB_PASSWORD=${WITHHELD}`, "PATH=/bin", `API_TOKEN=${WITHHELD}`, "BARE_SECRET", "GREETING=a=b"]);
  assert.equal(out.Id, "abc");
  assert.deepEqual(out.State, { Running: true });
  assert.equal(inspect.Config.Env[0], "DB_PASSWORD=hunter2", "the original is not changed");
  assert.deepEqual(
    envEntries(out.Config.Env).map((e) => [e.name, e.withheld]),
    [
      ["DB_PASSWORD", true],
      ["PATH", false],
      ["API_TOKEN", true],
      ["BARE_SECRET", false],
      ["GREETING", false],
    ],
  );
  assert.equal(withholdInspectSecrets(null), null);
  assert.deepEqual(withholdInspectSecrets({ Config: {} }), { Config: {} });
});

test("env values that are secrets whatever the variable is called are withheld too: a URL with a password, a private key, a known token", () => {
  const env = [
    "DATABASE_URL=postgres://app:hunter2@db:5432/app",
    "UPSTREAM=https://example.com/path?q=1",
    "MIRROR=https://user@example.com/repo",
    "TLS_PEM=-----BEGIN RSA PRIVATE KEY-----\nMIIE...",
    "CERT=-----BEGIN CERTIFICATE-----\nMIIC...",
    "GH=ghp_" + "a".repeat(36),
    "AWS_ID=AKIA" + "ABCDEFGHIJKLMNOP",
    "GANTRY=gat_" + "b".repeat(30),
    "NOTE=a plain value",
  ];
  assert.deepEqual(
    withholdSecretEnv(env).map((l) => l.endsWith(`=${WITHHELD}`)),
    [true, false, false, true, false, true, true, true, false],
  );
  assert.deepEqual(
    envEntries(env).map((e) => e.secret),
    [true, false, false, true, false, true, true, true, false],
    "the page masks the same ones for those who may read them",
  );
});

