// The one error the SSH transport throws: a reason a program can act on (lib/hosts/ssh-target.ts) and a sentence a
// person can, naming the host and what happened — never a key, passphrase, password or token.
import { GantryError } from "../../lib/errors";
import type { SshFailureReason } from "../../lib/hosts/ssh-target";

export class SshError extends GantryError {
  constructor(
    readonly reason: SshFailureReason,
    message: string,
    /** For host-key-unknown/changed: the key the server showed (and the pinned one). */
    readonly hostKey?: { host: string; fingerprint: string; pinned?: string },
  ) {
    super(reason === "cancelled" ? "conflict" : "unprocessable", message, hostKey ? { reason, hostKey } : { reason });
    this.name = "SshError";
  }
}
