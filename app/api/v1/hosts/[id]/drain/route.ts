// POST /api/v1/hosts/{id}/drain — cordons the host's Node and deletes the pods its controllers make again elsewhere;
// names what stays (bare pods, standalone containers). {"waitSeconds": N} waits for the deleted pods to be gone.
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { drainHost } from "@/lib/hosts/drain-host";
import { drainHostBody } from "@/lib/hosts/drain-schemas";
import { hostIdFrom } from "../../host-id";

export const dynamic = "force-dynamic";

export const POST = withAuth(
  async ({ req, actor, params }) => drainHost(actor, hostIdFrom(params), await parseJson(req, drainHostBody)),
  { permission: "hosts.drain", scope: "host" },
);
