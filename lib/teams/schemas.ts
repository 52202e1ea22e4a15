// The shapes teams are created and changed with (routes, the Teams page), and what the API answers.
import { z } from "zod";

export const teamIdSchema = z.string().min(1).max(100);
export const teamNameSchema = z
  .string()
  .trim()
  .min(1, "name is required")
  .max(63, "name is at most 63 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, "name is letters, digits, spaces, dots, dashes and underscores, starting with a letter or digit");

export const createTeamSchema = z.strictObject({ name: teamNameSchema, description: z.string().trim().max(500).optional() });
export type CreateTeamInput = z.infer<typeof createTeamSchema>;
export const updateTeamSchema = z.strictObject({ name: teamNameSchema.optional(), description: z.string().trim().max(500).nullable().optional() });
export type UpdateTeamInput = z.infer<typeof updateTeamSchema>;

export const addTeamMemberSchema = z
  .strictObject({
    userId: z.string().min(1).max(100).optional(),
    email: z.string().trim().toLowerCase().max(254).pipe(z.email("enter a valid email address")).optional(),
    admin: z.boolean().optional().describe("a team admin manages this team's members; only those with users.manage may set it"),
  })
  .refine((b) => (b.userId === undefined) !== (b.email === undefined), { message: "name the user by userId or email (one of them)", path: ["userId"] });
export type AddTeamMemberInput = z.infer<typeof addTeamMemberSchema>;

export const teamMemberView = z.object({ userId: z.string(), email: z.string(), name: z.string(), admin: z.boolean(), since: z.string() });
export type TeamMemberView = z.infer<typeof teamMemberView>;

export const teamView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  createdAt: z.string(),
  members: z.array(teamMemberView),
});
export type TeamView = z.infer<typeof teamView>;
