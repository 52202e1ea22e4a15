// Teams, host groups and role bindings through the real `gantry` CLI against a real control plane: an owner makes a
// team, two host groups (host A with a real agent in one, host B in the other) and binds the team to A's group; the
// member's own token then reaches A's host with gantry commands (run, logs, exec, images) and gets the CLI's not-found
// message and exit code for B's host, as if it did not exist; unbinding takes A away again. Mistakes name the field.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { api, createUser, signIn, strongPassword, uniqueEmail } from "../support/session";
import { startFleetHost, type FleetHost } from "../support/fleet-host";
import { FAKE_FACTS } from "../support/fake-agent";
import { gantry, type CliResult } from "./support";

let f: FleetHost;
const homes: string[] = [];
let ownerHome: string;
let memberHome: string;
let memberEmail: string;
let B: number;

function home(label: string): string {
  const h = mkdtempSync(join(tmpdir(), `gantry-teams-${label}-`));
  homes.push(h);
  return h;
}

const ok = (r: CliResult, what: string): string => {
  assert.equal(r.code, 0, `${what}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};

before(async () => {
  f = await startFleetHost("gtm");
  const owner = api(f.cp, f.ownerCookie);
  // Host B: joined with a real join token (no agent behind it: it exists, offline, for those who may see it).
  const join = await owner.post("/api/v1/join-tokens", { hostName: "teams-b" });
  const joined = await api(f.cp).post("/api/v1/agents/join", { token: join.body.token, facts: { ...FAKE_FACTS, hostname: "teams-b" } });
  assert.equal(joined.status, 201, JSON.stringify(joined.body));
  B = joined.body.hostId;
  ownerHome = home("owner");
  ok(await gantry(ownerHome, ["login", f.cp.url, "--token", (await owner.post("/api/v1/tokens", { name: "owner-cli" })).body.token]), "owner login");
  // The member: an account with no fleet-wide role, and their own token (made before any binding: rights are read on each request).
  memberEmail = uniqueEmail("member");
  const member = await createUser(f.cp, f.ownerCookie, { role: "none", email: memberEmail, password: strongPassword(), name: "member" });
  const memberCookie = await signIn(f.cp, member.email, member.password);
  memberHome = home("member");
  ok(await gantry(memberHome, ["login", f.cp.url, "--token", (await api(f.cp, memberCookie).post("/api/v1/tokens", { name: "member-cli" })).body.token]), "member login");
});

after(async () => {
  await f?.destroy();
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

test("an owner makes a team and binds it to a host group with gantry; the member reaches that group's host and not the other's", async () => {
  const g = (args: string[]) => gantry(ownerHome, args);
  const m = (args: string[]) => gantry(memberHome, args);
  const A = f.hostId;

  // Before any binding the member may read no host at all.
  const unbound = await m(["hosts"]);
  assert.equal(unbound.code, 3, unbound.stderr);
  assert.match(unbound.stderr, /^gantry: your role \(none\)( as narrowed by this API token)? does not allow hosts\.read\n$/);

  // Each start of the CLI takes a second or two (TypeScript through tsx): what does not depend on another runs at once.
  const [teamMade, groupA, groupB] = await Promise.all([g(["team", "create", "payments", "-d", "the payments team"]), g(["group", "create", "group-a", "--host", String(A)]), g(["group", "create", "group-b"])]);
  assert.match(ok(teamMade, "team create"), /^team payments created \(\S+\)$/m);
  assert.match(ok(groupA, "group create a"), new RegExp(`^host group group-a created \\(\\S+\\) with host ${A}$`, "m"));
  ok(groupB, "group create b");
  assert.match(ok(await g(["group", "host", "add", "group-b", "teams-b"]), "group host add"), new RegExp(`^host group group-b: ${B} teams-b$`, "m"));
  const [groupsOut, memberAdded] = await Promise.all([g(["group", "ls"]), g(["team", "member", "add", "payments", memberEmail])]);
  const groups = ok(groupsOut, "group ls").trimEnd().split("\n");
  assert.match(groups[0]!, /^NAME\s+ID\s+HOSTS$/);
  assert.ok(groups.some((l) => new RegExp(`^group-a\\s+\\S+\\s+${A} `).test(l)) && groups.some((l) => new RegExp(`^group-b\\s+\\S+\\s+${B} teams-b$`).test(l)), groups.join("\n"));

  assert.equal(ok(memberAdded, "member add"), `${memberEmail} is a member of team payments\n`);
  assert.match(ok(await g(["role", "bind", "--team", "payments", "operator", "group:group-a"]), "role bind"), /^team payments is operator on group:group-a \(binding \S+\)$/m);
  const [teams, bindings] = await Promise.all([g(["team", "ls"]), g(["role", "ls", "--team", "payments"])]);
  assert.match(ok(teams, "team ls"), new RegExp(`^payments\\s+\\S+\\s+${memberEmail.replace(/[.+]/g, "\\$&")}$`, "m"));
  assert.match(ok(bindings, "role ls"), /^team:payments\s+operator\s+group:group-a\s+\S+$/m);

  // The member, with their own token: A's host is theirs — listed, and run, logs, exec and images work there.
  const hosts = ok(await m(["hosts"]), "member hosts").trimEnd().split("\n");
  assert.equal(hosts.length, 2, hosts.join("\n"));
  assert.match(hosts[1]!, new RegExp(`^${A}\\s+\\S+\\s+online\\s`));
  ok(await m(["run", "--host", String(A), "--name", "team-web", "--network", "none", f.image, "sh", "-c", "echo hello-team; sleep 300"]), "member run");
  let logs = "";
  for (let i = 0; i < 50 && !logs.includes("hello-team"); i++) logs = (await m(["logs", `${A}/team-web`])).stdout;
  assert.equal(logs, "hello-team\n");
  const ex = await m(["exec", `${A}/team-web`, "sh", "-c", "echo in-$((6*7))"]);
  assert.deepEqual([ex.code, ex.stdout], [0, "in-42\n"], ex.stderr);
  assert.match(ok(await m(["images", "--host", String(A)]), "member images"), /busybox/);

  // B's host does not exist for them: by id the CLI's not-found message and exit code 4, by name no such host —
  // exactly as for a host that does not exist at all. And the team's member may not hand out rights.
  const onB = [["images", "--host", String(B)], ["logs", `${B}/team-web`], ["exec", `${B}/team-web`, "true"], ["run", "--host", String(B), f.image, "true"]];
  const [byName, none, escalate, ...refused] = await Promise.all([
    m(["images", "--host", "teams-b"]),
    m(["images", "--host", "999999"]),
    m(["role", "bind", "--team", "payments", "operator", "fleet"]),
    ...onB.map((args) => m(args)),
  ]);
  for (const [i, r] of refused.entries()) {
    assert.equal(r.code, 4, `gantry ${onB[i]!.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr, `gantry: host ${B} not found\n`, `gantry ${onB[i]!.join(" ")}`);
  }
  assert.deepEqual([byName.code, byName.stderr], [4, 'gantry: no host named "teams-b" (see `gantry hosts`)\n']);
  assert.deepEqual([none.code, none.stderr], [4, "gantry: host 999999 not found\n"]);
  assert.equal(escalate.code, 3, escalate.stderr);

  // Unbinding takes A away again; removing the member and the team leaves nothing behind.
  assert.match(ok(await g(["role", "unbind", "--team", "payments", "operator", "group:group-a"]), "role unbind"), /^team payments is no longer operator on group:group-a$/m);
  const gone = await m(["images", "--host", String(A)]);
  assert.equal(gone.code, 3, gone.stderr);
  assert.match(gone.stderr, /^gantry: your role \(none\)( as narrowed by this API token)? does not allow images\.read\n$/);
  const [memberGone] = await Promise.all([g(["team", "member", "rm", "payments", memberEmail]), g(["rm", "-f", `${A}/team-web`]).then((r) => ok(r, "rm"))]);
  assert.equal(ok(memberGone, "member rm"), `${memberEmail} left team payments\n`);
  assert.equal(ok(await g(["team", "rm", "payments"]), "team rm"), "team payments removed\n");
  assert.doesNotMatch(ok(await g(["team", "ls"]), "team ls"), /payments/);
});

test("team, group and role mistakes name what is wrong: usage (2), the server's field (1), not found (4)", async () => {
  const g = (args: string[]) => gantry(ownerHome, args);
  const cases: Array<[string[], number, RegExp]> = [
    [["team"], 2, /^gantry: usage: gantry team ls\|create\|rm/],
    [["team", "create"], 2, /team create: name the team/],
    [["team", "create", "no/slash"], 1, /name: name is letters, digits/],
    [["team", "rm", "no-such-team"], 4, /no team named "no-such-team"/],
    [["team", "member", "add", "no-such-team", "x@example.test"], 4, /no team named "no-such-team"/],
    [["group", "create", "g1", "--host", "no-such-host"], 4, /no host named "no-such-host"/],
    [["group", "create", "g1", "--host", "999999"], 1, /hostIds: no host 999999/],
    [["role", "bind", "operator", "fleet"], 2, /name the subject with --user USER or --team TEAM/],
    [["role", "bind", "--user", "x@example.test", "--team", "t", "operator", "fleet"], 2, /--user and --team: name one subject/],
    [["role", "bind", "--user", memberEmail, "operator", "cluster:x"], 2, /SCOPE "cluster:x" is not fleet, group:NAME or namespace:NAME/],
    [["role", "bind", "--user", memberEmail, "operator", "namespace:Not_A_Label"], 1, /namespace: a namespace is lower-case letters/],
    [["role", "bind", "--user", memberEmail, "no-such-role", "fleet"], 4, /ROLE: no role named "no-such-role"/],
    [["role", "bind", "--user", "nobody@example.test", "viewer", "fleet"], 4, /--user: no user with the email nobody@example.test/],
    [["role", "unbind", "--user", memberEmail, "viewer", "fleet"], 4, /has no binding viewer on fleet/],
  ];
  // Each start of the CLI takes a second or two (TypeScript through tsx): a few at a time.
  for (let i = 0; i < cases.length; i += 4) {
    await Promise.all(
      cases.slice(i, i + 4).map(async ([args, code, message]) => {
        const r = await g(args);
        assert.equal(r.code, code, `gantry ${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, message, `gantry ${args.join(" ")}`);
      }),
    );
  }
});
