// First-run setup is needed while no account exists at all.
import { db } from "@/lib/db";

export async function isSetupNeeded(): Promise<boolean> {
  return (await db.user.count()) === 0;
}
