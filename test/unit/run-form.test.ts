// The run form's pure parsing: command lines into argv, memory sizes, form rows into a RunSpec with errors named by
// field, API error paths back onto fields, image presence on a host, and pull progress folded per layer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { splitCommandLine } from "../../lib/run-form/split-command";
import { parseMemorySize } from "../../lib/run-form/parse-memory";
import { buildRunSpec, fieldErrorsFromApi } from "../../lib/run-form/build-run-spec";
import { emptyRunForm, type RunFormValues } from "../../lib/run-form/form-values";
import { imageOnHost } from "../../lib/run-form/image-on-host";
import { applyPullEvent, emptyPullProgress } from "../../lib/run-form/pull-progress";

test("a command line splits like a shell splits words", () => {
  assert.deepEqual(splitCommandLine("httpd -f -p 8080"), ["httpd", "-f", "-p", "8080"]);
  assert.deepEqual(splitCommandLine(`sh -c 'echo "$HOME" && ls'`), ["sh", "-c", 'echo "$HOME" && ls']);
  assert.deepEqual(splitCommandLine(`echo "a b" 'c d' e\\ f "x\\"y" "\\n"`), ["echo", "a b", "c d", "e f", 'x"y', "\\n"]);
  assert.deepEqual(splitCommandLine(`  a   ''  "" b  `), ["a", "", "", "b"]);
  assert.deepEqual(splitCommandLine(`pre"mid"'end'`), ["premidend"]);
  assert.deepEqual(splitCommandLine(""), []);
  assert.throws(() => splitCommandLine(`echo 'oops`), /single quote opened at character 6 is never closed/);
  assert.throws(() => splitCommandLine(`echo "oops`), /double quote opened at character 6 is never closed/);
  assert.throws(() => splitCommandLine(`echo \\`), /lone backslash/);
});

test("memory sizes take Docker's units", () => {
  assert.equal(parseMemorySize("256m"), 256 * 1024 ** 2);
  assert.equal(parseMemorySize("1g"), 1024 ** 3);
  assert.equal(parseMemorySize("1G"), 1024 ** 3);
  assert.equal(parseMemorySize("512MB"), 512 * 1024 ** 2);
  assert.equal(parseMemorySize("1.5g"), 1.5 * 1024 ** 3);
  assert.equal(parseMemorySize("64k"), 65536);
  assert.equal(parseMemorySize("1048576"), 1048576);
  assert.equal(parseMemorySize(" 10b "), 10);
  for (const bad of ["", "m", "-1m", "12x", "1 gig", "1.2.3m"]) assert.throws(() => parseMemorySize(bad), /is not a size/, bad);
});

const form = (over: Partial<RunFormValues>): RunFormValues => ({ ...emptyRunForm("busybox:latest"), ...over });

test("a filled form becomes the RunSpec the API takes", () => {
  const r = buildRunSpec(
    form({
      image: "127.0.0.1:5000/busybox:latest",
      name: "web-1",
      command: "httpd -f -p 8080",
      entrypoint: "",
      env: ["GREETING=hello world", "", "EMPTY=", "URL=a=b"],
      ports: [
        { hostIp: "127.0.0.1", hostPort: "18080", containerPort: "8080", protocol: "tcp" },
        { hostIp: "", hostPort: "", containerPort: "53", protocol: "udp" },
        { hostIp: "", hostPort: "", containerPort: "", protocol: "tcp" },
      ],
      volumes: [
        { source: "data", target: "/data", readOnly: false },
        { source: "/etc/hostname", target: "/host-name", readOnly: true },
      ],
      memory: "256m",
      cpus: "0.5",
      pids: "64",
      restart: "on-failure",
      maxRetries: "3",
      labels: ["team=blue"],
      network: "bridge",
    }),
  );
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.deepEqual(r.ok && r.spec, {
    image: "127.0.0.1:5000/busybox:latest",
    name: "web-1",
    cmd: ["httpd", "-f", "-p", "8080"],
    env: { GREETING: "hello world", EMPTY: "", URL: "a=b" },
    labels: { team: "blue" },
    ports: [
      { container: 8080, host: 18080, hostIp: "127.0.0.1", protocol: "tcp" },
      { container: 53, protocol: "udp" },
    ],
    volumes: [
      { source: "data", target: "/data", readOnly: false },
      { source: "/etc/hostname", target: "/host-name", readOnly: true },
    ],
    memoryBytes: 256 * 1024 ** 2,
    cpus: 0.5,
    pidsLimit: 64,
    restartPolicy: { name: "on-failure", maxRetries: 3 },
    network: "bridge",
  });
  assert.deepEqual(buildRunSpec(form({})), { ok: true, spec: { image: "busybox:latest" } });
  const ep = buildRunSpec(form({ entrypoint: "/bin/sh -c", command: "'echo hi'" }));
  assert.deepEqual(ep.ok && [ep.spec.entrypoint, ep.spec.cmd], [["/bin/sh", "-c"], ["echo hi"]]);
});

test("every bad field is named, all at once", () => {
  const r = buildRunSpec(
    form({
      image: "Bad Image",
      name: "-x",
      command: "echo 'open",
      env: ["NOEQUALS", "=v", "A=1", "A=2"],
      ports: [
        { hostIp: "1.2.3", hostPort: "99999", containerPort: "80", protocol: "tcp" },
        { hostIp: "", hostPort: "80", containerPort: "", protocol: "tcp" },
        { hostIp: "", hostPort: "", containerPort: "http", protocol: "tcp" },
      ],
      volumes: [{ source: "bad name", target: "data", readOnly: false }],
      memory: "lots",
      cpus: "0",
      pids: "1.5",
      restart: "always",
      maxRetries: "3",
      labels: ["nolabel"],
      network: "bad net",
    }),
  );
  assert.equal(r.ok, false);
  const e = !r.ok ? r.errors : {};
  assert.deepEqual(Object.keys(e).sort(), [
    "command",
    "cpus",
    "env.0",
    "env.1",
    "env.3",
    "image",
    "labels.0",
    "maxRetries",
    "memory",
    "name",
    "network",
    "pids",
    "ports.0.hostIp",
    "ports.0.hostPort",
    "ports.1.containerPort",
    "ports.2.containerPort",
    "volumes.0.source",
    "volumes.0.target",
  ]);
  assert.match(e["ports.0.hostPort"]!, /host port must be from 1 to 65535, not 99999/);
  assert.match(e["ports.2.containerPort"]!, /whole number from 1 to 65535, not "http"/);
  assert.match(e.memory!, /"lots" is not a size/);
  assert.match(e.image!, /invalid reference "Bad Image"/);
  assert.match(e["env.3"]!, /"A" is given twice/);
  assert.match(buildRunSpec(form({ memory: "1m" })).ok ? "" : "at least 6m", /at least 6m/);
  assert.deepEqual(buildRunSpec(form({ image: " " })), { ok: false, errors: { image: "an image reference is required (e.g. busybox:latest)" } });
});

test("the API's 422 paths land on the form's fields", () => {
  assert.deepEqual(
    fieldErrorsFromApi([
      { path: "ports.1.host", message: "too big" },
      { path: "ports.0.container", message: "missing" },
      { path: "memoryBytes", message: "negative" },
      { path: "cmd.2", message: "long" },
      { path: "restartPolicy.maxRetries", message: "bad" },
      { path: "volumes.0.target", message: "relative" },
      { path: "image", message: "required" },
      { path: "", message: "unknown key" },
    ]),
    {
      "ports.1.hostPort": "too big",
      "ports.0.containerPort": "missing",
      memory: "negative",
      command: "long",
      maxRetries: "bad",
      "volumes.0.target": "relative",
      image: "required",
      form: "unknown key",
    },
  );
});

test("an image is on a host when a tag or digest matches after normalisation", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  const images = [
    { id: `sha256:${"1".repeat(64)}`, repoTags: ["busybox:latest", "127.0.0.1:5000/app:v1"], repoDigests: [`127.0.0.1:5000/app@${digest}`] },
  ];
  assert.equal(imageOnHost("busybox", images), true);
  assert.equal(imageOnHost("docker.io/library/busybox:latest", images), true);
  assert.equal(imageOnHost("127.0.0.1:5000/app:v1", images), true);
  assert.equal(imageOnHost("127.0.0.1:5000/app", images), false);
  assert.equal(imageOnHost(`127.0.0.1:5000/app@${digest}`, images), true);
  assert.equal(imageOnHost(`127.0.0.1:5000/other@${digest}`, images), false);
  assert.equal(imageOnHost("alpine", images), false);
  assert.equal(imageOnHost(`sha256:${"1".repeat(64)}`, images), true, "an untagged image's id");
  assert.equal(imageOnHost(`sha256:${"2".repeat(64)}`, images), false);
});

test("pull events fold into one bar per layer that only moves forward", () => {
  let p = emptyPullProgress();
  const events = [
    { status: "Pulling from app", id: "v1" },
    { id: "aaa", status: "Pulling fs layer" },
    { id: "bbb", status: "Already exists" },
    { id: "aaa", status: "Downloading", progressDetail: { current: 50, total: 100 } },
    { id: "aaa", status: "Downloading", progressDetail: { current: 10, total: 100 } },
    { id: "aaa", status: "Download complete" },
    { id: "aaa", status: "Extracting", progressDetail: { current: 100, total: 200 } },
  ];
  for (const e of events) p = applyPullEvent(p, e);
  assert.deepEqual(
    p.layers.map((l) => [l.id, l.status, l.percent, l.complete]),
    [
      ["aaa", "Extracting", 75, false],
      ["bbb", "Already exists", 100, true],
    ],
  );
  assert.equal(p.message, "Pulling from app");
  p = applyPullEvent(p, { id: "aaa", status: "Pull complete" });
  p = applyPullEvent(p, { status: "Status: Downloaded newer image for app:v1" });
  assert.equal(p.layers[0]!.percent, 100);
  assert.equal(p.message, "Status: Downloaded newer image for app:v1");
  assert.equal(p.done, false);
  p = applyPullEvent(p, { status: "done", result: {} });
  assert.equal(p.done, true);
  assert.equal(applyPullEvent(p, "junk"), p);
});
