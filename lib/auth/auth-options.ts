// next-auth v4 configuration: a credentials provider (email + password, checked by lib/users/verify-credentials.ts)
// and JWT sessions whose `sub` is the user id; the user is re-read from the database on every request (lib/auth/actor.ts).
// Sign-out ends the account's sessions server-side too (User.sessionEpoch), so a copied cookie does not outlive it.
// Cookies are next-auth's defaults: httpOnly, SameSite=Lax, Secure (and __Secure- prefixed) when NEXTAUTH_URL is https.
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { GantryError } from "@/lib/errors";
import { verifyCredentials, INVALID_CREDENTIALS } from "@/lib/users/verify-credentials";
import { endSessions } from "@/lib/users/end-sessions";
import { CLIENT_ADDRESS_HEADER } from "@/lib/http/client-address";

export const SESSION_MAX_AGE_S = 7 * 24 * 3600;

const credentialsSchema = z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(1024) });

export const authOptions: NextAuthOptions = {
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
  ],
  callbacks: {
    // The token carries only the user id (`sub`) and the session epoch it was issued in; name, role and status are
    // read fresh from the database, and a bumped epoch (sign-out, new password, disabled) ends it (lib/auth/actor.ts).
    async jwt({ token, user }) {
      const epoch = user ? (user as { epoch?: number }).epoch : token.epoch;
      return { sub: token.sub, epoch, iat: token.iat, exp: token.exp, jti: token.jti };
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
