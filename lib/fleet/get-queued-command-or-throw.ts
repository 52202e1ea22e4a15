// One queued command and its outcome, or a 404.
import { db } from "@/lib/db";
import { notFound } from "@/lib/errors";

export interface QueuedCommandView {
  id: string;
  hostId: number;
  command: unknown;
  status: "queued" | "running" | "done" | "failed";
  result: unknown;
  error: { code: string; message: string } | null;
  createdAt: string;
  finishedAt: string | null;
}

export async function getQueuedCommandOrThrow(id: string): Promise<QueuedCommandView> {
  const row = await db.queuedCommand.findUnique({ where: { id } });
  if (!row) throw notFound(`queued command ${id}`);
  return {
    id: row.id,
    hostId: row.hostId,
    command: row.command,
    status: row.status,
    result: row.result ?? null,
    error: (row.error as QueuedCommandView["error"]) ?? null,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}
