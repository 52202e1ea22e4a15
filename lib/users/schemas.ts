// The shapes users are created and changed with, validated once at the boundary (route handlers, server actions).
import { z } from "zod";
import { ROLES } from "@/lib/auth/policy";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "@/lib/auth/password-rules";

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, "email is too long")
  .pipe(z.email("enter a valid email address"));

export const nameSchema = z.string().trim().min(1, "name is required").max(100, "name is at most 100 characters");

export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `password must be at most ${PASSWORD_MAX_LENGTH} characters`);

export const roleSchema = z.enum(ROLES, { error: `role must be one of ${ROLES.join(", ")}` });

export const setupOwnerSchema = z.strictObject({ name: nameSchema, email: emailSchema, password: passwordSchema });
export type SetupOwnerInput = z.infer<typeof setupOwnerSchema>;

export const createUserSchema = z.strictObject({
  name: nameSchema,
  email: emailSchema,
  password: passwordSchema,
  role: roleSchema,
});
export type CreateUserInput = z.infer<typeof createUserSchema>;

export const updateUserSchema = z
  .strictObject({
    name: nameSchema.optional(),
    role: roleSchema.optional(),
    disabled: z.boolean().optional(),
    /** A new password set by an administrator (the user forgot theirs); it also lifts a sign-in lock. */
    password: passwordSchema.optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), "nothing to change: send name, role, disabled or password");
export type UpdateUserInput = z.infer<typeof updateUserSchema>;

export const updateOwnAccountSchema = z
  .strictObject({
    name: nameSchema.optional(),
    currentPassword: z.string().max(1024).optional(),
    newPassword: passwordSchema.optional(),
  })
  .refine((v) => v.name !== undefined || v.newPassword !== undefined, "nothing to change: send name or newPassword")
  .refine((v) => v.newPassword === undefined || !!v.currentPassword, { message: "currentPassword is required to set a new password", path: ["currentPassword"] });
export type UpdateOwnAccountInput = z.infer<typeof updateOwnAccountSchema>;

export const userIdSchema = z.string().min(1).max(64).regex(/^[a-z0-9]+$/i, "not a user id");
