// The name a recreate sets the original container aside under while its replacement starts
// (lib/containers/recreate-container.ts): "<name>_gantry_old_<its short id>", as docker compose renames a container
// it replaces to "<short id>_<name>". A recreate that could not finish (the host went away half-way) leaves the
// original under this name, so the list shows both and the container's page can say what it was called. Pure: the
// page and the use case both read it.

const MARK = "_gantry_old_";
const MAX_NAME = 128;

/** The aside name for container `id` now called `name`; `attempt` > 1 adds "_N" (the first one was taken). */
export function asideName(name: string, id: string, attempt = 1): string {
  const tail = `${MARK}${id.slice(0, 12)}${attempt > 1 ? `_${attempt}` : ""}`;
  return `${name.slice(0, MAX_NAME - tail.length)}${tail}`;
}

/** The name the container had before a recreate set it aside, when `name` is its own aside name (else null). */
export function nameBeforeAside(name: string, id: string): string | null {
  const at = name.lastIndexOf(MARK);
  if (at <= 0) return null;
  const m = /^([0-9a-f]{12})(?:_\d+)?$/.exec(name.slice(at + MARK.length));
  if (!m || !id.startsWith(m[1]!)) return null;
  return name.slice(0, at);
}
