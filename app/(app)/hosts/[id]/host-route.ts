// What every page under /hosts/{id} reads from its URL, once: the host id (404 when it is not a host id, or a host
// outside the person's scopes: it does not exist for them) and the host, loaded by the page's own lookup (404 when no
// host has that id). The host page and the container pages use it.
import { notFound } from "next/navigation";
import { GantryError } from "@/lib/errors";
import { parseHostId } from "@/lib/hosts/host-id";

export type HostRouteParams = Promise<{ id: string }>;

/** The URL's host id and the host `load` finds for it; notFound() for an id that is not a host's or that `visible` hides. */
export async function loadHostRoute<H>(id: string, load: (hostId: number) => Promise<H>, visible: (hostId: number) => boolean): Promise<{ hostId: number; host: H }> {
  const hostId = parseHostId(id);
  if (hostId === null || !visible(hostId)) notFound();
  try {
    return { hostId, host: await load(hostId) };
  } catch (e) {
    if (e instanceof GantryError && e.code === "not_found") notFound();
    throw e;
  }
}
