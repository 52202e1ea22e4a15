// /setup — first-run setup: creates the owner account while no account exists; afterwards it sends people to sign in.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { isSetupNeeded } from "@/lib/users/is-setup-needed";
import { PASSWORD_MIN_LENGTH } from "@/lib/auth/password-rules";
import { SetupForm } from "./setup-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Set up" };

export default async function SetupPage() {
  if (!(await isSetupNeeded())) redirect("/signin");
  return (
    <>
      <h1 className="text-lg font-semibold">Create the owner account</h1>
      <p className="mt-1 mb-6 text-sm text-slate-600 dark:text-slate-400">
        This first account owns this Gantry: it can add hosts and invite everyone else.
      </p>
      <SetupForm minLength={PASSWORD_MIN_LENGTH} />
    </>
  );
}
