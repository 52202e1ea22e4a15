// Gives a host a display name of the user's choosing (agents keep reporting their hostname in facts).
import { z } from "zod";
import { db } from "@/lib/db";
import { notFound } from "@/lib/errors";
import { parseWith } from "@/lib/http/parse";
import { HOST_VIEW_SELECT, toHostView, type HostView } from "./host-view";
import { publishHostEvent } from "./publish-host-event";
import { noteActivity } from "@/lib/activity/activity-note";

export const HostName = z
  .string()
  .trim()
  .min(1, "a host name cannot be empty")
  .max(64, "a host name has at most 64 characters")
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u, "a host name uses letters, digits, spaces, dots, dashes and underscores");

export async function renameHost(id: number, name: string): Promise<HostView> {
  const newName = parseWith(HostName, name, "host name");
  const before = await db.host.findUnique({ where: { id }, select: { name: true } });
  noteActivity({ verb: "rename", object: `host ${before?.name ?? id}`, extra: `to ${newName}` });
  const rows = await db.host.updateManyAndReturn({ where: { id }, data: { name: newName }, select: HOST_VIEW_SELECT });
  if (!rows[0]) throw notFound(`host ${id}`);
  const view = toHostView(rows[0]);
  publishHostEvent("updated", view);
  return view;
}
