// The catalogue of /api/v1: every route with its permission and the same zod schemas its handler parses with.
// /api/v1/openapi.json is built from this list, and a test checks it names every route file under app/api/v1.
import { z } from "zod";
import type { Action } from "@/lib/auth/policy";
import { ListHostsQuery } from "@/lib/hosts/list-hosts";
import { HostName } from "@/lib/hosts/rename-host";
import { createUserSchema, setupOwnerSchema, updateOwnAccountSchema, updateUserSchema } from "@/lib/users/schemas";
import { apiTokenView, createApiTokenSchema, createdApiTokenView, listApiTokensQuery } from "@/lib/api-tokens/schemas";
import { activityPage, listActivityQuery } from "@/lib/activity/schemas";
import { hostEventsQuery, hostEventsView } from "@/lib/hosts/host-events-schemas";
import {
  ContainerSummary,
  HostMetrics,
  ImageSummary,
  NetworkCreateSpec,
  NetworkSummary,
  RunSpec,
  VolumeCreateSpec,
  VolumePruneResult,
  ImagePruneResult,
  VolumeSummary,
} from "@/lib/protocol/commands";
import { createJoinTokenBody, createdJoinTokenView, joinTokenIdParam, joinTokenView, listJoinTokensQuery } from "@/lib/hosts/join-token-schemas";
import {
  commandQuery,
  containerActionBody,
  containerRefParam,
  hostIdParam,
  listFleetContainersQuery,
  listHostContainersQuery,
  logLineView,
  logsQuery,
  networkConnectBody,
  networkDisconnectBody,
  networkRefParam,
  pruneVolumesBody,
  pruneImagesBody,
  pullBody,
  pullLineView,
  removeContainerQuery,
  removeImageQuery,
  removeVolumeQuery,
  tagImageBody,
} from "@/lib/fleet-api/schemas";
import { listServicesQuery, serviceDetail, serviceList, serviceParams } from "@/lib/services/schemas";
import { listStacksQuery, stackBody, stackDeployed, stackDetail, stackList, stackParams, stackPreview } from "@/lib/stacks/schemas";
import { searchQuery, searchResult } from "@/lib/search/schemas";
import { revealSecretBody, revealedSecretValue, secretParams } from "@/lib/secrets/schemas";

export type Method = "get" | "post" | "put" | "patch" | "delete";

export interface ApiRoute {
  method: Method;
  /** OpenAPI path, `{param}` style, under /api/v1. */
  path: string;
  summary: string;
  tag: string;
  /** The policy action required, or "public". */
  permission: Action | "public";
  params?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  body?: z.ZodType;
  response?: z.ZodType;
  status?: number;
  /** Content type of a streamed response (logs, pull progress), instead of JSON. */
  stream?: string;
}

const hostId = hostIdParam;
const container = { id: hostId, cid: containerRefParam };
const network = { id: hostId, network: networkRefParam };

export const API_ROUTES: ApiRoute[] = [
  {
    method: "get",
    path: "/search",
    tag: "hosts",
    summary: "Hosts (name, id), containers (name, id prefix, image, label key or key=value) and images (tag, id prefix) matching q",
    permission: "hosts.read",
    query: searchQuery,
    response: searchResult,
  },
  {
    method: "get",
    path: "/services",
    tag: "services",
    summary: "Every Service (?namespace= for one) with its type, cluster IP, ports and ready/not-ready endpoint counts",
    permission: "k8s.read",
    query: listServicesQuery,
    response: serviceList,
  },
  {
    method: "get",
    path: "/services/{namespace}/{name}",
    tag: "services",
    summary: "One Service with the endpoints behind it: pods, readiness, ports and their hosts",
    permission: "k8s.read",
    params: serviceParams,
    response: serviceDetail,
  },
  { method: "get", path: "/stacks", tag: "stacks", summary: "Every compose stack (?namespace= for one) with its services, published ports and status", permission: "k8s.read", query: listStacksQuery, response: stackList },
  {
    method: "post",
    path: "/stacks/preview",
    tag: "stacks",
    summary: "A compose file's translation (objects, unsupported keys by path, notes) and a server-side dry run of every object: create, update, unchanged, delete, or refused",
    permission: "k8s.write",
    body: stackBody,
    response: stackPreview,
  },
  {
    method: "post",
    path: "/stacks",
    tag: "stacks",
    summary: "Deploy a compose file as a stack, or redeploy it in place (updated by name; objects the file no longer has deleted); bind mounts need containers.host-access",
    permission: "k8s.write",
    body: stackBody,
    response: stackDeployed,
  },
  { method: "get", path: "/stacks/{namespace}/{name}", tag: "stacks", summary: "One stack: its services and status, objects, and the compose file it was deployed from", permission: "k8s.read", params: stackParams, response: stackDetail },
  { method: "delete", path: "/stacks/{namespace}/{name}", tag: "stacks", summary: "Remove everything the stack made", permission: "k8s.write", params: stackParams },
  {
    method: "post",
    path: "/namespaces/{namespace}/secrets/{name}/reveal",
    tag: "secrets",
    summary: "One value of a Secret (by key), written to the activity record before it is answered",
    permission: "k8s.secrets.read",
    params: secretParams,
    body: revealSecretBody,
    response: revealedSecretValue,
  },
  { method: "get", path: "/hosts", tag: "hosts", summary: "One page of hosts", permission: "hosts.read", query: ListHostsQuery },
  { method: "get", path: "/hosts/{id}", tag: "hosts", summary: "One host, with its place on the pod network (podNetwork: pod CIDR, underlay, last sync, overlay peers)", permission: "hosts.read", params: { id: hostId } },
  { method: "patch", path: "/hosts/{id}", tag: "hosts", summary: "Rename a host", permission: "hosts.update", params: { id: hostId }, body: z.object({ name: HostName }).strict() },
  { method: "delete", path: "/hosts/{id}", tag: "hosts", summary: "Revoke a host", permission: "hosts.revoke", params: { id: hostId } },
  { method: "post", path: "/hosts/{id}/revoke", tag: "hosts", summary: "Revoke a host", permission: "hosts.revoke", params: { id: hostId } },
  {
    method: "get",
    path: "/join-tokens",
    tag: "hosts",
    summary: "Join tokens: the outstanding ones (?status=all: every state)",
    permission: "hosts.join",
    query: listJoinTokensQuery,
    response: z.object({ joinTokens: z.array(joinTokenView) }),
  },
  {
    method: "post",
    path: "/join-tokens",
    tag: "hosts",
    summary: "Mint a single-use join token for a new host (optionally the name it joins under)",
    permission: "hosts.join",
    body: createJoinTokenBody,
    response: createdJoinTokenView,
    status: 201,
  },
  {
    method: "delete",
    path: "/join-tokens/{id}",
    tag: "hosts",
    summary: "Revoke a join token before it is used",
    permission: "hosts.join",
    params: { id: joinTokenIdParam },
    response: z.object({ joinToken: joinTokenView }),
  },
  { method: "post", path: "/agents/join", tag: "hosts", summary: "An agent joins with a join token (agents only)", permission: "public", status: 201 },
  { method: "get", path: "/me", tag: "account", summary: "The signed-in account and what it may do", permission: "me.read" },
  { method: "patch", path: "/me", tag: "account", summary: "Change one's own name or password", permission: "me.update", body: updateOwnAccountSchema },
  { method: "get", path: "/users", tag: "users", summary: "Every account", permission: "users.read" },
  { method: "post", path: "/users", tag: "users", summary: "Create an account", permission: "users.manage", body: createUserSchema, status: 201 },
  { method: "patch", path: "/users/{id}", tag: "users", summary: "Change an account", permission: "users.manage", params: { id: z.string() }, body: updateUserSchema },
  { method: "get", path: "/setup", tag: "account", summary: "Whether first-run setup is needed", permission: "public" },
  { method: "post", path: "/setup", tag: "account", summary: "Create the owner on first run", permission: "public", body: setupOwnerSchema, status: 201 },
  {
    method: "get",
    path: "/tokens",
    tag: "tokens",
    summary: "One's own API tokens (admins: ?all=true adds those of the users they manage)",
    permission: "tokens.manage",
    query: listApiTokensQuery,
    response: z.object({ tokens: z.array(apiTokenView) }),
  },
  {
    method: "post",
    path: "/tokens",
    tag: "tokens",
    summary: "Create an API token (shown once); needs a signed-in session — an API token cannot create tokens",
    permission: "tokens.manage",
    body: createApiTokenSchema,
    response: createdApiTokenView,
    status: 201,
  },
  {
    method: "delete",
    path: "/tokens/{id}",
    tag: "tokens",
    summary: "Revoke an API token",
    permission: "tokens.manage",
    params: { id: z.string() },
    response: z.object({ apiToken: apiTokenView }),
  },
  { method: "get", path: "/activity", tag: "activity", summary: "The activity record, newest first", permission: "activity.read", query: listActivityQuery, response: activityPage },
  {
    method: "get",
    path: "/containers",
    tag: "containers",
    summary: "Containers across the fleet (the inventory): filtered, sorted, one page",
    permission: "containers.read",
    query: listFleetContainersQuery,
  },
  {
    method: "get",
    path: "/hosts/{id}/containers",
    tag: "containers",
    summary: "The host's containers, asked live",
    permission: "containers.read",
    params: { id: hostId },
    query: listHostContainersQuery,
    response: z.array(ContainerSummary),
  },
  {
    method: "post",
    path: "/hosts/{id}/containers",
    tag: "containers",
    summary: "Run a container (create and start); 202 when queued for an offline host (?queue=true). Honours Idempotency-Key (per user, host and kind of command).",
    permission: "containers.run",
    params: { id: hostId },
    query: commandQuery,
    body: RunSpec,
    status: 201,
  },
  { method: "get", path: "/hosts/{id}/containers/{cid}", tag: "containers", summary: "Inspect a container", permission: "containers.read", params: container },
  {
    method: "delete",
    path: "/hosts/{id}/containers/{cid}",
    tag: "containers",
    summary: "Remove a container",
    permission: "containers.manage",
    params: container,
    query: removeContainerQuery,
  },
  {
    method: "post",
    path: "/hosts/{id}/containers/{cid}/actions",
    tag: "containers",
    summary: "Start, stop, restart, kill, pause or unpause a container",
    permission: "containers.manage",
    params: container,
    query: commandQuery,
    body: containerActionBody,
  },
  {
    method: "get",
    path: "/hosts/{id}/containers/{cid}/logs",
    tag: "containers",
    summary: "A container's output as NDJSON lines {stream, time, line}, ending with {end: true, error?}; ?follow=true keeps it open",
    permission: "containers.logs",
    params: container,
    query: logsQuery,
    response: logLineView,
    stream: "application/x-ndjson",
  },
  {
    method: "post",
    path: "/hosts/{id}/images/pull",
    tag: "images",
    summary: "Pull an image on the host; NDJSON progress lines {event}, ending with {end: true, error?}",
    permission: "images.manage",
    params: { id: hostId },
    body: pullBody,
    response: pullLineView,
    stream: "application/x-ndjson",
  },
  { method: "get", path: "/hosts/{id}/images", tag: "images", summary: "The host's images", permission: "images.read", params: { id: hostId }, response: z.array(ImageSummary) },
  { method: "delete", path: "/hosts/{id}/images", tag: "images", summary: "Remove an image or one of its tags", permission: "images.manage", params: { id: hostId }, query: removeImageQuery },
  {
    method: "post",
    path: "/hosts/{id}/images/prune",
    tag: "images",
    summary: "Remove the images no container uses (untagged ones only, unless all)",
    permission: "images.manage",
    params: { id: hostId },
    body: pruneImagesBody,
    response: ImagePruneResult,
  },
  { method: "post", path: "/hosts/{id}/images/tag", tag: "images", summary: "Tag an image", permission: "images.manage", params: { id: hostId }, body: tagImageBody, status: 201 },
  {
    method: "get",
    path: "/hosts/{id}/networks",
    tag: "networks",
    summary: "The host's networks with their attached containers, asked live",
    permission: "containers.read",
    params: { id: hostId },
    response: z.array(NetworkSummary),
  },
  {
    method: "post",
    path: "/hosts/{id}/networks",
    tag: "networks",
    summary: "Create a bridge network (a subnet of your choosing, or one from the host's pool)",
    permission: "containers.manage",
    params: { id: hostId },
    body: NetworkCreateSpec,
    response: NetworkSummary,
    status: 201,
  },
  { method: "delete", path: "/hosts/{id}/networks/{network}", tag: "networks", summary: "Remove a network no container is attached to", permission: "containers.manage", params: network },
  { method: "post", path: "/hosts/{id}/networks/{network}/connect", tag: "networks", summary: "Attach a container to a network", permission: "containers.manage", params: network, body: networkConnectBody },
  { method: "post", path: "/hosts/{id}/networks/{network}/disconnect", tag: "networks", summary: "Detach a container from a network", permission: "containers.manage", params: network, body: networkDisconnectBody },
  {
    method: "get",
    path: "/hosts/{id}/volumes",
    tag: "volumes",
    summary: "The host's volumes with their size and the containers using them, asked live",
    permission: "containers.read",
    params: { id: hostId },
    response: z.array(VolumeSummary),
  },
  { method: "post", path: "/hosts/{id}/volumes", tag: "volumes", summary: "Create a volume", permission: "containers.manage", params: { id: hostId }, body: VolumeCreateSpec, response: VolumeSummary, status: 201 },
  { method: "delete", path: "/hosts/{id}/volumes", tag: "volumes", summary: "Remove a volume (refused while a container uses it, unless force)", permission: "containers.manage", params: { id: hostId }, query: removeVolumeQuery },
  {
    method: "post",
    path: "/hosts/{id}/volumes/prune",
    tag: "volumes",
    summary: "Remove the volumes no container uses (anonymous ones only, unless all)",
    permission: "containers.manage",
    params: { id: hostId },
    body: pruneVolumesBody,
    response: VolumePruneResult,
  },
  { method: "get", path: "/hosts/{id}/metrics", tag: "hosts", summary: "CPU, load, memory and disk of the host, now", permission: "hosts.read", params: { id: hostId }, response: HostMetrics },
  { method: "get", path: "/hosts/{id}/events", tag: "hosts", summary: "The host's containers by state and its recent events (activity records too, for activity.read)", permission: "hosts.read", params: { id: hostId }, query: hostEventsQuery, response: hostEventsView },
  { method: "get", path: "/openapi.json", tag: "meta", summary: "This document", permission: "public" },
];
