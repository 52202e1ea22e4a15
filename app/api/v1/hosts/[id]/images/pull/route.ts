// POST /api/v1/hosts/{id}/images/pull — {ref}: pulls on the host; NDJSON progress lines {event}, then {end: true, error?}.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { pullBody } from "@/lib/fleet-api/schemas";
import { ndjsonResponse } from "@/lib/fleet-api/ndjson-stream";
import { noteActivity } from "@/lib/activity/activity-note";
import { commandSummary } from "@/lib/fleet-api/command-summary";
import { hostIdFrom } from "../../../host-id";

export const dynamic = "force-dynamic";

function parseEvent(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return { message: data };
  }
}

export const POST = withAuth(
  async ({ req, actor, params }) => {
    const hostId = hostIdFrom(params);
    const { ref } = await parseJson(req, pullBody);
    const summary = await commandSummary(hostId, { kind: "image.pull", ref });
    if (summary) noteActivity(summary);
    return ndjsonResponse({
      hostId,
      spec: { kind: "image.pull", ref },
      actorId: actor.id,
      lines: (c) => (c.data ? c.data.split("\n").filter(Boolean).map((d) => ({ event: parseEvent(d) })) : []),
      end: (r) => [{ end: true, ...(r.error ? { error: r.error } : {}) }],
      signal: req.signal,
    });
  },
  { permission: "images.manage", scope: "host" },
);
