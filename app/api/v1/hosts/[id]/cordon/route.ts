// PUT /api/v1/hosts/{id}/cordon — no new pods are placed on the host (its Node's spec.unschedulable), as kubectl cordon.
// DELETE — uncordons it. Pods already there stay either way (drain moves them).
import { withAuth } from "@/lib/http/with-auth";
import { cordonHost } from "@/lib/hosts/drain-host";
import { hostIdFrom } from "../../host-id";

export const dynamic = "force-dynamic";

export const PUT = withAuth(async ({ params }) => cordonHost(hostIdFrom(params), true), { permission: "hosts.drain", scope: "host" });
export const DELETE = withAuth(async ({ params }) => cordonHost(hostIdFrom(params), false), { permission: "hosts.drain", scope: "host" });
