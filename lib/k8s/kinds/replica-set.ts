// apps/v1 ReplicaSet: keeps `replicas` pods matching its selector running (its controller lives in lib/orchestration;
// Deployments own ReplicaSets). The selector is required, must match the template's labels and never changes. Status
// only through …/status; replicas also through …/scale.
import { canonicalJson } from "../canonical";
import { isEmptySelector, labelSelectorErrors, labelSelectorSchema, type LabelSelector } from "../label-selector";
import type { KubeObject } from "../meta";
import type { ResourceDef } from "../resources";
import { t } from "../schema";
import type { StatusCause } from "../status";
import { ageColumn, nameColumn, typeMeta } from "./common";
import { podTemplateSpecSchema } from "./pod-schema";
import { requiredCause } from "./pod-spec";
import { defaultTemplate, replicaCountColumns, replicasErrors, scaleOf, specChanged, templateErrors, wideColumns, workloadSpec } from "./workload";

const DESCRIPTION = "ReplicaSet ensures that a specified number of pod replicas are running at any given time.";

/** Go's %#v of a LabelSelector, as kube-apiserver prints it in messages. */
export function goSelector(s: LabelSelector | undefined): string {
  if (!s) return "nil";
  const labels = s.matchLabels ? `map[string]string{${Object.keys(s.matchLabels).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(s.matchLabels![k])}`).join(", ")}}` : "map[string]string(nil)";
  const exprs = s.matchExpressions?.length
    ? `[]v1.LabelSelectorRequirement{${s.matchExpressions.map((r) => `v1.LabelSelectorRequirement{Key:${JSON.stringify(r.key)}, Operator:${JSON.stringify(r.operator)}, Values:[]string{${(r.values ?? []).map((v) => JSON.stringify(v)).join(", ")}}}`).join(", ")}}`
    : "[]v1.LabelSelectorRequirement(nil)";
  return `v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:${exprs}}`;
}

/** A required, non-empty, valid selector that does not change after creation (apps/v1 rules). */
export function appsSelectorErrors(obj: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const selector = workloadSpec(obj).selector as LabelSelector | undefined;
  if (!selector) return [requiredCause("spec.selector")];
  const causes = labelSelectorErrors(selector, "spec.selector");
  if (isEmptySelector(selector))
    causes.push({ reason: "FieldValueInvalid", field: "spec.selector", message: `Invalid value: ${goSelector(selector)}: empty selector is invalid for deployment` });
  const before = old ? (workloadSpec(old).selector as LabelSelector | undefined) : undefined;
  if (old && canonicalJson(before) !== canonicalJson(selector))
    causes.push({ reason: "FieldValueInvalid", field: "spec.selector", message: `Invalid value: ${goSelector(selector)}: field is immutable` });
  return causes;
}

const conditionSchema = t.object(
  {
    type: t.string("Type of replica set condition."),
    status: t.string("Status of the condition, one of True, False, Unknown."),
    lastTransitionTime: t.string("The last time the condition transitioned from one status to another.", { format: "date-time" }),
    reason: t.string("The reason for the condition's last transition."),
    message: t.string("A human readable message indicating details about the transition."),
  },
  { name: "io.k8s.api.apps.v1.ReplicaSetCondition", required: ["type", "status"], description: "The state of a replica set at a certain point." },
);

export const replicaSetResource: ResourceDef = {
  group: "apps",
  version: "v1",
  kind: "ReplicaSet",
  plural: "replicasets",
  singular: "replicaset",
  shortNames: ["rs"],
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
          replicas: t.int("The number of desired pods. Defaults to 1."),
          minReadySeconds: t.int("The minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0."),
          selector: labelSelectorSchema,
          template: podTemplateSpecSchema,
        },
        { name: "io.k8s.api.apps.v1.ReplicaSetSpec", required: ["selector"], description: "The specification of a ReplicaSet.", proto: { replicas: 1, selector: 2, template: 3, minReadySeconds: 4 } },
      ),
      status: t.object(
        {
          replicas: t.int("The most recently observed number of non-terminating pods."),
          fullyLabeledReplicas: t.int("The number of non-terminating pods that have labels matching the labels of the pod template of the replicaset."),
          readyReplicas: t.int("The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."),
          availableReplicas: t.int("The number of available non-terminating pods (ready for at least minReadySeconds) for this replica set."),
          terminatingReplicas: t.int("The number of terminating pods for this replica set."),
          observedGeneration: t.int("The generation of the most recently observed ReplicaSet.", "int64"),
          conditions: t.array(conditionSchema, "The latest available observations of a replica set's current state.", { patchStrategy: "merge", mergeKey: "type" }),
        },
        { name: "io.k8s.api.apps.v1.ReplicaSetStatus", required: ["replicas"], description: "The most recently observed status of the ReplicaSet. Read-only." },
      ),
    },
    { name: "io.k8s.api.apps.v1.ReplicaSet", description: DESCRIPTION, proto: { metadata: 1, spec: 2, status: 3 } },
  ),
  columns: [nameColumn, ...replicaCountColumns, ageColumn, ...wideColumns],
  readRight: "k8s.read",
  writeRights: ["k8s.write"],
  subresources: { status: true, scale: scaleOf },
  generationChanged: specChanged,
  normalize(obj, old) {
    const spec = (obj.spec ??= {}) as ReturnType<typeof workloadSpec>;
    spec.replicas ??= 1;
    defaultTemplate(spec);
    if (!old) obj.status = { replicas: 0 };
  },
  validate(obj, old) {
    const spec = workloadSpec(obj);
    return [...replicasErrors(spec, "spec"), ...appsSelectorErrors(obj, old), ...templateErrors(spec, "spec")];
  },
};
