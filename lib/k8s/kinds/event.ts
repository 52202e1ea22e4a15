// v1 Event: a record of something that happened to an object (kubectl describe lists an object's events by
// involvedObject; controllers and the scheduler will write them). Stored like any other kind; nothing expires them yet.
import type { KubeObject } from "../meta";
import type { ResourceDef } from "../resources";
import { t } from "../schema";
import type { StatusCause } from "../status";
import { humanAge, nameColumn, typeMeta } from "./common";

const objectReference = t.object(
  {
    kind: t.string("Kind of the referent."),
    namespace: t.string("Namespace of the referent."),
    name: t.string("Name of the referent."),
    uid: t.string("UID of the referent."),
    apiVersion: t.string("API version of the referent."),
    resourceVersion: t.string("The referent's resourceVersion the event is about."),
    fieldPath: t.string("The part of the object the event is about (spec.containers{name})."),
  },
  { name: "io.k8s.api.core.v1.ObjectReference", description: "A reference to an object." },
);

const involved = (o: KubeObject) => (o.involvedObject ?? {}) as Record<string, string | undefined>;
const str = (v: unknown) => (typeof v === "string" ? v : "");

export const eventResource: ResourceDef = {
  group: "",
  version: "v1",
  kind: "Event",
  plural: "events",
  singular: "event",
  shortNames: ["ev"],
  namespaced: true,
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
  description: "Event is a report of an event somewhere in the cluster.",
  nameRule: "dns1123-subdomain",
  schema: t.object(
    {
      ...typeMeta(),
      involvedObject: objectReference,
      reason: t.string("Short, machine-understandable reason for the transition into the object's current status (CamelCase)."),
      message: t.string("A human-readable description of the status of this operation."),
      source: t.object({ component: t.string("Component from which the event is generated."), host: t.string("Node name on which the event is generated.") }, {
        name: "io.k8s.api.core.v1.EventSource",
        description: "The component reporting this event.",
      }),
      firstTimestamp: t.string("The time at which the event was first recorded.", { format: "date-time" }),
      lastTimestamp: t.string("The time at which the most recent occurrence of this event was recorded.", { format: "date-time" }),
      count: t.int("The number of times this event has occurred."),
      type: t.string("Type of this event (Normal, Warning).", { enum: ["Normal", "Warning"] }),
      eventTime: t.string("Time when this event was first observed (MicroTime).", { format: "date-time" }),
      series: t.any("Data about the event series this event represents."),
      action: t.string("What action was taken or failed regarding the involved object."),
      related: objectReference,
      reportingComponent: t.string("Name of the controller that emitted this event."),
      reportingInstance: t.string("ID of the controller instance."),
    },
    { name: "io.k8s.api.core.v1.Event", description: "Event is a report of an event somewhere in the cluster." },
  ),
  columns: [
    {
      name: "Last Seen",
      type: "string",
      description: "When the event last happened",
      priority: 0,
      cell: (o, now) => humanAge(str(o.lastTimestamp) || str(o.eventTime) || o.metadata.creationTimestamp, now),
    },
    { name: "Type", type: "string", description: "Normal or Warning", priority: 0, cell: (o) => str(o.type) },
    { name: "Reason", type: "string", description: "Why the event happened", priority: 0, cell: (o) => str(o.reason) },
    {
      name: "Object",
      type: "string",
      description: "The object the event is about",
      priority: 0,
      cell: (o) => `${(involved(o).kind ?? "").toLowerCase()}/${involved(o).name ?? ""}`,
    },
    { name: "Message", type: "string", description: "What happened", priority: 0, cell: (o) => str(o.message) },
    { name: "Count", type: "integer", description: "How many times", priority: 1, cell: (o) => (typeof o.count === "number" ? o.count : 1) },
    { ...nameColumn, priority: 1 },
  ],
  readRight: "k8s.read",
  writeRights: ["k8s.write"],
  selectableFields: (o) => ({
    "involvedObject.kind": involved(o).kind ?? "",
    "involvedObject.namespace": involved(o).namespace ?? "",
    "involvedObject.name": involved(o).name ?? "",
    "involvedObject.uid": involved(o).uid ?? "",
    "involvedObject.apiVersion": involved(o).apiVersion ?? "",
    "involvedObject.resourceVersion": involved(o).resourceVersion ?? "",
    "involvedObject.fieldPath": involved(o).fieldPath ?? "",
    reason: str(o.reason),
    reportingComponent: str(o.reportingComponent),
    source: str((o.source as { component?: string } | undefined)?.component),
    type: str(o.type),
  }),
  validate(obj) {
    const causes: StatusCause[] = [];
    const ns = involved(obj).namespace;
    if (ns && ns !== obj.metadata.namespace)
      causes.push({ reason: "FieldValueInvalid", field: "involvedObject.namespace", message: `Invalid value: ${JSON.stringify(ns)}: does not match event.namespace` });
    return causes;
  },
};
