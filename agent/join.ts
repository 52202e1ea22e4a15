// Trades a join token for a host credential (POST /api/v1/agents/join). A refusal carries the server's reason;
// network trouble and 5xx are retried a few times with back-off, since the control plane may still be starting. A
// control plane busy with a fleet joining at once answers 429 with when to come back: the agent waits that long (and a
// random part more, so those told the same time do not return together) for as long as `busyForMs`.
// Given the control plane's certificate fingerprint, the agent first fetches and pins that certificate (agent/tls-pin.ts)
// and sends the token only over a connection that presents it; a different certificate is a refusal, not retried.
import { randomBytes } from "node:crypto";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { JOIN_PATH, JoinResponse, type HostFacts } from "../lib/protocol";
import { afterHint, backoffDelay, DEFAULT_BACKOFF } from "./backoff";
import type { Clock, Random } from "./clock";
import { fetchPinnedCertificate, pinnedTlsOptions, PinMismatch, type CertificatePin } from "./tls-pin";

export class JoinRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "JoinRefused";
  }
}

/** How long a join waits for the connection, then for its answer (unless told otherwise). */
const ANSWER_WAIT_MS = 15_000;

/** The control plane did not take the connection, or did not answer, in time. */
class Timeout extends Error {
  code = "ETIMEDOUT";
  constructor(connected: boolean, ms: number) {
    super(connected ? `took the join and did not answer within ${ms / 1000} s` : `did not take the connection within ${ms / 1000} s`);
  }
}

/** A join's result: the host credential, and the pinned certificate when a fingerprint was given. */
export type Joined = JoinResponse & { pin: CertificatePin | null };

export async function joinWithToken(
  serverUrl: string,
  token: string,
  facts: HostFacts,
  deps: { clock: Clock; random: Random; log: (m: string) => void; attempts?: number; busyForMs?: number; fingerprint?: string | null; answerWaitMs?: number },
): Promise<Joined> {
  const attempts = deps.attempts ?? 6;
  const busyUntil = deps.clock.now() + (deps.busyForMs ?? 15 * 60_000);
  // Ours from the start, so a retry after a lost answer gets the same host back (lib/protocol's JoinRequest).
  const credential = "gch_" + randomBytes(32).toString("base64url");
  const sleep = (ms: number) => new Promise((r) => deps.clock.setTimeout(() => r(undefined), ms));
  let pin: CertificatePin | null = null;
  let late = 0;
  /** The control plane answered this join at least once (so it is there). */
  let heard = false;
  for (let attempt = 0; ; attempt++) {
    let problem: string;
    try {
      if (deps.fingerprint && !pin) pin = await fetchPinnedCertificate(serverUrl, deps.fingerprint);
      // An answer cut while it was read (the timeout, a dropped connection) is tried again: with our credential, a join
      // that was made meanwhile is given back as it was.
      const res = await postJson(serverUrl + JOIN_PATH, { token, facts, credential }, pin, deps.answerWaitMs ?? ANSWER_WAIT_MS);
      heard = true;
      const body = res.body as { error?: { message?: string; retryAfterMs?: unknown } } | null;
      if (res.status === 429 && deps.clock.now() < busyUntil) {
        const hinted = typeof body?.error?.retryAfterMs === "number" ? body.error.retryAfterMs : Number(res.headers["retry-after"]) * 1000;
        const wait = afterHint(Number.isFinite(hinted) && hinted > 0 ? hinted : 1_000, deps.random);
        deps.log(`${serverUrl} is busy (${body?.error?.message ?? "429"}); retrying in ${(wait / 1000).toFixed(1)} s`);
        attempt--; // not a failure: the control plane said when
        await sleep(wait);
        continue;
      }
      if (res.status >= 200 && res.status < 300) {
        const parsed = JoinResponse.safeParse(body);
        if (!parsed.success) throw new JoinRefused(res.status, "the control plane answered the join with something that is not a join response");
        return { ...parsed.data, pin };
      }
      const reason = body?.error?.message ?? `HTTP ${res.status}`;
      if (res.status < 500) throw new JoinRefused(res.status, `join refused by ${serverUrl}: ${reason}`);
      problem = `${serverUrl} answered ${res.status}: ${reason}`;
    } catch (e) {
      if (e instanceof JoinRefused) throw e;
      if (e instanceof PinMismatch) throw new JoinRefused(0, `not joining ${serverUrl}: ${e.message}`);
      const err = e as NodeJS.ErrnoException;
      const tlsProblem = !!err.code && (err.code.includes("CERT") || err.code.startsWith("ERR_TLS"));
      problem = `cannot reach ${serverUrl}: ${err.code ?? err.message}${tlsProblem ? ` (${err.message})` : ""}`;
      // It took the connection and has not answered, or did not take it in time (a control plane swamped by a fleet
      // joining at once drops connections past its accept queue: the connection times out, it is not refused), or it
      // answered this join before and now fails to: it is there, but busy. Not a failure — our credential makes asking
      // again safe — so it does not use up the attempts, which are for a control plane that refuses connections or
      // answers 5xx; back-off keeps the asking spread, and each try is logged (a wrong address that swallows
      // connections says so every time until busyForMs).
      if ((err instanceof Timeout || (heard && !tlsProblem)) && deps.clock.now() < busyUntil) {
        const wait = backoffDelay(Math.min(late++, 4), DEFAULT_BACKOFF, deps.random);
        deps.log(`${err instanceof Timeout ? `${serverUrl} ${err.message}` : `${problem} (it answered before: busy)`}; asking again in ${(wait / 1000).toFixed(1)} s`);
        attempt--;
        await sleep(wait);
        continue;
      }
    }
    if (attempt + 1 >= attempts) throw new Error(`join failed: ${problem}`);
    const wait = backoffDelay(attempt, DEFAULT_BACKOFF, deps.random);
    deps.log(`${problem}; retrying in ${(wait / 1000).toFixed(1)} s`);
    await sleep(wait);
  }
}

/** POST a JSON body; the answer's status, headers and JSON body (null when it is not JSON). Trusts only `pin` when given. */
function postJson(url: string, payload: unknown, pin: CertificatePin | null, waitMs: number): Promise<{ status: number; headers: IncomingHttpHeaders; body: unknown }> {
  const data = Buffer.from(JSON.stringify(payload));
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": data.length },
        timeout: waitMs,
        // A connection of its own per try: a kept-alive one the control plane closes while we wait is a reset for nothing.
        agent: false,
        ...(pin ? pinnedTlsOptions(pin) : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          let body: unknown = null;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    // Whether the control plane took the connection, for what the timeout says.
    let connected = false;
    req.on("socket", (s) => {
      if (!s.connecting) connected = true;
      else s.once(target.protocol === "https:" ? "secureConnect" : "connect", () => (connected = true));
    });
    req.on("timeout", () => req.destroy(new Timeout(connected, waitMs)));
    req.on("error", reject);
    req.end(data);
  });
}
