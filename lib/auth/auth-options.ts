// next-auth v4 configuration, built for each request to /api/auth/* (app/api/auth/[...nextauth]/route.ts): a
// credentials provider (email + password, checked by lib/users/verify-credentials.ts) and, when single sign-on is
// configured (lib/auth/oidc/oidc-config.ts), an OpenID Connect provider — authorization code flow with PKCE, state and
// nonce, its endpoints from the issuer's checked discovery document (lib/auth/oidc/discover.ts), the ID token verified
// by openid-client against the issuer's keys. JWT sessions whose `sub` is the user id and whose `sid` names the
// session's own row (lib/sessions), made at sign-in with the request's address and user agent; the user and the
// session are re-read from the database on every request (lib/auth/actor.ts).
// Sign-out ends the account's sessions server-side too (User.sessionEpoch), so a copied cookie does not outlive it.
// Cookies are next-auth's defaults: httpOnly, SameSite=Lax, Secure (and __Secure- prefixed) when NEXTAUTH_URL is https.
import type { NextAuthOptions } from "next-auth";
import type { OAuthConfig } from "next-auth/providers/oauth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { GantryError } from "@/lib/errors";
import { verifyCredentials, INVALID_CREDENTIALS } from "@/lib/users/verify-credentials";
import { endSessions } from "@/lib/users/end-sessions";
import { CLIENT_ADDRESS_HEADER } from "@/lib/http/client-address";
import { createSession } from "@/lib/sessions/create-session";
import { SESSION_MAX_AGE_S } from "@/lib/sessions/max-age";
import { OIDC_PROVIDER_ID, type OidcSettings } from "@/lib/auth/oidc/oidc-config";
import type { DiscoveryDocument } from "@/lib/auth/oidc/discover";
import { readClaims } from "@/lib/auth/oidc/claims";
import { signInOidcUser } from "@/lib/auth/oidc/sign-in-oidc-user";
import { OidcRefusal } from "@/lib/auth/oidc/sign-in-errors";
import { recordOidcSignIn } from "@/lib/auth/oidc/record-oidc-sign-in";

export { SESSION_MAX_AGE_S };

const credentialsSchema = z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(1024) });

/** Who is signing in, from the request to /api/auth/*: for the session row and the activity record. */
export interface SignInRequest {
  address: string | null;
  userAgent: string | null;
}

/** The single sign-on provider for this request: its settings and its issuer's discovery document. */
export interface OidcProvider {
  settings: OidcSettings & { clientSecret: string };
  discovery: DiscoveryDocument;
}

type SignedInUser = { id: string; email: string; name: string; epoch: number };

function oidcProvider({ settings, discovery }: OidcProvider): OAuthConfig<Record<string, unknown>> {
  return {
    id: OIDC_PROVIDER_ID,
    name: settings.name,
    type: "oauth",
    issuer: discovery.issuer,
    authorization: { url: discovery.authorization_endpoint, params: { scope: settings.scopes } },
    token: { url: discovery.token_endpoint },
    userinfo: discovery.userinfo_endpoint ? { url: discovery.userinfo_endpoint } : undefined,
    jwks_endpoint: discovery.jwks_uri,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    client: { token_endpoint_auth_method: "client_secret_basic" },
    idToken: true,
    checks: ["pkce", "state", "nonce"],
    // The local account is found (or made) in the signIn callback; until then the profile is the provider's.
    profile: (claims) => ({ id: String(claims.sub), email: typeof claims.email === "string" ? claims.email : null, name: typeof claims.name === "string" ? claims.name : null }),
  };
}

export function authOptions(request: SignInRequest, oidc: OidcProvider | null = null): NextAuthOptions {
  return {
    secret: process.env.NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S, updateAge: 3600 },
    pages: { signIn: "/signin", error: "/signin" },
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        // Errors thrown here reach the browser as `?error=<message>`: only GantryError messages (written for users) pass.
        // The source address (stamped by the server from the socket, lib/http/client-address.ts) keys the back-off.
        async authorize(raw, req) {
          const parsed = credentialsSchema.safeParse(raw);
          if (!parsed.success) throw new Error(INVALID_CREDENTIALS);
          const from = req?.headers?.[CLIENT_ADDRESS_HEADER];
          try {
            const user = await verifyCredentials(parsed.data.email, parsed.data.password, typeof from === "string" ? from : null);
            return { id: user.id, email: user.email, name: user.name, epoch: user.sessionEpoch };
          } catch (e) {
            if (e instanceof GantryError) throw new Error(e.message);
            console.error("[gantry] sign-in failed:", e instanceof Error ? (e.stack ?? e.message) : e);
            throw new Error("sign-in is unavailable right now: try again shortly");
          }
        },
      }),
      ...(oidc ? [oidcProvider(oidc)] : []),
    ],
    callbacks: {
      // Single sign-on: the provider's verified ID token names a person; the local account they are is found or made
      // here (lib/auth/oidc/sign-in-oidc-user.ts), and `user` becomes it for the jwt callback. A refusal goes back to
      // the sign-in page with its reason.
      async signIn({ user, account, profile }) {
        if (account?.provider !== OIDC_PROVIDER_ID) return true;
        const settings = oidc!.settings;
        const claims = readClaims((profile ?? {}) as Record<string, unknown>, settings.groupsClaim);
        try {
          const local = await signInOidcUser(settings, claims);
          Object.assign(user, { id: local.id, email: local.email, name: local.name, epoch: local.sessionEpoch } satisfies SignedInUser);
          await recordOidcSignIn({ ...request, user: local, issuer: settings.issuer, outcome: "ok", groups: claims.groups });
          return true;
        } catch (e) {
          const code = e instanceof OidcRefusal ? e.code : "Callback";
          if (!(e instanceof OidcRefusal)) console.error("[gantry] single sign-on failed:", e instanceof Error ? (e.stack ?? e.message) : e);
          await recordOidcSignIn({ ...request, user: null, email: claims.email, issuer: settings.issuer, outcome: code, groups: claims.groups });
          return `/signin?error=${code}`;
        }
      },
      // The token carries only the user id (`sub`), the session epoch it was issued in and its session row (`sid`);
      // name, role and status are read fresh from the database, and a bumped epoch (sign-out, new password, disabled)
      // or a revoked row ends it (lib/auth/actor.ts).
      async jwt({ token, user, account }) {
        if (user) {
          const u = user as unknown as SignedInUser;
          const sid = await createSession({
            userId: u.id,
            method: account?.provider === OIDC_PROVIDER_ID ? "oidc" : "local",
            epoch: u.epoch,
            address: request.address,
            userAgent: request.userAgent,
          });
          return { sub: u.id, epoch: u.epoch, sid, iat: token.iat, exp: token.exp, jti: token.jti };
        }
        return { sub: token.sub, epoch: token.epoch, sid: token.sid, iat: token.iat, exp: token.exp, jti: token.jti };
      },
      async session({ session, token }) {
        return { ...session, user: { id: token.sub } } as typeof session;
      },
    },
    events: {
      // Signing out ends this account's sessions everywhere, not only this browser's cookie: a copied token dies too.
      async signOut({ token }) {
        if (typeof token?.sub === "string") await endSessions(token.sub);
      },
    },
  };
}
