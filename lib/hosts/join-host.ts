// An agent trades a join token for a per-host credential, and the host is named as the token says (else by its
// hostname). The token is single-use and expiring; a forged, expired, revoked or already used token is refused with
// the reason (401 / 410 / 410 / 409). Only the credential's sha256 is stored. An agent
// that brings its own credential may ask again with the same token and credential and gets the same host back (its
// first answer was lost); anyone else with the used token is still refused.
// A join is one statement (the token claimed, the host created and the token pointed at it, or nothing), and joins go
// through a bounded gate: when a whole fleet joins at once, those past the queue are told to come back later (429 with
// Retry-After, which agents honour) instead of piling onto the database until something times out.
import { db } from "@/lib/db";
import { GantryError, conflict, unauthorized } from "@/lib/errors";
import { Gate } from "@/lib/admission/gate";
import { admissionLimits } from "@/lib/admission/limits";
import { PROTOCOL_VERSION, type HostFacts, type JoinResponse } from "@/lib/protocol";
import { hashSecret, newSecret } from "./secret";
import { HOST_VIEW_SELECT, toHostView } from "./host-view";
import { publishHostEvent } from "./publish-host-event";

/** Joins run a few at a time (each is one short statement); GANTRY_JOIN_QUEUE more may wait their turn, none long. */
let joins: Gate | undefined;
const gate = () => (joins ??= new Gate("joins", { concurrent: 4, queued: admissionLimits().joinQueue, maxWaitMs: 5_000, minRetryMs: 1_000, maxRetryMs: 30_000 }));

export async function joinHost(input: { token: string; facts: HostFacts; credential?: string }): Promise<JoinResponse> {
  const tokenHash = hashSecret(input.token);
  const credential = input.credential ?? newSecret("gch_");
  const at = new Date().toISOString(); // timestamps are UTC wall times in timestamp(3) columns, as Prisma writes them

  const joined = await gate().run(async () => {
    // Claiming the token locks its row, so two agents racing with one token cannot both win: the second finds it used.
    const rows = await db.$queryRaw<Parameters<typeof toHostView>[0][]>`
      WITH t AS (
        SELECT id, "hostName" FROM "JoinToken"
        WHERE "tokenHash" = ${tokenHash} AND "usedAt" IS NULL AND "revokedAt" IS NULL AND "expiresAt" > (${at}::timestamptz AT TIME ZONE 'UTC') FOR UPDATE
      ), h AS (
        -- The name asked for at "Add host", else the machine's hostname.
        INSERT INTO "Host" ("name", "credentialHash", "facts", "agentVersion", "engineVersion", "status", "statusChangedAt")
        SELECT COALESCE(t."hostName", ${input.facts.hostname}), ${hashSecret(credential)}, ${JSON.stringify(input.facts)}::jsonb, ${input.facts.agentVersion}, ${input.facts.engineVersion},
               'offline', (${at}::timestamptz AT TIME ZONE 'UTC')
        FROM t RETURNING *
      ), u AS (
        UPDATE "JoinToken" SET "usedAt" = (${at}::timestamptz AT TIME ZONE 'UTC'), "hostId" = h.id FROM h, t WHERE "JoinToken".id = t.id
      )
      SELECT id, name, status::text AS status, "statusChangedAt", "lastSeenAt", "connectedAt", facts, "agentVersion", "engineVersion", "revokedAt", "createdAt",
             "syncStartedAt", "syncPages", "syncedAt", "syncError" FROM h`;
    if (rows[0]) return { host: toHostView(rows[0]), again: false };
    const token = await db.joinToken.findUnique({
      where: { tokenHash },
      select: { usedAt: true, expiresAt: true, revokedAt: true, hostId: true, host: { select: { credentialHash: true, revokedAt: true } } },
    });
    if (!token) throw unauthorized("join token is not valid: it was not issued by this control plane");
    // The same agent asking again (same token, the credential it chose): the join it already made.
    if (input.credential && token.hostId && token.host && !token.host.revokedAt && token.host.credentialHash === hashSecret(input.credential)) {
      return { host: toHostView(await db.host.findUniqueOrThrow({ where: { id: token.hostId }, select: HOST_VIEW_SELECT })), again: true };
    }
    if (token.usedAt) {
      throw conflict(`join token was already used${token.hostId ? ` (by host ${token.hostId})` : ""}: ask for a new one with "Add host"`);
    }
    if (token.revokedAt) throw new GantryError("gone", `join token was revoked at ${token.revokedAt.toISOString()}: ask for a new one with "Add host"`);
    throw new GantryError("gone", `join token expired at ${token.expiresAt.toISOString()}: ask for a new one with "Add host"`);
  });

  const { host } = joined;
  if (!joined.again) publishHostEvent("joined", host);
  return { hostId: host.id, name: host.name, credential, protocolVersion: PROTOCOL_VERSION };
}
