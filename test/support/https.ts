// A fetch for tests that trusts one more certificate (a control plane's, self-signed or not) with the usual checks: the
// chain must reach that certificate and the host name must be one it lists. Node 20's fetch takes no CA option
// (NODE_EXTRA_CA_CERTS is read only at start-up), so this speaks https through node:https and returns a real Response,
// streamed. Requests to any other origin go to `fallback` (the global fetch as it was when this one was made), so a test
// may install it as the global fetch for helpers that use that one.
import { request } from "node:https";
import { Readable } from "node:stream";

export function fetchTrusting(origin: string, certificate: string, fallback: typeof fetch = globalThis.fetch): typeof fetch {
  const trusted = new URL(origin).origin;
  const send = async (input: string | URL | Request, init: RequestInit = {}, hops = 0): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== trusted) return fallback(input, init);
    const method = (init.method ?? "GET").toUpperCase();
    const headers = new Headers(init.headers);
    let body: Buffer | undefined;
    if (init.body != null) {
      const encoded = new Response(init.body as BodyInit);
      body = Buffer.from(await encoded.arrayBuffer());
      const type = encoded.headers.get("content-type");
      if (type && !headers.has("content-type")) headers.set("content-type", type);
      headers.set("content-length", String(body.length));
    }
    const res = await new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
      const req = request(url, { method, headers: Object.fromEntries(headers), ca: [certificate], allowPartialTrustChain: true, signal: init.signal ?? undefined }, resolve);
      req.on("error", (e) => reject(Object.assign(new TypeError("fetch failed"), { cause: e })));
      req.end(body);
    });
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (init.redirect !== "manual" && [301, 302, 303, 307, 308].includes(status) && location && hops < 10) {
      res.resume();
      const next = new URL(location, url);
      const keep = status === 307 || status === 308;
      return send(next, { ...init, method: keep ? method : "GET", body: keep ? init.body : undefined }, hops + 1);
    }
    const out = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
    }
    const empty = method === "HEAD" || status === 204 || status === 304;
    if (empty) res.resume();
    return new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage, headers: out });
  };
  return ((input: string | URL | Request, init?: RequestInit) => send(input, init)) as typeof fetch;
}
