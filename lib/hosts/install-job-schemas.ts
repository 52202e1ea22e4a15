// Adding a host over SSH: the request (POST /api/v1/hosts/ssh), the job as the API, the browser and the CLI see it.
import { z } from "zod";
import { normalizeHostKeyFingerprint } from "./ssh-target";

const fingerprint = z
  .string()
  .max(100)
  .transform((v, ctx) => {
    const n = normalizeHostKeyFingerprint(v);
    if (!n) ctx.addIssue({ code: "custom", message: "must be a host key fingerprint as ssh-keygen -lf prints it: SHA256: and 43 base64 characters" });
    return n ?? "";
  });
const address = z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9.:_-]+$/, "must be a host name or an IP address");
const user = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9._][A-Za-z0-9._-]*$/, "must be a user name (letters, digits, . _ -)");
const port = z.number().int().min(1).max(65535).default(22);
const privateKey = z.string().min(1).max(16_384);
const password = z.string().min(1).max(1024);

export const sshJumpBody = z
  .object({ address, port, user, privateKey: privateKey.optional(), password: password.optional(), passphrase: password.optional(), hostKeyFingerprint: fingerprint.optional() })
  .strict()
  .refine((j) => j.privateKey || j.password, { message: "give the jump host a privateKey or a password", path: ["privateKey"] });

export const addHostOverSshBody = z
  .object({
    address,
    port,
    user,
    privateKey: privateKey.optional(),
    password: password.optional(),
    passphrase: password.optional(),
    jump: sshJumpBody.optional(),
    hostKeyFingerprint: fingerprint.optional(),
    name: z.string().trim().min(1).max(63).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be a host name (letters, digits, . _ -)").optional(),
    serverUrl: z.string().url().max(2048).regex(/^https?:\/\//, "must be an http:// or https:// URL").optional(),
  })
  .strict()
  .refine((b) => b.privateKey || b.password, { message: "give a privateKey or a password", path: ["privateKey"] });
export type AddHostOverSshBody = z.infer<typeof addHostOverSshBody>;

export const confirmHostKeyBody = z.object({ fingerprint }).strict();
export const installJobIdParam = z.string().min(1).max(64).regex(/^[a-z0-9]+$/, "must be an install job id");

export const INSTALL_STEPS = ["connect", "upload", "preflight", "install", "online"] as const;
export type InstallStepName = (typeof INSTALL_STEPS)[number] | "cleanup";
export const INSTALL_JOB_STATES = ["queued", "running", "awaiting-host-key", "succeeded", "failed", "cancelled"] as const;
export type InstallJobState = (typeof INSTALL_JOB_STATES)[number];
export const FINISHED_STATES: ReadonlySet<InstallJobState> = new Set(["succeeded", "failed", "cancelled"]);

export const installStep = z.object({
  name: z.string(),
  state: z.enum(["pending", "running", "succeeded", "failed", "cancelled"]),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** The step's last lines of output (capped at STEP_OUTPUT_LINES); a join token never appears in them. */
  output: z.array(z.string()),
  /** Progress or a one-line result ("38.2 of 41.0 MiB"). */
  detail: z.string().nullable(),
});
export type InstallStep = z.infer<typeof installStep>;
export const STEP_OUTPUT_LINES = 200;

export const installJobView = z.object({
  id: z.string(),
  address: z.string(),
  port: z.number().int(),
  user: z.string(),
  jump: z.string().nullable(),
  name: z.string().nullable(),
  serverUrl: z.string(),
  state: z.enum(INSTALL_JOB_STATES),
  /** The key the target presented, to confirm (state awaiting-host-key). */
  presentedHostKey: z.string().nullable(),
  /** The key confirmed and pinned. */
  hostKey: z.string().nullable(),
  steps: z.array(installStep),
  reason: z.string().nullable(),
  hostId: z.number().int().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type InstallJobView = z.infer<typeof installJobView>;

export interface InstallJobRow {
  id: string;
  address: string;
  port: number;
  username: string;
  jump: string | null;
  name: string | null;
  serverUrl: string;
  state: string;
  presentedHostKey: string | null;
  hostKey: string | null;
  steps: unknown;
  reason: string | null;
  hostId: number | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export function toInstallJobView(row: InstallJobRow): InstallJobView {
  return {
    id: row.id,
    address: row.address,
    port: row.port,
    user: row.username,
    jump: row.jump,
    name: row.name,
    serverUrl: row.serverUrl,
    state: row.state.replace(/_/g, "-") as InstallJobState,
    presentedHostKey: row.presentedHostKey,
    hostKey: row.hostKey,
    steps: (Array.isArray(row.steps) ? row.steps : []) as InstallStep[],
    reason: row.reason,
    hostId: row.hostId,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

/** The browser room of one install job's updates (joined through the install-job.subscribe event, hosts.install). */
export const installJobRoom = (jobId: string) => `install-job:${jobId}`;
