// What the container pages (/hosts/{id}/containers/{cid} and its terminal) read from their URL, once: the host (404
// when the id is not a host's, through the host pages' one loader, ../../host-route.ts) and the container's id or name
// as the user wrote it.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requireActor } from "@/lib/auth/current-actor";
import { can, type Actor } from "@/lib/auth/policy";
import { getHostOrThrow } from "@/lib/hosts/get-host-or-throw";
import { loadHostRoute } from "../../host-route";

export type ContainerRouteParams = Promise<{ id: string; cid: string }>;

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export async function containerTitle(params: ContainerRouteParams, prefix: string): Promise<Metadata> {
  const { cid } = await params;
  return { title: `${prefix}${decoded(cid).slice(0, 64)}` };
}

/** The signed-in actor (containers.read), the host and the container reference; notFound() for anything else. */
export async function loadContainerRoute(params: ContainerRouteParams): Promise<{
  actor: Actor;
  host: Awaited<ReturnType<typeof getHostOrThrow>>;
  container: string;
}> {
  const actor = await requireActor("containers.read");
  const { id, cid } = await params;
  const container = decoded(cid);
  if (container.length === 0 || container.length > 256) notFound();
  const { host } = await loadHostRoute(id, getHostOrThrow, (hostId) => can(actor, "containers.read", { hostId }));
  return { actor, host, container };
}
