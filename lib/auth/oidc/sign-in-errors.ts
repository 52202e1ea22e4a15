// Why a single sign-on was refused, as the sign-in page says it: /signin?error=<code>. Codes of our own (OIDC…) and
// next-auth's own for the OAuth steps it runs (OAuthSignin, OAuthCallback, …). Shared by the callbacks that refuse
// and the page that explains, so a code never reaches a person as a bare word.
export const OIDC_ERRORS = {
  OIDCDiscovery: "Single sign-on is unavailable: {reason}.",
  OIDCState:
    "The answer from {provider} did not belong to a sign-in started in this browser (its state did not match, or the sign-in was started too long ago). Nothing was signed in: start again with the button below.",
  OIDCSecret: "Single sign-on is unavailable: the stored client secret cannot be read (the control plane's session key changed). An admin must enter it again under Settings → Single sign-on.",
  OIDCNoEmail: "{provider} did not say what your email address is, so no account could be made for you: ask your administrator to release the email claim (scope email).",
  OIDCEmailTaken: "An account with your email address exists here already as a local account: sign in with its password, or ask an administrator.",
  OIDCDisabled: "Your account here is disabled: ask an administrator.",
  OAuthSignin: "Single sign-on could not start: {provider} could not be reached. Try again shortly.",
  OAuthCallback:
    "Single sign-on failed: the answer from {provider} could not be verified (its ID token was not issued by the configured issuer for this client, or the sign-in link was used already). Start again.",
  Callback: "Single sign-on failed while your account was being prepared. Try again.",
  AccessDenied: "Single sign-on was refused.",
  OAuthAccountNotLinked: "Single sign-on was refused.",
} as const;

export type OidcErrorCode = keyof typeof OIDC_ERRORS;

export function isOidcErrorCode(code: string): code is OidcErrorCode {
  return Object.hasOwn(OIDC_ERRORS, code);
}

/** The sentence for a code, with the provider's name and (for discovery) the reason filled in. */
export function describeOidcError(code: OidcErrorCode, provider: string, reason = "the identity provider could not be read"): string {
  return OIDC_ERRORS[code].replaceAll("{provider}", provider).replaceAll("{reason}", reason);
}

/** A refusal of our own during a sign-in, carried to the page as its code. */
export class OidcRefusal extends Error {
  constructor(readonly code: OidcErrorCode) {
    super(code);
  }
}
