// gantry host add --ssh user@address[:port] --identity FILE | --password-stdin [--jump user@bastion[:port]]
//   [--jump-host-key SHA256:…] [--accept-host-key SHA256:…] [--name NAME] [--server-url URL]
// Adds a host over SSH (POST /api/v1/hosts/ssh) and prints the install job's steps as they happen (it polls the job).
// It asks nothing: a host key not given with --accept-host-key (and not pinned for that address by an earlier add) is
// printed with the flag to pass, and the command exits 1 having cancelled the job. Exit 0 once the host is online.
import { readFileSync } from "node:fs";
import { parseArgs } from "../args";
import type { Client } from "../client";
import { CliError, usageError } from "../errors";
import { printLine } from "../output";
import type { InstallJobView } from "../../lib/hosts/install-job-schemas";

export const HOST_ADD_USAGE =
  "usage: gantry host add --ssh user@address[:port] (--identity FILE | --password-stdin) [--jump user@bastion[:port] --jump-host-key SHA256:…] [--accept-host-key SHA256:…] [--name NAME] [--server-url URL]";

function endpoint(flag: string, value: string): { user: string; address: string; port: number } {
  const m = /^([^@\s]+)@(\[[0-9a-fA-F:]+\]|[^:@\s]+)(?::(\d{1,5}))?$/.exec(value);
  if (!m) throw usageError(`--${flag} takes user@address[:port], got ${value}`);
  return { user: m[1]!, address: m[2]!.replace(/^\[|\]$/g, ""), port: m[3] ? Number(m[3]) : 22 };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

export async function hostAdd(client: Client, argv: string[]): Promise<void> {
  const a = parseArgs(argv, { values: ["ssh", "identity", "jump", "jump-host-key", "accept-host-key", "name", "server-url"], booleans: ["password-stdin"] });
  if (a.positionals.length || !a.values.ssh) throw usageError(HOST_ADD_USAGE);
  const target = endpoint("ssh", a.values.ssh);
  const viaPassword = a.flags.has("password-stdin");
  if (!a.values.identity && !viaPassword) throw usageError("give --identity FILE (a private key) or --password-stdin");
  let privateKey: string | undefined;
  if (a.values.identity) {
    try {
      privateKey = readFileSync(a.values.identity, "utf8");
    } catch (e) {
      throw new CliError(`cannot read the identity file ${a.values.identity}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
    }
  }
  const password = viaPassword ? await readStdin() : undefined;
  if (viaPassword && !password) throw usageError("--password-stdin read an empty password");
  const passphrase = process.env.GANTRY_SSH_PASSPHRASE || undefined;
  const jump = a.values.jump ? endpoint("jump", a.values.jump) : undefined;
  if (jump && !a.values["jump-host-key"]) throw usageError("--jump needs --jump-host-key SHA256:… (the bastion's host key, as ssh-keygen -lf prints it)");
  if (jump && !privateKey) throw usageError("--jump logs in to the bastion with the --identity key");

  const { job } = await client.request<{ job: InstallJobView }>("POST", "/hosts/ssh", {
    ...target,
    privateKey,
    passphrase,
    password,
    jump: jump && { ...jump, privateKey, passphrase, hostKeyFingerprint: a.values["jump-host-key"] },
    hostKeyFingerprint: a.values["accept-host-key"],
    name: a.values.name,
    serverUrl: a.values["server-url"],
  });
  printLine(`install job ${job.id}: adding ${a.values.ssh}${jump ? ` via ${a.values.jump}` : ""}`);
  const shown = new Map<string, { lines: number; state: string }>();
  for (;;) {
    const j = (await client.request<{ job: InstallJobView }>("GET", `/host-install-jobs/${job.id}`)).job;
    for (const step of j.steps) {
      const seen = shown.get(step.name) ?? { lines: 0, state: "" };
      if (!shown.has(step.name)) printLine(`==> ${step.name}`);
      for (const l of step.output.slice(seen.lines)) printLine(`    ${l}`);
      if (step.state !== "running" && seen.state !== step.state) printLine(`<== ${step.name}: ${step.state}${step.detail ? ` (${step.detail})` : ""}`);
      shown.set(step.name, { lines: step.output.length, state: step.state });
    }
    if (j.state === "awaiting-host-key") {
      await client.request("POST", `/host-install-jobs/${job.id}/cancel`).catch(() => undefined);
      throw new CliError(
        `${a.values.ssh} presents the host key ${j.presentedHostKey}, which is not confirmed: compare it with \`ssh-keygen -lf\` of its host key and run again with --accept-host-key ${j.presentedHostKey}`,
        1,
      );
    }
    if (j.state === "succeeded") return printLine(`host ${j.hostId} is online`);
    if (j.state === "failed" || j.state === "cancelled") throw new CliError(j.reason ?? j.state, 1);
    await new Promise((r) => setTimeout(r, 400));
  }
}
