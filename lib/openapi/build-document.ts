// Builds the OpenAPI 3.1 document for /api/v1 from the route catalogue (lib/openapi/routes.ts), converting each zod
// schema with zod's own z.toJSONSchema (request shapes as input: before defaults and coercion).
import { z } from "zod";
import { API_ROUTES, type ApiRoute } from "./routes";

type Json = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Json;
  return rest;
}

function parameters(route: ApiRoute): Json[] {
  const out: Json[] = [];
  for (const [name, schema] of Object.entries(route.params ?? {})) {
    out.push({ name, in: "path", required: true, schema: schemaOf(schema, "input") });
  }
  if (route.query) {
    const q = schemaOf(route.query, "input") as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      const { description, ...rest } = schema;
      out.push({ name, in: "query", required: q.required?.includes(name) ?? false, schema: rest, ...(description ? { description } : {}) });
    }
  }
  return out;
}

const errorSchema = {
  type: "object",
  properties: { error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" }, details: {} }, required: ["code", "message"] } },
  required: ["error"],
};

function operation(route: ApiRoute): Json {
  const status = String(route.status ?? 200);
  const success: Json = route.stream
    ? { description: "a stream", content: { [route.stream]: { schema: route.response ? schemaOf(route.response, "output") : {} } } }
    : { description: "success", content: { "application/json": { schema: route.response ? schemaOf(route.response, "output") : {} } } };
  const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });
  const responses: Json = { [status]: success, "400": errorResponse("malformed request"), "422": errorResponse("invalid input, naming the field") };
  if (route.permission !== "public") {
    responses["401"] = errorResponse("no session and no valid API token");
    responses["403"] = errorResponse(`the caller's role lacks ${route.permission}`);
  }
  if (route.path.includes("{")) responses["404"] = errorResponse("not found");
  return {
    operationId: `${route.method}${route.path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
    summary: route.summary,
    tags: [route.tag],
    "x-gantry-permission": route.permission,
    ...(route.permission === "public" ? { security: [] } : {}),
    parameters: parameters(route),
    ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(route.body, "input") } } } } : {}),
    responses,
  };
}

export function buildOpenApiDocument(serverUrl?: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of API_ROUTES) (paths[route.path] ??= {})[route.method] = operation(route);
  return {
    openapi: "3.1.0",
    info: { title: "Gantry API", version: "1", description: "Containers on every host of a Gantry fleet. Authenticate with `Authorization: Bearer gat_…` (an API token) or a browser session." },
    servers: [{ url: serverUrl ? `${serverUrl.replace(/\/$/, "")}/api/v1` : "/api/v1" }],
    security: [{ apiToken: [] }, { session: [] }],
    components: {
      securitySchemes: {
        apiToken: { type: "http", scheme: "bearer", description: "an API token from POST /api/v1/tokens (gat_…)" },
        session: { type: "apiKey", in: "cookie", name: "next-auth.session-token" },
      },
      schemas: { Error: errorSchema },
    },
    paths,
  };
}
