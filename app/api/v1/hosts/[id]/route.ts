// GET /api/v1/hosts/{id} — one host; PATCH {name} — rename; DELETE — revoke (same as POST .../revoke).
import { z } from "zod";
import { withAuth } from "@/lib/http/with-auth";
import { parseJson } from "@/lib/http/parse";
import { getHostDetailOrThrow } from "@/lib/hosts/get-host-detail-or-throw";
import { renameHost, HostName } from "@/lib/hosts/rename-host";
import { revokeHost } from "@/lib/hosts/revoke-host";
import { hostIdFrom } from "../host-id";

export const dynamic = "force-dynamic";

const Patch = z.object({ name: HostName }).strict();

export const GET = withAuth(async ({ params }) => getHostDetailOrThrow(hostIdFrom(params)), { permission: "hosts.read", scope: "host" });

export const PATCH = withAuth(
  async ({ req, params }) => {
    const id = hostIdFrom(params);
    const { name } = await parseJson(req, Patch);
    return renameHost(id, name);
  },
  { permission: "hosts.update", scope: "host" },
);

export const DELETE = withAuth(async ({ params }) => revokeHost(hostIdFrom(params)), { permission: "hosts.revoke", scope: "host" });
