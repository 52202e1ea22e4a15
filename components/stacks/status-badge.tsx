import { Badge } from "@/components/ui";
import type { StackSummary } from "@/lib/stacks/schemas";

const TONES = { running: "success", progressing: "warning", stopped: "neutral" } as const;

/** A stack's status in words (colour is never the only signal). */
export function StatusBadge({ status }: { status: StackSummary["status"] }) {
  return <Badge tone={TONES[status]}>{status}</Badge>;
}
