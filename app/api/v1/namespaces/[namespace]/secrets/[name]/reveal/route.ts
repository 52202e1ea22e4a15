// POST /api/v1/namespaces/{namespace}/secrets/{name}/reveal {key} — one value of a Secret (k8s.secrets.read), recorded.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson, parseParam } from "@/lib/http/parse";
import { GantryError } from "@/lib/errors";
import { json } from "@/lib/http/respond";
import { revealSecretValue } from "@/lib/secrets/reveal-secret-value";
import { revealSecretBody, secretParams } from "@/lib/secrets/schemas";

export const dynamic = "force-dynamic";

export const POST = withAuth<{ namespace: string; name: string }>(
  async ({ req, params, activityId }) => {
    const namespace = parseParam(secretParams.namespace, params.namespace, "namespace");
    const name = parseParam(secretParams.name, params.name, "name");
    const { key } = await parseJson(req, revealSecretBody);
    // No value leaves without its activity row: withAuth wrote it before this ran, or could not (then nothing is shown).
    if (activityId === null) throw new GantryError("unavailable", "the activity record could not be written, so the value is not revealed; try again");
    return json(await revealSecretValue(namespace, name, key), 200, { "cache-control": "no-store" });
  },
  { permission: "k8s.secrets.read", scope: "namespace" },
);
