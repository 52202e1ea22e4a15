// apps/v1 Deployment: declarative updates of pods through ReplicaSets it owns (its controller lives in
// lib/orchestration). Defaults as kube-apiserver's: replicas 1, RollingUpdate with maxSurge and maxUnavailable 25%,
// revisionHistoryLimit 10, progressDeadlineSeconds 600. The selector is required and fixed; metadata.generation moves
// with the spec and the annotations (which the controller copies to its ReplicaSets). Status only through …/status;
// replicas also through …/scale (kubectl scale).
import type { KubeObject } from "../meta";
import { canonicalJson } from "../canonical";
import { labelSelectorSchema } from "../label-selector";
import type { ResourceDef } from "../resources";
import { t } from "../schema";
import type { StatusCause } from "../status";
import { ageColumn, nameColumn, typeMeta } from "./common";
import { podTemplateSpecSchema } from "./pod-schema";
import { forbiddenCause, invalidCause, notSupportedCause } from "./pod-spec";
import { appsSelectorErrors } from "./replica-set";
import { defaultTemplate, replicasErrors, scaleOf, statusCount, templateErrors, wideColumns, workloadSpec } from "./workload";

const DESCRIPTION = "Deployment enables declarative updates for Pods and ReplicaSets.";

interface Strategy {
  type?: string;
  rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string };
}

const conditionSchema = t.object(
  {
    type: t.string("Type of deployment condition (Available, Progressing, ReplicaFailure)."),
    status: t.string("Status of the condition, one of True, False, Unknown."),
    lastUpdateTime: t.string("The last time this condition was updated.", { format: "date-time" }),
    lastTransitionTime: t.string("Last time the condition transitioned from one status to another.", { format: "date-time" }),
    reason: t.string("The reason for the condition's last transition."),
    message: t.string("A human readable message indicating details about the transition."),
  },
  { name: "io.k8s.api.apps.v1.DeploymentCondition", required: ["type", "status"], description: "The state of a deployment at a certain point." },
);

const PERCENT = /^[0-9]+%$/;

/** An int ≥ 0 or a percentage ("25%"), kube-apiserver's ValidatePositiveIntOrPercent. */
function intOrPercentErrors(field: string, v: number | string | undefined, out: StatusCause[]): void {
  if (v === undefined) return;
  if (typeof v === "string") {
    if (!PERCENT.test(v)) out.push(invalidCause(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
  } else if (v < 0) out.push(invalidCause(field, v, "must be greater than or equal to 0"));
}

const isZero = (v: number | string | undefined) => v === 0 || v === "0%" || v === undefined;

export const deploymentResource: ResourceDef = {
  group: "apps",
  version: "v1",
  kind: "Deployment",
  plural: "deployments",
  singular: "deployment",
  shortNames: ["deploy"],
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
          replicas: t.int("Number of desired pods. Defaults to 1."),
          selector: labelSelectorSchema,
          template: podTemplateSpecSchema,
          strategy: t.object(
            {
              type: t.string("Type of deployment: Recreate or RollingUpdate. Default is RollingUpdate.", { enum: ["Recreate", "RollingUpdate"] }),
              rollingUpdate: t.object(
                {
                  maxUnavailable: t.intOrString("The maximum number of pods that can be unavailable during the update: a number or a percentage of desired pods (rounded down). Defaults to 25%."),
                  maxSurge: t.intOrString("The maximum number of pods that can be scheduled above the desired number of pods: a number or a percentage of desired pods (rounded up). Defaults to 25%."),
                },
                { name: "io.k8s.api.apps.v1.RollingUpdateDeployment", description: "Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate.", proto: { maxUnavailable: 1, maxSurge: 2 } },
              ),
            },
            { name: "io.k8s.api.apps.v1.DeploymentStrategy", description: "The deployment strategy to use to replace existing pods with new ones.", patchStrategy: "retainKeys", proto: { type: 1, rollingUpdate: 2 } },
          ),
          minReadySeconds: t.int("Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0."),
          revisionHistoryLimit: t.int("The number of old ReplicaSets to retain to allow rollback. Defaults to 10."),
          paused: t.bool("Indicates that the deployment is paused."),
          progressDeadlineSeconds: t.int("The maximum time in seconds for a deployment to make progress before it is considered to be failed. Defaults to 600s."),
        },
        {
          name: "io.k8s.api.apps.v1.DeploymentSpec",
          required: ["selector", "template"],
          description: "The specification of the desired behavior of the Deployment.",
          proto: { replicas: 1, selector: 2, template: 3, strategy: 4, minReadySeconds: 5, revisionHistoryLimit: 6, paused: 7, progressDeadlineSeconds: 9 },
        },
      ),
      status: t.object(
        {
          observedGeneration: t.int("The generation observed by the deployment controller.", "int64"),
          replicas: t.int("Total number of non-terminating pods targeted by this deployment (their labels match the selector)."),
          updatedReplicas: t.int("Total number of non-terminating pods targeted by this deployment that have the desired template spec."),
          readyReplicas: t.int("Total number of non-terminating pods targeted by this Deployment with a Ready Condition."),
          availableReplicas: t.int("Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment."),
          unavailableReplicas: t.int("Total number of unavailable pods targeted by this deployment."),
          terminatingReplicas: t.int("Total number of terminating pods targeted by this deployment."),
          conditions: t.array(conditionSchema, "Represents the latest available observations of a deployment's current state.", { patchStrategy: "merge", mergeKey: "type" }),
          collisionCount: t.int("Count of hash collisions for the Deployment, used to make the name of the newest ReplicaSet."),
        },
        { name: "io.k8s.api.apps.v1.DeploymentStatus", description: "The most recently observed status of the Deployment. Read-only." },
      ),
    },
    { name: "io.k8s.api.apps.v1.Deployment", description: DESCRIPTION, proto: { metadata: 1, spec: 2, status: 3 } },
  ),
  columns: [
    nameColumn,
    { name: "Ready", type: "string", description: "Number of the pod with ready state", priority: 0, cell: (o) => `${statusCount(o, "readyReplicas")}/${workloadSpec(o).replicas ?? 0}` },
    { name: "Up-to-date", type: "integer", description: "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", priority: 0, cell: (o) => statusCount(o, "updatedReplicas") },
    { name: "Available", type: "integer", description: "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", priority: 0, cell: (o) => statusCount(o, "availableReplicas") },
    ageColumn,
    ...wideColumns,
  ],
  readRight: "k8s.read",
  writeRights: ["k8s.write"],
  subresources: { status: true, scale: scaleOf },
  generationChanged: (next: KubeObject, old: KubeObject) =>
    canonicalJson(next.spec) !== canonicalJson(old.spec) || canonicalJson(next.metadata.annotations ?? {}) !== canonicalJson(old.metadata.annotations ?? {}),
  normalize(obj, old) {
    const spec = (obj.spec ??= {}) as ReturnType<typeof workloadSpec> & { strategy?: Strategy; revisionHistoryLimit?: number; progressDeadlineSeconds?: number };
    spec.replicas ??= 1;
    const strategy = (spec.strategy ??= {});
    strategy.type ||= "RollingUpdate";
    if (strategy.type === "RollingUpdate") {
      const ru = (strategy.rollingUpdate ??= {});
      ru.maxUnavailable ??= "25%";
      ru.maxSurge ??= "25%";
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    defaultTemplate(spec);
    if (!old) obj.status = {};
  },
  validate(obj, old) {
    const spec = workloadSpec(obj) as ReturnType<typeof workloadSpec> & { strategy?: Strategy; revisionHistoryLimit?: number; progressDeadlineSeconds?: number };
    const causes: StatusCause[] = [...replicasErrors(spec, "spec"), ...appsSelectorErrors(obj, old), ...templateErrors(spec, "spec")];
    const strategy = spec.strategy ?? {};
    if (strategy.type !== "Recreate" && strategy.type !== "RollingUpdate") causes.push(notSupportedCause("spec.strategy.type", strategy.type ?? "", ["Recreate", "RollingUpdate"]));
    if (strategy.type === "Recreate" && strategy.rollingUpdate)
      causes.push(forbiddenCause("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
    const ru = strategy.rollingUpdate;
    if (strategy.type === "RollingUpdate" && ru) {
      intOrPercentErrors("spec.strategy.rollingUpdate.maxUnavailable", ru.maxUnavailable, causes);
      intOrPercentErrors("spec.strategy.rollingUpdate.maxSurge", ru.maxSurge, causes);
      if (typeof ru.maxUnavailable === "string" && PERCENT.test(ru.maxUnavailable) && Number(ru.maxUnavailable.slice(0, -1)) > 100)
        causes.push(invalidCause("spec.strategy.rollingUpdate.maxUnavailable", ru.maxUnavailable, "must not be greater than 100%"));
      if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge))
        causes.push(invalidCause("spec.strategy.rollingUpdate.maxUnavailable", ru.maxUnavailable ?? 0, "may not be 0 when `maxSurge` is 0"));
    }
    if (spec.revisionHistoryLimit !== undefined && spec.revisionHistoryLimit < 0)
      causes.push(invalidCause("spec.revisionHistoryLimit", spec.revisionHistoryLimit, "must be greater than or equal to 0"));
    if (spec.progressDeadlineSeconds !== undefined) {
      if (spec.progressDeadlineSeconds < 0) causes.push(invalidCause("spec.progressDeadlineSeconds", spec.progressDeadlineSeconds, "must be greater than or equal to 0"));
      else if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0))
        causes.push(invalidCause("spec.progressDeadlineSeconds", spec.progressDeadlineSeconds, "must be greater than minReadySeconds"));
    }
    return causes;
  },
};
