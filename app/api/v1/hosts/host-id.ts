// The {id} segment of /api/v1/hosts/{id}: a host id (lib/hosts/host-id.ts), or a 400 naming the problem.
import { parseParam } from "@/lib/http/parse";
import { hostIdText } from "@/lib/hosts/host-id";

export function hostIdFrom(params: Record<string, string>): number {
  return parseParam(hostIdText, params.id, "host id");
}
