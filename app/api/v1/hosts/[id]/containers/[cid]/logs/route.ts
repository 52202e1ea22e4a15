// GET /api/v1/hosts/{id}/containers/{cid}/logs — NDJSON lines {stream, time, line}, then {end: true, error?};
// ?follow=true keeps it open. Flow control: the host sends more only as this response drains.
import { withAuth } from "@/lib/http/with-auth";
import { parseQuery, parseParam } from "@/lib/http/parse";
import { containerRefParam, logsQuery } from "@/lib/fleet-api/schemas";
import { ndjsonResponse } from "@/lib/fleet-api/ndjson-stream";
import { logLineSplitter } from "@/lib/fleet-api/log-lines";
import { hostIdFrom } from "../../../../host-id";

export const dynamic = "force-dynamic";

export const GET = withAuth(
  async ({ req, actor, params }) => {
    const hostId = hostIdFrom(params);
    const id = parseParam(containerRefParam, params.cid, "container id");
    const q = parseQuery(req, logsQuery);
    const split = logLineSplitter();
    return ndjsonResponse({
      hostId,
      spec: { kind: "logs", id, ...q, tail: q.tail },
      actorId: actor.id,
      lines: (c) => split.lines(c),
      end: (r) => [...split.flush(), { end: true, ...(r.error ? { error: r.error } : {}) }],
      signal: req.signal,
    });
  },
  { permission: "containers.logs", scope: "host" },
);
