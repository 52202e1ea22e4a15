// The control plane's protocol errors for whatever a command or a stream throws: the agent's classification
// (agent/errors.ts) mapped to the protocol's codes, in this one place for commands and streams alike.
import type { CommandErrorCode } from "../../lib/protocol/commands";
import { classify } from "../errors";

const PROTOCOL_CODES = new Set<string>(["bad_request", "not_found", "conflict", "unprocessable", "unavailable"]);

/** The reply's error for a thrown value; `internal` says it is a fault to log with its stack. */
export function toCommandError(e: unknown): { code: CommandErrorCode; message: string; internal: boolean } {
  const c = classify(e);
  const code = PROTOCOL_CODES.has(c.code) ? (c.code as CommandErrorCode) : c.status < 500 ? "bad_request" : "internal";
  return { code, message: c.message, internal: c.internal };
}
