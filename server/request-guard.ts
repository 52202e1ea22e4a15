// What the control plane answers itself, before Next sees a request: a path that is not valid percent-encoding
// ("/hosts/1/containers/%zz") would make Next's router throw while decoding its segments and answer a bare 500.
import type { IncomingMessage, ServerResponse } from "node:http";

/** Answers 400 and returns true when the request's path cannot be percent-decoded. */
export function refuseMalformedPath(req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? "/").split("?")[0]!;
  try {
    decodeURIComponent(path);
    return false;
  } catch {
    res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "bad_request", message: "the URL path is not valid percent-encoding (a % must be followed by two hex digits of UTF-8)" } }));
    return true;
  }
}
