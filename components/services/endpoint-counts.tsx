// A Service's endpoints in two words: how many are ready and how many are not (the text says it, not only the colour).
import { Badge } from "@/components/ui";
import type { ServiceSummary } from "@/lib/services/schemas";

export function EndpointCounts({ endpoints }: { endpoints: ServiceSummary["endpoints"] }) {
  if (endpoints.ready === 0 && endpoints.notReady === 0) return <Badge tone="warning">no endpoints</Badge>;
  return (
    <span className="inline-flex flex-wrap gap-1">
      <Badge tone={endpoints.ready ? "success" : "danger"}>{endpoints.ready} ready</Badge>
      {endpoints.notReady > 0 && <Badge tone="warning">{endpoints.notReady} not ready</Badge>}
    </span>
  );
}
