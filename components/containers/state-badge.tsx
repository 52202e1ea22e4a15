// A container's state as a badge whose text says it (colour is never the only signal).
import { Badge } from "@/components/ui";
import { stateTone } from "./format";

export function ContainerStateBadge({ state, exitCode, testId }: { state: string; exitCode?: number | null; testId?: string }) {
  return (
    <Badge tone={stateTone(state, exitCode)} data-state={state} data-testid={testId}>
      {state}
    </Badge>
  );
}
