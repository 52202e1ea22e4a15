// v1 ReplicationController: keeps `replicas` pods matching its selector running (its controller lives in
// lib/orchestration). An empty selector and empty object labels default to the template's labels, as in Kubernetes;
// the selector may change (unlike a ReplicaSet's). Status only through …/status; replicas also through …/scale.
import type { ResourceDef } from "../resources";
import { t } from "../schema";
import type { StatusCause } from "../status";
import { ageColumn, nameColumn, typeMeta } from "./common";
import { labelMapErrors } from "../label-selector";
import { podTemplateSpecSchema } from "./pod-schema";
import { requiredCause } from "./pod-spec";
import { defaultTemplate, replicaCountColumns, replicasErrors, scaleOf, specChanged, templateErrors, wideColumns, workloadSpec } from "./workload";

const DESCRIPTION = "ReplicationController represents the configuration of a replication controller.";

const conditionSchema = t.object(
  {
    type: t.string("Type of replication controller condition."),
    status: t.string("Status of the condition, one of True, False, Unknown."),
    lastTransitionTime: t.string("The last time the condition transitioned from one status to another.", { format: "date-time" }),
    reason: t.string("The reason for the condition's last transition."),
    message: t.string("A human readable message indicating details about the transition."),
  },
  { name: "io.k8s.api.core.v1.ReplicationControllerCondition", required: ["type", "status"], description: "The state of a replication controller at a certain point." },
);

export const replicationControllerResource: ResourceDef = {
  group: "",
  version: "v1",
  kind: "ReplicationController",
  plural: "replicationcontrollers",
  singular: "replicationcontroller",
  shortNames: ["rc"],
  categories: ["all"],
  namespaced: true,
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
  description: DESCRIPTION,
  nameRule: "dns1123-subdomain",
  schema: t.object(
    {
      ...typeMeta(),
      spec: t.object(
        {
          replicas: t.int("The number of desired replicas. Defaults to 1."),
          minReadySeconds: t.int("Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0."),
          selector: t.map(t.string(), "A label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template."),
          template: podTemplateSpecSchema,
        },
        { name: "io.k8s.api.core.v1.ReplicationControllerSpec", description: "The specification of a replication controller.", proto: { replicas: 1, selector: 2, template: 3, minReadySeconds: 4 } },
      ),
      status: t.object(
        {
          replicas: t.int("The most recently observed number of replicas."),
          fullyLabeledReplicas: t.int("The number of pods that have labels matching the labels of the pod template of the replication controller."),
          readyReplicas: t.int("The number of ready replicas for this replication controller."),
          availableReplicas: t.int("The number of available replicas (ready for at least minReadySeconds) for this replication controller."),
          observedGeneration: t.int("The generation of the most recently observed replication controller.", "int64"),
          conditions: t.array(conditionSchema, "The latest available observations of a replication controller's current state.", { patchStrategy: "merge", mergeKey: "type" }),
        },
        { name: "io.k8s.api.core.v1.ReplicationControllerStatus", required: ["replicas"], description: "The most recently observed status of the replication controller. Read-only." },
      ),
    },
    { name: "io.k8s.api.core.v1.ReplicationController", description: DESCRIPTION, proto: { metadata: 1, spec: 2, status: 3 } },
  ),
  columns: [nameColumn, ...replicaCountColumns, ageColumn, ...wideColumns],
  readRight: "k8s.read",
  writeRights: ["k8s.write"],
  subresources: { status: true, scale: scaleOf },
  generationChanged: specChanged,
  normalize(obj, old) {
    const spec = (obj.spec ??= {}) as ReturnType<typeof workloadSpec>;
    const labels = spec.template?.metadata?.labels;
    if (labels) {
      if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
      if (!obj.metadata.labels || Object.keys(obj.metadata.labels).length === 0) obj.metadata.labels = { ...labels };
    }
    spec.replicas ??= 1;
    defaultTemplate(spec);
    if (!old) obj.status = { replicas: 0 };
  },
  validate(obj) {
    const spec = workloadSpec(obj);
    const causes: StatusCause[] = [...replicasErrors(spec, "spec")];
    const selector = (spec.selector ?? {}) as Record<string, string>;
    if (Object.keys(selector).length === 0) causes.push(requiredCause("spec.selector"));
    causes.push(...labelMapErrors(selector, "spec.selector"));
    causes.push(...templateErrors(spec, "spec"));
    return causes;
  },
};
