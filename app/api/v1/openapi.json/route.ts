// GET /api/v1/openapi.json — the OpenAPI 3.1 description of /api/v1, built from the routes' own zod schemas.
import { withoutAuth } from "@/lib/http/with-auth";
import { buildOpenApiDocument } from "@/lib/openapi/build-document";
import { serverContext } from "@/lib/server-context";

export const dynamic = "force-dynamic";

export const GET = withoutAuth(async () => buildOpenApiDocument(serverContext.maybe()?.publicUrl));
