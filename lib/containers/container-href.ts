// Links to a container's pages, built from what an agent reported (its id or name): the reference is always exactly one
// path segment under /hosts/{host}/containers/, whatever it holds — a "/" or "?" is encoded, and "." or "..", which a
// browser would resolve as a step up even when percent-encoded, get no link at all. Shared by the pages and the server.

/** `/hosts/{hostId}/containers/{ref}` (and its terminal), or null when `ref` cannot be one path segment. */
export function containerHref(hostId: number, ref: string, page?: "terminal"): string | null {
  if (!Number.isSafeInteger(hostId) || hostId < 1) return null;
  if (ref === "" || ref === "." || ref === "..") return null;
  return `/hosts/${hostId}/containers/${encodeURIComponent(ref)}${page ? `/${page}` : ""}`;
}
