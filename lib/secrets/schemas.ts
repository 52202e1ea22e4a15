// Revealing one value of a Secret (POST /api/v1/namespaces/{namespace}/secrets/{name}/reveal): the path, the body and
// the answer, shared by the route, the OpenAPI catalogue and the Secret's page.
import { z } from "zod";
import { kubeObjectParams } from "@/lib/workloads/params";

export const secretParams = kubeObjectParams;

export const revealSecretBody = z
  .object({ key: z.string().min(1).max(253).regex(/^[-._a-zA-Z0-9]+$/, "must be a config key: letters, digits, '-', '_' or '.'") })
  .strict();

export const revealedSecretValue = z.object({
  key: z.string(),
  /** The value as stored, base64 (always exact, binary or not). */
  base64: z.string(),
  /** The value as text when it is valid UTF-8, else null. */
  text: z.string().nullable(),
  bytes: z.number().int(),
});
export type RevealedSecretValue = z.infer<typeof revealedSecretValue>;
