// The {id} segment of /api/v1/hosts/{id}: a positive integer, or a 400 naming the problem.
import { z } from "zod";
import { parseWith } from "@/lib/http/parse";

const Params = z.object({ id: z.string().regex(/^[1-9][0-9]{0,9}$/, "a host id is a positive whole number").transform(Number) });

export function hostIdFrom(params: Record<string, string>): number {
  return parseWith(Params, params, "host id").id;
}
