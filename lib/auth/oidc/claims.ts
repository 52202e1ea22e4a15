// What a sign-in reads from the ID token's claims: who (sub), their email and name, and their groups under the
// configured claim name — a list of strings, or one string; a dotted name reaches into an object ("realm_access.roles").
export interface OidcClaims {
  subject: string;
  email: string | null;
  name: string | null;
  groups: string[];
}

export function readClaims(claims: Record<string, unknown>, groupsClaim: string): OidcClaims {
  const str = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);
  let groups: unknown = claims;
  for (const part of groupsClaim.split(".")) groups = groups && typeof groups === "object" ? (groups as Record<string, unknown>)[part] : undefined;
  const list = Array.isArray(groups) ? groups : typeof groups === "string" ? [groups] : [];
  return {
    subject: str(claims.sub) ?? "",
    email: str(claims.email),
    name: str(claims.name) ?? str(claims.preferred_username),
    groups: [...new Set(list.filter((g): g is string => typeof g === "string" && g.length > 0 && g.length <= 256))],
  };
}
