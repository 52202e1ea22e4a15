// What lib's install-job use cases ask of the runner that speaks SSH (server/ssh/install-job.ts implements it and sets
// it in the server context; lib never imports server/). The credentials cross here once, in memory, and are never stored.
export interface InstallCredentials {
  privateKey?: string;
  passphrase?: string;
  password?: string;
  jump?: { privateKey?: string; passphrase?: string; password?: string; hostKey?: string };
}

export interface InstallJobRunner {
  /** Starts the job stored under `jobId` (state queued) with these credentials; returns at once. */
  start(jobId: string, credentials: InstallCredentials): void;
  /** The person confirmed the host key the job is waiting on; false when the job is not waiting here (not running in this process). */
  confirmHostKey(jobId: string): boolean;
  /** Cancels a running job (its remote command is killed, what it installed removed); false when it is not running here. */
  cancel(jobId: string): boolean;
}
