// Where a request came from, as the control-plane process stamped it from the socket (lib/http/client-address.ts:
// X-Forwarded-For counts only when a trusted proxy sent it). Null when nothing was stamped.
import { CLIENT_ADDRESS_HEADER } from "@/lib/http/client-address";

export function clientAddress(headers: { get(name: string): string | null }): string | null {
  return headers.get(CLIENT_ADDRESS_HEADER) || null;
}
