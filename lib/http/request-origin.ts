// The origin a request was made to, as its sender sees this control plane: the page's Origin (a browser's fetch), else
// the scheme and Host header it was addressed to (the CLI, scripts).
export function requestOrigin(req: Request): string {
  const origin = req.headers.get("origin");
  if (origin && origin !== "null") return origin;
  const url = new URL(req.url);
  const host = req.headers.get("host");
  return host ? `${url.protocol}//${host}` : url.origin;
}
