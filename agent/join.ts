// Trades a join token for a host credential (POST /api/v1/agents/join). A refusal carries the server's reason;
// network trouble and 5xx are retried a few times with back-off, since the control plane may still be starting. A
// control plane busy with a fleet joining at once answers 429 with when to come back: the agent waits that long (and a
// random part more, so those told the same time do not return together) for as long as `busyForMs`.
import { randomBytes } from "node:crypto";
import { JOIN_PATH, JoinResponse, type HostFacts } from "../lib/protocol";
import { afterHint, backoffDelay, DEFAULT_BACKOFF } from "./backoff";
import type { Clock, Random } from "./clock";

export class JoinRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "JoinRefused";
  }
}

export async function joinWithToken(
  serverUrl: string,
  token: string,
  facts: HostFacts,
  deps: { clock: Clock; random: Random; log: (m: string) => void; attempts?: number; busyForMs?: number },
): Promise<JoinResponse> {
  const attempts = deps.attempts ?? 6;
  const busyUntil = deps.clock.now() + (deps.busyForMs ?? 15 * 60_000);
  // Ours from the start, so a retry after a lost answer gets the same host back (lib/protocol's JoinRequest).
  const credential = "gch_" + randomBytes(32).toString("base64url");
  const sleep = (ms: number) => new Promise((r) => deps.clock.setTimeout(() => r(undefined), ms));
  for (let attempt = 0; ; attempt++) {
    let problem: string;
    try {
      const res = await fetch(serverUrl + JOIN_PATH, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token, facts, credential }),
        signal: AbortSignal.timeout(15_000),
      });
      // An answer cut while it was read (the timeout, a dropped connection) is tried again: with our credential, a join
      // that was made meanwhile is given back as it was.
      const text = await res.text();
      let body: { error?: { message?: string; retryAfterMs?: unknown } } | null = null;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON: judged by its status below */
      }
      if (res.status === 429 && deps.clock.now() < busyUntil) {
        const hinted = typeof body?.error?.retryAfterMs === "number" ? body.error.retryAfterMs : Number(res.headers.get("retry-after")) * 1000;
        const wait = afterHint(Number.isFinite(hinted) && hinted > 0 ? hinted : 1_000, deps.random);
        deps.log(`${serverUrl} is busy (${body?.error?.message ?? "429"}); retrying in ${(wait / 1000).toFixed(1)} s`);
        attempt--; // not a failure: the control plane said when
        await sleep(wait);
        continue;
      }
      if (res.ok) {
        const parsed = JoinResponse.safeParse(body);
        if (!parsed.success) throw new JoinRefused(res.status, "the control plane answered the join with something that is not a join response");
        return parsed.data;
      }
      const reason = body?.error?.message ?? `HTTP ${res.status}`;
      if (res.status < 500) throw new JoinRefused(res.status, `join refused by ${serverUrl}: ${reason}`);
      problem = `${serverUrl} answered ${res.status}: ${reason}`;
    } catch (e) {
      if (e instanceof JoinRefused) throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      problem = `cannot reach ${serverUrl}: ${cause?.code ?? cause?.message ?? (e as Error).message}`;
    }
    if (attempt + 1 >= attempts) throw new Error(`join failed: ${problem}`);
    const wait = backoffDelay(attempt, DEFAULT_BACKOFF, deps.random);
    deps.log(`${problem}; retrying in ${(wait / 1000).toFixed(1)} s`);
    await sleep(wait);
  }
}
