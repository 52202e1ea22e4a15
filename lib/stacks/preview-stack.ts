// POST /api/v1/stacks/preview: the compose file's translation and, for every object, what deploying it would do (a
// server-side dry run as the caller: created, updated, unchanged, deleted, or refused naming the field). Writes nothing.
import type { Actor } from "@/lib/auth/policy";
import { noteActivity } from "@/lib/activity/activity-note";
import { planStack, previewOf } from "./plan-stack";
import type { StackBody, StackPreview } from "./schemas";

export async function previewStack(actor: Actor, input: StackBody): Promise<StackPreview> {
  noteActivity({ verb: "preview", object: `stack "${input.name}"`, extra: `in namespace ${input.namespace} (a dry run)` });
  return previewOf(input, await planStack(actor, input));
}
