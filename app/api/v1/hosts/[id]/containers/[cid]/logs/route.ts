// GET /api/v1/hosts/{id}/containers/{cid}/logs — NDJSON whole lines {stream, time, line, partial}, then {end: true, error?};
// ?follow=true keeps it open. Flow control: the host sends more only as this response drains.
import { withAuth } from "@/lib/http/with-auth";
import { parseQuery, parseParam } from "@/lib/http/parse";
import { containerRefParam, logsQuery } from "@/lib/fleet-api/schemas";
import { ndjsonResponse } from "@/lib/fleet-api/ndjson-stream";
import { LineJoiner } from "@/lib/protocol/logs";
import { hostIdFrom } from "../../../../host-id";

export const dynamic = "force-dynamic";

export const GET = withAuth(
  async ({ req, actor, params }) => {
    const hostId = hostIdFrom(params);
    const id = parseParam(containerRefParam, params.cid, "container id");
    const q = parseQuery(req, logsQuery);
    const lines = new LineJoiner();
    return ndjsonResponse({
      hostId,
      spec: { kind: "logs", id, ...q, tail: q.tail },
      actorId: actor.id,
      lines: (c) => lines.chunk(c),
      end: (r) => [...lines.flush(), { end: true, ...(r.error ? { error: r.error } : {}) }],
      signal: req.signal,
    });
  },
  { permission: "containers.logs", scope: "host" },
);
