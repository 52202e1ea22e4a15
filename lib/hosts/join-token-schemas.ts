// The shapes of /api/v1/join-tokens: what minting accepts, what listing and revoking return (also in openapi.json).
import { z } from "zod";
import { HostName } from "./rename-host";

export const MAX_JOIN_TOKEN_MINUTES = 7 * 24 * 60;

export const createJoinTokenBody = z
  .object({
    ttlMinutes: z.number().int().min(1).max(MAX_JOIN_TOKEN_MINUTES).optional().describe("minutes until it expires (default 60)"),
    hostName: HostName.optional().describe("the name the host gets when it joins; its hostname when absent"),
  })
  .strict();
export type CreateJoinTokenBody = z.infer<typeof createJoinTokenBody>;

export const JOIN_TOKEN_STATES = ["outstanding", "used", "expired", "revoked"] as const;
export type JoinTokenState = (typeof JOIN_TOKEN_STATES)[number];

export const listJoinTokensQuery = z
  .object({ status: z.enum(["outstanding", "all"]).default("outstanding").describe("outstanding (default): not used, expired or revoked") })
  .strict();
export type ListJoinTokensQuery = z.infer<typeof listJoinTokensQuery>;

export const joinTokenIdParam = z.string().min(1).max(64).regex(/^[a-z0-9]+$/i, "not a join token id").describe("join token id");

export const joinTokenView = z.object({
  id: z.string(),
  hostName: z.string().nullable(),
  state: z.enum(JOIN_TOKEN_STATES),
  createdAt: z.string(),
  expiresAt: z.string(),
  usedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  /** The host that joined with it. */
  hostId: z.number().int().nullable(),
  createdBy: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
});
export type JoinTokenView = z.infer<typeof joinTokenView>;

export const createdJoinTokenView = z.object({
  id: z.string(),
  token: z.string().describe("shown once: the join command carries it"),
  hostName: z.string().nullable(),
  expiresAt: z.string(),
  serverUrl: z.string(),
  fingerprint: z.string().nullable().describe("SHA-256 of the control plane's self-signed certificate, which agents pin; null when a CA vouches for it or TLS is off"),
  command: z.string().describe("the line to run as root on the new machine"),
  serviceCommand: z.string().describe("for an agent already installed as a service: `gantry join` stores the credential"),
});
export type CreatedJoinTokenView = z.infer<typeof createdJoinTokenView>;
