// v1 Namespace: a scope for names. default, kube-public and kube-system always exist (made by the migration) and may
// not be deleted; deleting another namespace deletes everything in it (lib/k8s/delete-object.ts).
import type { ResourceDef } from "../resources";
import { t } from "../schema";
import { ageColumn, nameColumn, typeMeta } from "./common";

export const PROTECTED_NAMESPACES = ["default", "kube-public", "kube-system"] as const;

export const namespaceResource: ResourceDef = {
  group: "",
  version: "v1",
  kind: "Namespace",
  plural: "namespaces",
  singular: "namespace",
  shortNames: ["ns"],
  namespaced: false,
  verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
  description: "Namespace provides a scope for Names. Use of multiple namespaces is optional.",
  nameRule: "dns1123-label",
  schema: t.object(
    {
      ...typeMeta(),
      spec: t.object(
        { finalizers: t.array(t.string(), "Values that must be empty before the namespace is removed from storage.") },
        { name: "io.k8s.api.core.v1.NamespaceSpec", description: "The attributes of a Namespace.", proto: { finalizers: 1 } },
      ),
      status: t.object(
        {
          phase: t.string("The current lifecycle phase of the namespace (Active, Terminating).", { enum: ["Active", "Terminating"] }),
          conditions: t.array(t.any(), "The latest available observations of the namespace's state."),
        },
        { name: "io.k8s.api.core.v1.NamespaceStatus", description: "The current status of a Namespace. Read-only.", proto: { phase: 1 } },
      ),
    },
    {
      name: "io.k8s.api.core.v1.Namespace",
      description: "Namespace provides a scope for Names. Use of multiple namespaces is optional.",
      proto: { metadata: 1, spec: 2, status: 3 },
    },
  ),
  columns: [
    nameColumn,
    {
      name: "Status",
      type: "string",
      description: "The status of the namespace",
      priority: 0,
      cell: (o) => ((o.status as { phase?: string } | undefined)?.phase ?? ""),
    },
    ageColumn,
  ],
  readRight: "k8s.read",
  writeRights: ["k8s.write"],
  selectableFields: (o) => ({ "status.phase": (o.status as { phase?: string } | undefined)?.phase ?? "" }),
  normalize(obj, old) {
    // Status is the server's: a client's is ignored. Every namespace is labelled with its own name, as Kubernetes does.
    obj.status = old?.status ?? { phase: "Active" };
    obj.spec = { finalizers: ["kubernetes"], ...(obj.spec as object | undefined) };
    if (obj.metadata.name) obj.metadata.labels = { ...obj.metadata.labels, "kubernetes.io/metadata.name": obj.metadata.name };
  },
  validate() {
    return [];
  },
};
