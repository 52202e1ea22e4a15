"use client";
// Copies a secret shown once (an API token, a join command). Where the clipboard is not allowed (plain http), the
// text is selected instead so Ctrl+C works, and the button says so.
import { useState } from "react";
import { Button } from "@/components/ui";

export function CopyButton({ text, targetId, label }: { text: string; targetId: string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "selected">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      const el = document.getElementById(targetId);
      if (el) window.getSelection()?.selectAllChildren(el);
      setState("selected");
    }
  }
  return (
    <span className="inline-flex items-center gap-2">
      <Button onClick={copy} aria-describedby={targetId}>
        {state === "copied" ? "Copied" : label}
      </Button>
      <span role="status" aria-live="polite" className="text-xs text-slate-600 dark:text-slate-400">
        {state === "copied" ? "Copied to the clipboard." : state === "selected" ? "Copying is not allowed here: the text is selected, press Ctrl+C." : ""}
      </span>
    </span>
  );
}
