// The shapes role bindings and custom roles are made with, and what the API answers.
import { z } from "zod";
import { BINDABLE_ROLES, RIGHTS } from "@/lib/auth/policy";

/** A namespace of the Kubernetes API: an RFC 1123 label. */
export const namespaceSchema = z
  .string()
  .min(1)
  .max(63, "a namespace is at most 63 characters")
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a namespace is lower-case letters, digits and dashes (an RFC 1123 label)");

export const bindingIdSchema = z.string().min(1).max(100);

export const createRoleBindingSchema = z
  .strictObject({
    userId: z.string().min(1).max(100).optional().describe("the subject: a user (or teamId)"),
    teamId: z.string().min(1).max(100).optional().describe("the subject: a team (or userId)"),
    role: z.enum(BINDABLE_ROLES).optional().describe("a built-in role (or customRoleId)"),
    customRoleId: z.string().min(1).max(100).optional().describe("a custom role (or role)"),
    hostGroupId: z.string().min(1).max(100).optional().describe("the scope: a host group; with neither this nor namespace, the whole fleet"),
    namespace: namespaceSchema.optional().describe("the scope: a namespace of the Kubernetes API"),
  })
  .superRefine((b, ctx) => {
    if ((b.userId === undefined) === (b.teamId === undefined)) ctx.addIssue({ code: "custom", path: ["userId"], message: "name one subject: userId or teamId" });
    if ((b.role === undefined) === (b.customRoleId === undefined)) ctx.addIssue({ code: "custom", path: ["role"], message: "name one role: role or customRoleId" });
    if (b.hostGroupId !== undefined && b.namespace !== undefined) ctx.addIssue({ code: "custom", path: ["namespace"], message: "a binding's scope is a host group or a namespace, not both" });
  });
export type CreateRoleBindingInput = z.infer<typeof createRoleBindingSchema>;

export const listRoleBindingsQuery = z.strictObject({
  userId: z.string().min(1).max(100).optional(),
  teamId: z.string().min(1).max(100).optional(),
});

export const roleBindingView = z.object({
  id: z.string(),
  subject: z.object({ kind: z.enum(["user", "team"]), id: z.string(), name: z.string() }),
  role: z.object({ kind: z.enum(["builtin", "custom"]), id: z.string().nullable(), name: z.string(), rights: z.array(z.string()) }),
  scope: z.object({ kind: z.enum(["fleet", "hostGroup", "namespace"]), id: z.string().nullable(), name: z.string().nullable() }),
  createdById: z.string().nullable(),
  createdAt: z.string(),
});
export type RoleBindingView = z.infer<typeof roleBindingView>;

export const roleIdSchema = z.string().min(1).max(100);
const roleName = z
  .string()
  .trim()
  .min(1, "name is required")
  .max(63, "name is at most 63 characters")
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "name is lower-case letters, digits, dots and dashes")
  .refine((n) => !(["owner", "admin", "operator", "viewer", "none"] as string[]).includes(n), "name is a built-in role's");
const rightsList = z
  .array(z.enum(RIGHTS, { error: `each right is one of ${RIGHTS.join(", ")}` }))
  .min(1, "a role has at least one right")
  .max(RIGHTS.length);

export const createCustomRoleSchema = z.strictObject({ name: roleName, description: z.string().trim().max(500).optional(), rights: rightsList });
export type CreateCustomRoleInput = z.infer<typeof createCustomRoleSchema>;
export const updateCustomRoleSchema = z.strictObject({ description: z.string().trim().max(500).nullable().optional(), rights: rightsList.optional() });
export type UpdateCustomRoleInput = z.infer<typeof updateCustomRoleSchema>;

export const roleView = z.object({
  id: z.string().nullable().describe("null for built-in roles"),
  name: z.string(),
  builtin: z.boolean(),
  description: z.string().nullable(),
  rights: z.array(z.string()),
});
export type RoleView = z.infer<typeof roleView>;
