"use client";
import { useState } from "react";
import { signOut } from "next-auth/react";
import { Button } from "@/components/ui";

export function SignOutButton() {
  const [busy, setBusy] = useState(false);
  return (
    <Button
      variant="secondary"
      size="sm"
      loading={busy}
      onClick={async () => {
        setBusy(true);
        await signOut({ redirect: false }).catch(() => {});
        window.location.assign("/signin");
      }}
    >
      Sign out
    </Button>
  );
}
