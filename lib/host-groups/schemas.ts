// The shapes host groups are created and changed with, and what the API answers.
import { z } from "zod";
import { hostIdNumber } from "@/lib/hosts/host-id";

export const hostGroupIdSchema = z.string().min(1).max(100);
export const hostGroupNameSchema = z
  .string()
  .trim()
  .min(1, "name is required")
  .max(63, "name is at most 63 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, "name is letters, digits, spaces, dots, dashes and underscores, starting with a letter or digit");

export const createHostGroupSchema = z.strictObject({
  name: hostGroupNameSchema,
  description: z.string().trim().max(500).optional(),
  hostIds: z.array(hostIdNumber).max(1000).optional(),
});
export type CreateHostGroupInput = z.infer<typeof createHostGroupSchema>;
export const updateHostGroupSchema = z.strictObject({ name: hostGroupNameSchema.optional(), description: z.string().trim().max(500).nullable().optional() });
export type UpdateHostGroupInput = z.infer<typeof updateHostGroupSchema>;
export const groupHostsSchema = z.strictObject({ hostIds: z.array(hostIdNumber).min(1, "name at least one host").max(1000) });

export const hostGroupView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  createdAt: z.string(),
  hosts: z.array(z.object({ id: z.number(), name: z.string() })),
});
export type HostGroupView = z.infer<typeof hostGroupView>;
