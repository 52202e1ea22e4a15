// The pure rules behind issue 16's pages and fixes: the chart axis never repeats a label, a host's CPUs and memory
// read as two figures, the nav entry a path belongs to, labels typed as lines, the activity record in sentences, and
// a command kind an older agent does not know said as such (both the agent's answer and the control plane's reading).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { z } from "zod";
import { LineChart, axisTicks } from "../../components/charts/line-chart";
import { formatCpuPercent } from "../../components/containers/format";
import { formatCpusMemory } from "../../components/hosts/format";
import { activeNavHref } from "../../components/shell/active-nav";
import { parseLabelLines } from "../../components/fleet/labels";
import { describeActivity, noNames } from "../../lib/activity/describe-activity";
import { commandError } from "../../lib/fleet/dispatch-command";
import { CommandRequest, HostCommand, UNKNOWN_KIND_REPLY } from "../../lib/protocol/commands";
import { handleCommandRequest, type CommandDeps } from "../../agent/commands/run-command";

/** The y-axis labels a chart draws. */
function axisLabels(format: (v: number) => string, values: number[]): string[] {
  const now = Date.now();
  const html = renderToStaticMarkup(
    createElement(LineChart, { title: "CPU", series: [{ label: "CPU", color: "#000", points: values.map((v, i) => ({ t: now - (values.length - i) * 1000, v })) }], format, now }),
  );
  return [...html.matchAll(/<text[^>]*data-axis-label[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}

test("the CPU chart of an idle container never repeats an axis label (it read \"0.1 % / 0.1 %\")", () => {
  // The container page's format before the fix, and now: either way no label appears twice.
  const before = (v: number) => `${v < 10 ? v.toFixed(1) : Math.round(v)} %`;
  for (const format of [before, formatCpuPercent]) {
    for (const peak of [0.03, 0.08, 0.1, 0.4, 3, 42]) {
      const labels = axisLabels(format, [peak / 2, peak]);
      assert.equal(new Set(labels).size, labels.length, `${peak}: ${labels.join(" / ")}`);
      assert.ok(labels.length >= 2, `${peak}: the axis keeps 0 and its top`);
    }
  }
  assert.deepEqual(axisLabels(formatCpuPercent, [0.04, 0.08]), ["0.00 %", "0.05 %", "0.10 %"]);
  assert.deepEqual(
    axisTicks(0.1, before).map((t) => t.label),
    ["0.0 %", null, "0.1 %"],
    "a half that reads like the top is left unlabelled",
  );
});

test("a host's CPUs and memory read as two figures, not a product", () => {
  assert.equal(formatCpusMemory(2, 23.5 * 1024 ** 3), "2 CPUs · 23.5 GiB");
  assert.equal(formatCpusMemory(1, 512 * 1024 ** 2), "1 CPU · 512 MiB");
});

test("a container's pages belong to Containers in the nav, not Hosts", () => {
  const hrefs = ["/hosts", "/containers", "/images", "/networks", "/join-tokens"];
  assert.equal(activeNavHref("/hosts/3/containers/abc", hrefs), "/containers");
  assert.equal(activeNavHref("/hosts/3/containers/abc/terminal", hrefs), "/containers");
  assert.equal(activeNavHref("/hosts/3", hrefs), "/hosts");
  assert.equal(activeNavHref("/hosts", hrefs), "/hosts");
  assert.equal(activeNavHref("/containers/new", hrefs), "/containers");
  assert.equal(activeNavHref("/join-tokens", hrefs), "/join-tokens");
  assert.equal(activeNavHref("/settings", hrefs), null);
});

test("labels typed one KEY=VALUE a line", () => {
  assert.deepEqual(parseLabelLines("team=web\n\n  tier = db \nflag\nurl=a=b"), { labels: { team: "web", tier: "db", flag: "", url: "a=b" }, error: null });
  assert.match(parseLabelLines("a=1\n=2").error!, /line 2: a label needs a key/);
  assert.match(parseLabelLines("a=1\na=2").error!, /line 2: the label a is given twice/);
});

test("the activity record reads as sentences with names, for noted rows, older rows and socket rows", () => {
  const base = { userEmail: "ana@example.test", tokenId: null, outcome: "ok" };
  const names = noNames();
  names.hosts.set(3, "web-1");
  names.containers.set(`3/${"a".repeat(64)}`, "colors");
  names.tokens.set("tok1", "ci");
  names.users.set("u1", "bob@example.test");
  const noted = (summary: object, extra: object = {}) => ({ ...base, action: "containers.manage", target: "hosts/3/containers/x/actions", details: { method: "POST", summary }, ...extra });

  assert.equal(
    describeActivity(noted({ verb: "stop", object: "container colors", extra: "on host web-1" }), names),
    "ana@example.test stopped container colors on host web-1",
  );
  assert.equal(
    describeActivity(noted({ verb: "stop", object: "container colors", extra: "on host web-1" }, { outcome: "not_found", tokenId: "tok1" }), names),
    'ana@example.test (with API token "ci") tried to stop container colors on host web-1 — failed (not_found)',
  );
  // A row from before notes: the container's 64-character id becomes its name, the host its name.
  const old = { ...base, action: "containers.manage", target: `hosts/3/containers/${"a".repeat(64)}`, details: { method: "DELETE" } };
  assert.equal(describeActivity(old, names), "ana@example.test removed container colors on host web-1");
  assert.equal(describeActivity({ ...old, target: `hosts/3/containers/${"b".repeat(64)}` }, names), "ana@example.test removed container bbbbbbbbbbbb on host web-1");
  // Terminal sessions and pulls, which the sockets record.
  const exec = { ...base, action: "containers.exec", target: `hosts/3/containers/${"a".repeat(64)}`, details: { event: "start", cmd: ["/bin/sh"] } };
  assert.equal(describeActivity(exec, names), "ana@example.test opened a terminal in container colors on host web-1: /bin/sh");
  assert.equal(
    describeActivity({ ...exec, details: { event: "end", exitCode: 3 } }, names),
    "ana@example.test ended a terminal session in container colors on host web-1 (exit code 3)",
  );
  assert.equal(
    describeActivity({ ...base, action: "images.manage", target: "hosts/3/images/pull", details: { event: "pull", ref: "busybox:1" } }, names),
    "ana@example.test pulled image busybox:1 on host web-1",
  );
  assert.equal(describeActivity({ ...base, action: "tokens.manage", target: "tokens/tok1", details: { method: "DELETE" } }, names), 'ana@example.test revoked API token "ci"');
  assert.equal(describeActivity({ ...base, action: "users.manage", target: "users/u1", details: { method: "PATCH" } }, names), "ana@example.test changed user bob@example.test");
  assert.equal(describeActivity({ ...base, userEmail: null, action: "hosts.update", target: "hosts/9", details: { method: "PATCH" } }), "someone renamed host 9");
  // A summary that is not one (a hand-made row) falls back to the path, never throws.
  assert.equal(describeActivity(noted({ verb: "explode", object: 1 }), names), "ana@example.test changed the state of container x on host web-1");
});

test("a command kind an agent does not know: the agent says so, and the control plane reads old agents' answers too", async () => {
  const deps = { containers: {}, images: {}, root: "/", binds: {} } as unknown as CommandDeps;
  const deadline = new Date(Date.now() + 60_000).toISOString();
  const reply = await handleCommandRequest(deps, { id: "c1", command: { kind: "network.teleport" }, deadline }, () => {});
  assert.deepEqual(reply, { id: "c1", ok: false, error: { code: "bad_request", message: `${UNKNOWN_KIND_REPLY}this agent does not know "network.teleport"` } });

  // An agent from before networks and volumes parsed with the kinds it knew, and answered with zod's message.
  const kinds = HostCommand.options.filter((o) => !/^(network|volume)\./.test(o.shape.kind.value));
  const oldRequest = CommandRequest.extend({ command: z.discriminatedUnion("kind", kinds as unknown as [typeof kinds[number], ...typeof kinds]) });
  const parsed = oldRequest.safeParse({ id: "c2", command: { kind: "network.list" }, deadline });
  assert.equal(parsed.success, false);
  const oldMessage = `invalid command: ${parsed.error!.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(payload)"}: ${i.message}`).join("; ")}`;

  const host = { id: 7, name: "edge" };
  for (const message of [oldMessage, reply.ok ? "" : reply.error.message]) {
    const e = commandError(host, "network.list", { code: "bad_request", message });
    assert.equal(e.status, 409, message);
    assert.equal(e.message, "host 7 (edge) runs an agent that does not know network.list: it is older than this control plane; upgrade gantry-agent on that host");
  }
  const other = commandError(host, "network.create", { code: "bad_request", message: "invalid command: command.spec.subnet: bad" });
  assert.equal(other.status, 400);
  assert.equal(other.message, "invalid command: command.spec.subnet: bad");
});

test("the images page says why a removal was refused without contradicting the reason, and what a removal did", async () => {
  const { removalRefused, removalDone, pruneDone } = await import("../../components/images/removal");
  // The agent's refusals (agent/images/image-service.ts, Docker's words).
  const childRefusal = "conflict: unable to delete 0123456789ab (cannot be forced) - image has dependent child images";
  const child = removalRefused("app:v1", childRefusal);
  assert.match(child, /other images are built on it/);
  assert.match(child, /"Force" does not help/);
  assert.doesNotMatch(child, /tick "Force"/, "no advice to force what cannot be forced (the page said 'or tick \"Force\"' for every 409)");
  const repos = removalRefused("0123456789ab", "conflict: unable to delete 0123456789ab (must be forced) - image is referenced in multiple repositories");
  assert.match(repos, /tagged in several repositories/);
  assert.doesNotMatch(repos, /in use|containers using it/, "not said to be in use when no container uses it");
  const used = removalRefused("app:v1", 'conflict: unable to remove repository reference "app:v1" (must force) - image is being used by a container');
  assert.match(used, /^app:v1 is in use: .*being used by a container\. Remove the containers using it first, or tick "Force" .*the image itself stays/);
  assert.equal(removalRefused("app:v1", "something else"), "app:v1 was not removed: something else");

  assert.equal(removalDone("app:v1", ["app:v1"], { untagged: ["app:v1"], deleted: ["sha256:aa"] }), "Removed app:v1");
  assert.equal(removalDone("app:v1", ["app:v1", "app:v2"], { untagged: ["app:v1"], deleted: [] }), "Removed the tag app:v1; the image keeps its other tags");
  // Forced while a container uses it: the tags go, the image stays — said so, not "Removed".
  assert.match(removalDone("app:v1", ["app:v1"], { untagged: ["app:v1"], deleted: [] }), /^Untagged app:v1: the image stays on the host while a container uses it/);

  assert.equal(pruneDone({ deleted: ["sha256:a", "sha256:b"], spaceReclaimedBytes: 3 * 1024 * 1024 }), "Pruned 2 images, 3.0 MiB freed");
  assert.match(pruneDone({ deleted: [], spaceReclaimedBytes: 0 }), /^Nothing to prune/);
});

test("Duplicate fills the run form from a container's inspect: what buildRunSpec makes of it is the container's settings; withheld env values and anonymous volumes are not carried over", async () => {
  const { runFormFromInspect } = await import("../../lib/run-form/from-inspect");
  const { buildRunSpec } = await import("../../lib/run-form/build-run-spec");
  const { WITHHELD } = await import("../../lib/containers/secret-env");
  const { values, withheldEnv } = runFormFromInspect(
    {
      Id: "abc",
      Name: "/web",
      Config: { Image: "nginx:1", Cmd: ["sh", "-c", "echo 'a b'"], Env: ["GREETING=hi there", `API_TOKEN=${WITHHELD}`], Labels: { team: "blue" } },
      HostConfig: {
        Memory: 64 * 1024 * 1024,
        NanoCpus: 500_000_000,
        PidsLimit: 100,
        RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 },
        NetworkMode: "backend",
        PortBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }], "53/udp": [{ HostIp: "", HostPort: "" }] },
      },
      Mounts: [
        { Type: "volume", Name: "data", Source: "/var/lib/gantry/volumes/data/_data", Destination: "/data", RW: true },
        { Type: "volume", Name: "a".repeat(64), Source: "/x", Destination: "/cache", RW: true },
        { Type: "bind", Source: "/srv/conf", Destination: "/etc/conf", RW: false },
      ],
    } as never,
    "web-copy",
  );
  assert.deepEqual(withheldEnv, ["API_TOKEN"]);
  const built = buildRunSpec(values);
  assert.ok(built.ok, JSON.stringify(built));
  assert.deepEqual(built.spec, {
    image: "nginx:1",
    name: "web-copy",
    cmd: ["sh", "-c", "echo 'a b'"],
    env: { GREETING: "hi there" },
    labels: { team: "blue" },
    ports: [
      { container: 80, host: 8080, hostIp: "127.0.0.1", protocol: "tcp" },
      { container: 53, protocol: "udp" },
    ],
    volumes: [
      { source: "data", target: "/data", readOnly: false },
      { source: "/srv/conf", target: "/etc/conf", readOnly: true },
    ],
    memoryBytes: 64 * 1024 * 1024,
    cpus: 0.5,
    pidsLimit: 100,
    restartPolicy: { name: "on-failure", maxRetries: 3 },
    network: "backend",
  });
});

test("a bulk action says how many containers it did and why each of the others was refused", async () => {
  const { bulkSummary } = await import("../../components/containers/bulk-actions");
  assert.equal(bulkSummary("stop", [{ name: "a", error: null }, { name: "b", error: null }]), "Stopped 2 of 2 containers");
  assert.equal(
    bulkSummary("remove", [{ name: "a", error: null }, { name: "b", error: "host web-2 is offline" }, { name: "c", error: "not found" }]),
    "Removed 1 of 3 containers; b: host web-2 is offline; c: not found",
  );
  assert.equal(bulkSummary("start", [{ name: "a", error: null }]), "Started 1 of 1 container");
});
