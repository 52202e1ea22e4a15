// One host by id, or a 404.
import { db } from "@/lib/db";
import { notFound } from "@/lib/errors";
import { HOST_VIEW_SELECT, toHostView, type HostView } from "./host-view";

export async function getHostOrThrow(id: number): Promise<HostView> {
  const host = await db.host.findUnique({ where: { id }, select: HOST_VIEW_SELECT });
  if (!host) throw notFound(`host ${id}`);
  return toHostView(host);
}
