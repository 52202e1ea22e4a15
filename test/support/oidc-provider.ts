// A real OpenID Connect provider for tests: the `oidc-provider` package (the certified implementation many identity
// servers are built on) on 127.0.0.1, with its own login and consent pages (its development interactions: any password
// is accepted for a login the test defined), one confidential client for the control plane, and accounts whose claims
// — email, name and a groups claim — the test sets and changes between sign-ins. `conformIdTokenClaims: false` puts the
// granted claims in the ID token, as most providers do for groups.
import { createServer, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import Provider from "oidc-provider";
import { freePort } from "./control-plane";

export interface TestAccount {
  email: string;
  name: string;
  groups: string[];
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Accounts by login (the `sub` is the login); change a value between sign-ins to change what the next one says. */
  accounts: Map<string, TestAccount>;
  close(): Promise<void>;
}

export async function startOidcProvider(opts: { redirectUris: string[]; groupsClaim?: string }): Promise<TestOidcProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = `gantry-${randomBytes(4).toString("hex")}`;
  const clientSecret = randomBytes(24).toString("base64url");
  const accounts = new Map<string, TestAccount>();
  const groupsClaim = opts.groupsClaim ?? "groups";
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: opts.redirectUris, grant_types: ["authorization_code"], response_types: ["code"] }],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: [groupsClaim] },
    scopes: ["openid", "email", "profile", "groups"],
    conformIdTokenClaims: false,
    cookies: { keys: [randomBytes(16).toString("hex")] },
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, email: account.email, email_verified: true, name: account.name, [groupsClaim]: account.groups }) };
    },
  });
  // oidc-provider warns about its development interactions and default keys on every start: fine for a test.
  provider.on("server_error", (_ctx, err) => console.error("[oidc-provider]", err));
  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
