// Where a request came from: the first X-Forwarded-For hop (Next sets it from the socket for the custom server), else
// X-Real-IP, else nothing.
export function clientAddress(headers: { get(name: string): string | null }): string | null {
  const xff = headers.get("x-forwarded-for");
  const first = xff?.split(",")[0]?.trim();
  if (first) return first.replace(/^::ffff:/, "");
  return headers.get("x-real-ip") ?? null;
}
