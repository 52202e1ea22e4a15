// The global search's query and answer (GET /api/v1/search), shared by the route, the OpenAPI catalogue and the header.
import { z } from "zod";

export const searchQuery = z.object({ q: z.string().trim().min(1, "type something to search for").max(200) }).strict();

export const searchResult = z.object({
  hosts: z.array(z.object({ id: z.number().int(), name: z.string(), status: z.string() })),
  containers: z.array(z.object({ hostId: z.number().int(), id: z.string(), name: z.string(), image: z.string(), state: z.string() })),
  images: z.array(z.object({ hostId: z.number().int(), id: z.string(), repoTags: z.array(z.string()) })),
});
export type SearchResult = z.infer<typeof searchResult>;
