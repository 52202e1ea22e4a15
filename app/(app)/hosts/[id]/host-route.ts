// What every page under /hosts/{id} reads from its URL, once: the host id (404 when it is not a host id) and the host,
// loaded by the page's own lookup (404 when no host has that id). The host page and the container pages use it.
import { notFound } from "next/navigation";
import { GantryError } from "@/lib/errors";
import { parseHostId } from "@/lib/hosts/host-id";

export type HostRouteParams = Promise<{ id: string }>;

/** The host `load` finds for the URL's id; notFound() for an id that is not a host's. */
export async function loadHostRoute<H>(id: string, load: (hostId: number) => Promise<H>): Promise<H> {
  const hostId = parseHostId(id);
  if (hostId === null) notFound();
  try {
    return await load(hostId);
  } catch (e) {
    if (e instanceof GantryError && e.code === "not_found") notFound();
    throw e;
  }
}
